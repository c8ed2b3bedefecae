"""Hold Material's search index back while Python boots: the page's script tag for it.

Material's search builds its lunr index in a worker as soon as its bundle runs (~380 ms of CPU for this book,
taken from a cold Python boot on 2 cores). ``js/search-hold.js`` holds that worker until Python is ready or the
reader turns to search; it must run before Material's bundle, which makes the worker while it runs, so on a
page with cells this puts the small classic script ``assets/mm/search-hold.js`` just before the bundle's tag.
A page without cells, or without Material's bundle (another theme), is unchanged.

Example:
    >>> page = '<div data-mm-cell="a"></div><script src="../assets/javascripts/bundle.1a2b.min.js"></script>'
    >>> print(insert_search_hold(page, "x/"))   # doctest: +NORMALIZE_WHITESPACE
    <div data-mm-cell="a"></div><script src="../assets/mm/search-hold.js"></script>
    <script src="../assets/javascripts/bundle.1a2b.min.js"></script>
"""

from __future__ import annotations

import html
import re

__all__ = ["SCRIPT", "insert_search_hold"]

SCRIPT = "assets/mm/search-hold.js"     # built by scripts/build_js.mjs from js/search-hold-page.js
_BUNDLE = re.compile(r'<script\s[^>]*\bsrc="[^"]*assets/javascripts/bundle\.[^"/]*\.js"[^>]*>')


def insert_search_hold(page_html: str, page_url: str) -> str:
    """``page_html`` with the hold script right before Material's bundle, on a page with cells (``page_url``:
    the page's URL relative to the site root, e.g. "tutorial/x/")."""
    from mkdocs.utils import get_relative_url

    bundle = _BUNDLE.search(page_html)
    if not bundle or "data-mm-cell=" not in page_html[:bundle.start()]:
        return page_html
    src = html.escape(get_relative_url(SCRIPT, page_url))
    return f'{page_html[:bundle.start()]}<script src="{src}"></script>\n{page_html[bundle.start():]}'
