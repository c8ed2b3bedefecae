"""The page's early script: a small classic script before Material's bundle on a page with cells.

``assets/mm/early.js`` (built by ``scripts/build_js.mjs`` from ``js/early.js``) must run before Material's
bundle, which starts its search worker while it runs, and before the page's module scripts:
- it holds Material's search index back while Python boots (``js/search-hold.js``: building the index took
  ~380 ms of CPU from a cold Python boot on 2 cores);
- on the playground opening a ``?mm=`` link, it creates the Python worker already (``runtime/client.js``
  adopts it), so the worker's thread starts while the page is still parsed.
This puts its tag just before the bundle's. A page without cells, or without Material's bundle (another
theme), is unchanged.

Example:
    >>> page = '<div data-mm-cell="a"></div><script src="../assets/javascripts/bundle.1a2b.min.js"></script>'
    >>> print(insert_early_script(page, "x/"))   # doctest: +NORMALIZE_WHITESPACE
    <div data-mm-cell="a"></div><script src="../assets/mm/early.js"></script>
    <script src="../assets/javascripts/bundle.1a2b.min.js"></script>
"""

from __future__ import annotations

import html
import re

__all__ = ["SCRIPT", "insert_early_script"]

SCRIPT = "assets/mm/early.js"     # built by scripts/build_js.mjs from js/early.js
_BUNDLE = re.compile(r'<script\s[^>]*\bsrc="[^"]*assets/javascripts/bundle\.[^"/]*\.js"[^>]*>')


def insert_early_script(page_html: str, page_url: str) -> str:
    """``page_html`` with the early script right before Material's bundle, on a page with cells (``page_url``:
    the page's URL relative to the site root, e.g. "tutorial/x/")."""
    from mkdocs.utils import get_relative_url

    bundle = _BUNDLE.search(page_html)
    if not bundle or "data-mm-cell=" not in page_html[:bundle.start()]:
        return page_html
    src = html.escape(get_relative_url(SCRIPT, page_url))
    return f'{page_html[:bundle.start()]}<script src="{src}"></script>\n{page_html[bundle.start():]}'
