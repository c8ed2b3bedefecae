"""Every page of the built site fits a phone's width (375 px) and a desktop's (1280 px): no sideways scroll.

Uses the same check as ``scripts/screenshots.py`` (which also saves the screenshots to look at).
"""

import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from screenshots import OVERFLOW_JS, site_pages  # noqa: E402


@pytest.fixture(scope="module")
def narrow_page(context):
    page = context.new_page()
    yield page
    page.close()


def test_the_check_sees_an_overflowing_page(narrow_page, site_url):
    narrow_page.set_viewport_size({"width": 375, "height": 800})
    narrow_page.goto(site_url)
    narrow_page.evaluate("() => { const d = document.createElement('div'); d.style.width = '900px';"
                         " d.style.height = '10px'; d.id = 'too-wide'; document.querySelector('article').append(d); }")
    found = narrow_page.evaluate(OVERFLOW_JS)
    assert found is not None and found["scrollWidth"] >= 900


def test_every_page_fits_the_window(narrow_page, site_url, built_site):
    """Each page once: its cells mounted (figures have their size), checked at 375 px, then at 1280 px."""
    wide = {}
    for path in site_pages(built_site):
        narrow_page.set_viewport_size({"width": 375, "height": 800})
        narrow_page.goto(site_url + path)
        wait_for_mounted_cells(narrow_page)
        # a resize would otherwise catch Material's header mid-transition (the search box slides in)
        narrow_page.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
        for width in (375, 1280):
            narrow_page.set_viewport_size({"width": width, "height": 800})
            narrow_page.wait_for_timeout(50)
            found = narrow_page.evaluate(OVERFLOW_JS)
            if found:
                wide[f"{path} at {width} px"] = found
    assert not wide, f"pages wider than the window: {wide}"


def wait_for_mounted_cells(page) -> None:
    """Until every cell of the page is mounted by the runtime (its figure has its size, drawn or not)."""
    page.wait_for_function("() => window.mmAtlas && [...document.querySelectorAll('[data-mm-cell]')]"
                           ".every(c => mmAtlas.cells.has(c.dataset.mmCell))", timeout=60000)
