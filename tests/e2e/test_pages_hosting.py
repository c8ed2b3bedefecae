"""The built site as GitHub Pages serves it: every page under a sub-path (``/sub/``, like
``https://USER.github.io/REPO/``) loads with all its requests inside that sub-path and none failing, search
works there, and a missing address gets the site's real 404 page (status 404) with Material's CSS, the
figures' CSS and working links, as Pages does: its own server below answers every missing path with
``404.html``, mounted at the path the site was built for (``MM_SITE_URL``).

Example:
    MM_SITE_DIR=/path/to/site .venv/bin/python -m pytest -q tests/e2e/test_pages_hosting.py
"""

from __future__ import annotations

import functools
import http.server
import json
import pathlib
import re
import shutil
import socketserver
import tempfile
import threading

import pytest

from ._cellpage import goto


class _PagesHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; a missing one is answered with the site's 404.html and status 404 (as Pages does)."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".mjs": "text/javascript", ".js": "text/javascript"}
    not_found: pathlib.Path

    def log_message(self, format, *args):  # noqa: A002 - keep test output clean
        pass

    def send_error(self, code, message=None, explain=None):
        if code != 404:
            return super().send_error(code, message, explain)
        body = self.not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def built_for(site: pathlib.Path) -> str:
    """The path the site was built for: Material's base of 404.html ("/" or e.g. "/REPO/")."""
    config = re.search(r'<script id="__config" type="application/json">(.*?)</script>',
                       (site / "404.html").read_text(encoding="utf-8"), re.S)
    base = json.loads(config.group(1))["base"]
    return base.rstrip("/") + "/"


@pytest.fixture(scope="module")
def pages_url(built_site):
    """(base URL of the site on a Pages-like server, the path it was built for)."""
    site = pathlib.Path(built_site).resolve()
    root = built_for(site)
    parent = pathlib.Path(tempfile.mkdtemp(prefix="mm-pages-"))
    if root == "/":
        served = site
    else:
        served = parent
        (parent / root.strip("/")).parent.mkdir(parents=True, exist_ok=True)
        (parent / root.strip("/")).symlink_to(site, target_is_directory=True)
    handler = type("Handler", (_PagesHandler,), {"not_found": site / "404.html"})
    server = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True, name="pages").start()
    yield f"http://127.0.0.1:{server.server_address[1]}{root}", root
    server.shutdown()
    server.server_close()
    shutil.rmtree(parent, ignore_errors=True)


def _record(page):
    """Responses and failed requests of `page` from now on."""
    seen = {"responses": [], "failed": []}
    page.on("response", lambda r: seen["responses"].append((r.url, r.status)))
    # a request the next navigation cancels (net::ERR_ABORTED) did not fail
    page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "") and seen["failed"].append(r.url))
    return seen


def _pages(site: pathlib.Path) -> list[str]:
    return sorted(("" if p.parent == site else p.parent.relative_to(site).as_posix() + "/")
                  for p in site.rglob("index.html") if "assets" not in p.relative_to(site).parts)


def test_every_page_loads_under_a_sub_path(context, subpath_url, built_site):
    page = context.new_page()
    try:
        seen = _record(page)
        urls = _pages(pathlib.Path(built_site))
        assert "" in urls and "playground/" in urls and any(u.startswith("reference/") for u in urls)
        for url_path in urls:
            page.goto(subpath_url + url_path, wait_until="load")
            assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
        outside = [u for u, _ in seen["responses"] if not u.startswith((subpath_url, "data:", "blob:"))]
        bad = [(u, s) for u, s in seen["responses"] if s >= 400]
        assert not outside and not bad and not seen["failed"], (outside[:5], bad[:5], seen["failed"][:5])
    finally:
        page.close()


def test_search_works_under_a_sub_path(context, subpath_url):
    page = context.new_page()
    try:
        goto(page, subpath_url)
        page.keyboard.press("s")                       # Material's shortcut that opens the search
        page.keyboard.type("attention", delay=30)      # key by key: Material searches on keyboard events
        page.wait_for_function("() => document.querySelectorAll('.md-search-result__item').length > 0", timeout=30_000)
        href = page.locator(".md-search-result__item a").first.get_attribute("href")
        assert href.startswith(subpath_url), href
    finally:
        page.close()


def test_a_missing_address_gets_the_sites_404_page_with_its_css_and_links(context, pages_url):
    base, root = pages_url
    page = context.new_page()
    try:
        seen = _record(page)
        response = page.goto(base + "tutorial/no-such-chapter/deeper/", wait_until="load")
        assert response.status == 404
        assert page.locator("h1").first.inner_text() == "404 - Not found"
        # Material's stylesheet applies (sticky header) and so does the figures' (mm.css)
        assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
        assert any(u.endswith("assets/mm/mm.css") and s == 200 for u, s in seen["responses"])
        assets = [(u, s) for u, s in seen["responses"] if "/assets/" in u]
        assert assets and all(s == 200 and u.startswith(base) for u, s in assets), assets
        assert not seen["failed"], seen["failed"]
        links = page.evaluate("[...document.querySelectorAll('a[href]')].map((a) => a.href)"
                              ".filter((h) => h.startsWith(location.origin) && !h.includes('#'))")
        assert len(links) >= 10
        for href in sorted(set(links)):
            assert href.startswith(base), href
            assert page.request.get(href).status == 200, href
        home = page.evaluate("document.querySelector('a.md-header__button.md-logo').href")
        assert home == base, home
    finally:
        page.close()
