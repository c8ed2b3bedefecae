"""Every page of the built site fits a phone's width (375 px) and a desktop's (1280 px): no sideways scroll.

Uses the same check as ``scripts/screenshots.py`` (which also saves the screenshots to look at).
"""

import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from screenshots import OVERFLOW_JS, site_pages, wait_for_figures  # noqa: E402


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


@pytest.mark.parametrize("width", [375, 1280])
def test_every_page_fits_the_window(narrow_page, site_url, built_site, width):
    narrow_page.set_viewport_size({"width": width, "height": 800})
    wide = {}
    for path in site_pages(built_site):
        narrow_page.goto(site_url + path)
        wait_for_figures(narrow_page)
        found = narrow_page.evaluate(OVERFLOW_JS)
        if found:
            wide[path] = found
    assert not wide, f"pages wider than {width} px: {wide}"
