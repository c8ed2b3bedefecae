"""Fixtures of the browser end-to-end tests: the built site served on 127.0.0.1, one headless Debian
Chromium per session (never `playwright install`), every non-loopback request blocked and recorded.

Fixtures (for every test under tests/e2e/):
    site_url        "http://127.0.0.1:PORT/" serving the built site (tests/conftest.py's `built_site`)
    subpath_url     the same site under a sub-path: "http://127.0.0.1:PORT/sub/"
    browser         the session's Chromium (Playwright sync API)
    context         its browser context (viewport 1100x900; routes block non-loopback requests)
    page            one page reused by the session's tests (console errors collected in page.mm_errors)
    external_requests   list of blocked URLs; each test that uses `page` fails if it grew

Example:
    def test_home(page, site_url):
        page.goto(site_url)
        assert page.title()
"""

from __future__ import annotations

import functools
import http.server
import os
import pathlib
import shutil
import socketserver
import tempfile
import threading

import pytest

CHROMIUM = os.environ.get("MM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
LOOPBACK = ("http://127.0.0.1", "data:", "blob:")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
                      ".mmscene": "application/octet-stream"}

    def log_message(self, format, *args):  # noqa: A002 - keep test output clean
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.split("?")[0].endswith("/sitemap.xml"):
            return self._sitemap()
        return super().do_GET()

    def _sitemap(self):
        """Material's instant navigation only follows links listed in sitemap.xml, whose URLs are absolute
        and so depend on where the site is deployed (mkdocs `site_url`). The test server answers it for its
        own address: every page of the served site, so navigation is instant here as on the real host."""
        url_dir = self.path.split("?")[0].rsplit("/", 1)[0] + "/"
        disk = pathlib.Path(self.translate_path(url_dir))
        host = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        locs = []
        for page in sorted(disk.rglob("index.html")):
            rel = page.parent.relative_to(disk).as_posix()
            if "assets" not in rel.split("/"):
                locs.append(f"<url><loc>{host}{url_dir}{'' if rel == '.' else rel + '/'}</loc></url>")
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(locs) + "</urlset>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve_directory(root: pathlib.Path):
    """Start a static server for ``root`` on a free loopback port; returns (server, base_url)."""
    server = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True, name=f"serve {root.name}").start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="session")
def site_url(built_site):
    server, url = serve_directory(pathlib.Path(built_site))
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def subpath_url(built_site):
    parent = pathlib.Path(tempfile.mkdtemp(prefix="mm-subpath-"))
    (parent / "sub").symlink_to(pathlib.Path(built_site).resolve(), target_is_directory=True)
    server, url = serve_directory(parent)
    yield url + "sub/"
    server.shutdown()
    server.server_close()
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def playwright_driver():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make test installs Debian's chromium)")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_driver):
    b = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                          timeout=60_000)
    yield b
    b.close()


@pytest.fixture(scope="session")
def external_requests():
    return []


def loopback_context(browser, external_requests: list):
    """A new browser context (1100×900, 60 s timeouts) whose requests leave only for the local server; any
    other URL is aborted and recorded in ``external_requests``."""
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})

    def route(r):
        if r.request.url.startswith(LOOPBACK):
            r.continue_()
        else:
            external_requests.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    ctx.set_default_timeout(60_000)
    return ctx


@pytest.fixture(scope="session")
def context(browser, external_requests):
    ctx = loopback_context(browser, external_requests)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def page(context):
    p = context.new_page()
    p.mm_errors = []
    p.on("pageerror", lambda e: p.mm_errors.append(f"pageerror: {e}"))
    p.on("console", lambda m: p.mm_errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    yield p
    p.close()


@pytest.fixture(autouse=True)
def _no_external_requests(request, external_requests):
    """Every test that drives a page must leave the loopback-only rule unbroken."""
    before = len(external_requests)
    yield
    if "page" in request.fixturenames or "context" in request.fixturenames:
        assert external_requests[before:] == [], f"requests left the machine: {external_requests[before:]}"


@pytest.fixture
def loads(browser, external_requests):
    """A fresh browser context recording the JS it loads (tests/e2e/_loads.py ``Loads``)."""
    from tests.e2e._loads import Loads

    lo = Loads(browser, external_requests)
    yield lo
    lo.close()


@pytest.fixture
def reader_loads(loads):
    """``loads`` with the reader's background boot (``localStorage["mm:boot"]``: automation skips it otherwise)."""
    from tests.e2e.test_boot_page import READER

    loads.ctx.add_init_script(READER)
    return loads


@pytest.fixture(scope="module")
def pages(built_site):
    """(a page without cells, a page whose first cell has a prebuilt figure), as paths under the site root."""
    from tests.e2e._loads import _pages

    return _pages(pathlib.Path(built_site))
