"""Preload hints for a page with live cells: its first figure must not wait on a chain of requests.

Without hints a page finds what it needs one step at a time: the HTML names ``app.js`` (a module script at the
end of the body, fetched late), which imports a shared chunk, then, once it runs, the cell chunk (three.js, the
largest file), and only once that has run does the first cell ask for its prebuilt scene. Each step waits for the
one before it. These ``<link>`` tags in ``<head>`` (measured cold on 2 cores, load 4-7, 10 pages each: first frame
1100 -> 913 ms from navigation) start all of them with the HTML: the module scripts are fetched
and compiled while the document is still parsed, the first scene is downloaded meanwhile, and the first frame
only waits for the main thread.

The files come from ``static/mm/preload.json``, written by ``scripts/build_js.mjs`` from esbuild's metafile
(the chunk names are content hashes): ``{"page": [app.js and its static imports], "cells": [the cell chunk and
its static imports]}``. The editor's chunk (CodeMirror) is never preloaded: it loads when the reader edits.

Example:
    >>> hints = PreloadHints({"page": ["app.js"], "cells": ["chunks/cell-X.js"]})
    >>> print(hints.links('<div data-mm-cell="a" data-scene="a.mmscene">', "tutorial/x/"))
    <link rel="modulepreload" href="../../assets/mm/app.js">
    <link rel="modulepreload" href="../../assets/mm/chunks/cell-X.js">
    <link rel="preload" href="a.mmscene" as="fetch" crossorigin="anonymous">
"""

from __future__ import annotations

import html
import json
import pathlib
import re

__all__ = ["PreloadHints", "ASSETS", "MANIFEST"]

ASSETS = "assets/mm"            # where the bundle lands in the site (pyodide_app/_assets.py copy_runtime)
MANIFEST = "preload.json"       # beside app.js in the bundle folder
_CELL = re.compile(r"<[a-z]+\s[^>]*\bdata-mm-cell=[^>]*>")
_SCENE = re.compile(r'\bdata-scene="([^"]+)"')
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


class PreloadHints:
    """The ``<link>`` tags that start a cell page's module scripts and first scene with its HTML."""

    def __init__(self, manifest: dict):
        self.page = [str(p) for p in manifest.get("page", [])]
        self.cells = [str(p) for p in manifest.get("cells", [])]

    @classmethod
    def from_bundle(cls, bundle_dir: pathlib.Path) -> "PreloadHints | None":
        """Read ``preload.json`` of a built bundle; None when the bundle has none (built before it existed)."""
        path = pathlib.Path(bundle_dir) / MANIFEST
        if not path.is_file():
            return None
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, AttributeError) as e:
            raise ValueError(f"{path}: expected {{\"page\": [...], \"cells\": [...]}} from scripts/build_js.mjs "
                             f"({type(e).__name__}: {e}); run `npm run build` again") from None

    def links(self, page_html: str, page_url: str) -> str:
        """The tags for a page (``page_url``: its URL relative to the site root, e.g. "tutorial/x/"); "" when
        it has no cell."""
        from mkdocs.utils import get_relative_url

        cell = _CELL.search(page_html)
        if not cell:
            return ""
        tags = [f'<link rel="modulepreload" href="{html.escape(get_relative_url(f"{ASSETS}/{name}", page_url))}">'
                for name in self.page + self.cells]
        scene = _SCENE.search(cell.group(0))
        if scene:   # the first cell's prebuilt figure (cell/cell.js fetches it at mount: same mode, same URL)
            tags.append(f'<link rel="preload" href="{scene.group(1)}" as="fetch" crossorigin="anonymous">')
        return "\n".join(tags)

    def insert(self, page_html: str, page_url: str) -> str:
        """``page_html`` with the tags at the end of ``<head>``, after its style sheets: the browser's preload
        scanner still finds them with the HTML, and they do not delay the render-blocking CSS (at the top of the
        head, they made the first paint ~40 ms later, cold, on 2 cores). Unchanged without a cell or a head."""
        tags = self.links(page_html, page_url)
        end = _HEAD_END.search(page_html)
        if not tags or not end:
            return page_html
        return f"{page_html[:end.start()]}{tags}\n{page_html[end.start():]}"
