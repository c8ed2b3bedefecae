"""What the bundle and boot tests share: a fresh browser context that records every JS response under
``assets/mm/`` (``Loads``) and the site's text-only page and first figure page (``_pages``); the fixtures
``loads`` and ``pages`` (tests/e2e/conftest.py) give them to a test.

Example: ``def test_x(loads, site_url, pages): loads.page.goto(site_url + pages[1])``.
"""

from __future__ import annotations

import pathlib

from tests.e2e.conftest import loopback_context


def _pages(site: pathlib.Path) -> tuple[str, str]:
    """(a page without cells, a page whose first cell has a prebuilt figure), as paths under the site root."""
    text_only = figure = None
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        if "assets" in rel.split("/"):
            continue
        path = "" if rel == "." else rel + "/"
        body = html.read_text(encoding="utf-8")
        if "data-mm-cell" not in body:
            text_only = text_only if text_only is not None else path
        elif figure is None and 'data-scene="' in body and 'data-autorun="mm-link"' not in body:
            figure = path
    assert text_only is not None and figure is not None, "the site needs a text-only page and a figure page"
    return text_only, figure


class Loads:
    """A fresh context whose page records every JS response under assets/mm/ (url -> body)."""

    def __init__(self, browser, external_requests):
        self.ctx = loopback_context(browser, external_requests)
        self.js: dict[str, bytes] = {}
        self.errors: list[str] = []
        self.page = self.ctx.new_page()
        self.page.on("response", self._on_response)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        # a missing picture of another page is not this test's business; a failed chunk is (see _on_response)
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" and not m.text.startswith("Failed to load resource") else None)

    def _on_response(self, r):
        if "/assets/mm/" in r.url and r.status >= 400:
            self.errors.append(f"HTTP {r.status} {r.url}")
        if "/assets/mm/" in r.url and r.url.split("?")[0].endswith(".js") and r.status == 200:
            self.js[r.url] = r.body()

    def with_(self, marker: bytes) -> list[str]:
        return [u for u, b in self.js.items() if marker in b]

    def close(self):
        self.ctx.close()
