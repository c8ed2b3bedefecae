"""What GitHub Pages needs from the built site (``built_site``, tests/conftest.py): ``.nojekyll``, every
URL of every page relative (so ``site/`` works under any sub-path such as ``/REPO/``), and a real
``404.html`` whose links, which must be absolute because Pages serves it at any missing address, all
start at the site's own path (``MM_SITE_URL``, read back from sitemap.xml) and reach files of the site.

Example:
    MM_SITE_DIR=/path/to/site .venv/bin/python -m pytest -q tests/site/test_pages_site.py
"""

from __future__ import annotations

import html.parser
import json
import pathlib
import re
import urllib.parse

import pytest


class _Links(html.parser.HTMLParser):
    """Every href / src of a page, and the JSON of Material's ``<script id="__config">``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.config = ""
        self._in_config = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.urls.append(a[key])
        self._in_config = tag == "script" and a.get("id") == "__config"

    def handle_data(self, data):
        if self._in_config:
            self.config += data

    def handle_endtag(self, tag):
        self._in_config = False


def links(path: pathlib.Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def local(url: str) -> bool:
    return not re.match(r"^([a-z][a-z0-9+.-]*:|//|#)", url, re.I)


def site_path(site: pathlib.Path) -> str:
    """The path of the address the site was built for (MM_SITE_URL), from sitemap.xml."""
    loc = re.search(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8"))
    assert loc, "sitemap.xml lists no page"
    # the prefix of a page's URL path that maps onto site/ (e.g. "/REPO/" for "/REPO/tutorial/x/")
    parts = [p for p in urllib.parse.urlsplit(loc.group(1)).path.split("/") if p]
    for n in range(len(parts) + 1):
        rest = "/".join(parts[n:])
        if (site / rest / "index.html").is_file():
            return "/" + "".join(p + "/" for p in parts[:n])
    raise AssertionError(f"sitemap.xml: no page of the site at {loc.group(1)}")


def target(site: pathlib.Path, rel: str) -> pathlib.Path:
    rel = urllib.parse.unquote(rel.split("#")[0].split("?")[0])
    path = site / rel
    return path / "index.html" if rel in ("", ".") or rel.endswith("/") or path.is_dir() else path


def test_every_build_writes_nojekyll(built_site):
    assert (pathlib.Path(built_site) / ".nojekyll").is_file()


def test_every_url_of_every_page_is_relative(built_site):
    site = pathlib.Path(built_site)
    pages = [p for p in site.rglob("index.html") if "assets" not in p.relative_to(site).parts]
    assert len(pages) >= 10
    rooted = {}
    for page in pages:
        parsed = links(page)
        bad = [u for u in parsed.urls if local(u) and u.startswith("/")]
        if parsed.config and json.loads(parsed.config).get("base", ".").startswith("/"):
            bad.append("__config.base")
        if bad:
            rooted[page.relative_to(site).as_posix()] = bad[:5]
    assert not rooted, f"root-relative URLs break under a sub-path: {rooted}"


def test_404_page_is_material_with_links_rooted_at_the_sites_address(built_site):
    site = pathlib.Path(built_site)
    page = site / "404.html"
    text = page.read_text(encoding="utf-8")
    assert "<h1>404 - Not found</h1>" in text
    root = site_path(site)
    parsed = links(page)
    urls = [u for u in parsed.urls if local(u)]
    assert any(re.search(r"assets/stylesheets/main\.[0-9a-f]+\.min\.css$", u) for u in urls), urls
    assert any(u.endswith("assets/mm/mm.css") for u in urls), urls
    assert len([u for u in urls if u.rstrip("/").endswith(("tutorial/first-matmul", "playground"))]) >= 2
    assert json.loads(parsed.config)["base"].rstrip("/") + "/" == root
    for u in urls:
        # Pages serves 404.html at whatever address was missing, so a relative link would resolve
        # against that address: every link starts at the site's own path instead.
        assert u.startswith(root), f"404.html: {u} does not start at the site's path {root}"
        assert target(site, u[len(root):]).is_file(), f"404.html: {u} is not a file of the site"
