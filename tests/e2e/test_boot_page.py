"""Python boots in the background on a page with cells (pyodide_app/js/app.js `bootWhenQuiet`): once the page has
loaded and the main thread is idle, without any click; never on a page without cells. Under automation
(navigator.webdriver) app.js only does it when `localStorage["mm:boot"]` is "idle", so these tests set it; the other
e2e tests keep the default (no background boot).
"""

from __future__ import annotations

import pathlib

import pytest

from tests.e2e.test_js_split import Loads, _pages

IDLE = "try { localStorage.setItem('mm:boot', 'idle'); } catch (e) {}"


@pytest.fixture
def loads(browser, external_requests):
    lo = Loads(browser, external_requests)
    yield lo
    lo.close()


@pytest.fixture(scope="module")
def pages(built_site):
    return _pages(pathlib.Path(built_site))


def _pyodide_requests(loads) -> list[str]:
    return [u for u in loads.js if "/pyodide/" in u or u.endswith("/worker.js")]


def test_python_boots_in_the_background_on_a_page_with_cells(loads, site_url, pages):
    _, figure = pages
    loads.ctx.add_init_script(IDLE)
    page = loads.page
    page.goto(site_url + figure, wait_until="load")
    # no click, no pointer on a button: Python becomes ready by itself
    page.wait_for_function("() => performance.getEntriesByName('mm:python-ready').length > 0", timeout=180_000)
    assert page.evaluate("mmAtlas.runtime.bootCount") == 1
    steps = page.evaluate("mmAtlas.runtime.bootTimings")
    assert set(steps) >= {"load_pyodide", "load_packages", "import_mmcore"}, steps
    cell = page.get_attribute("[data-mm-cell][data-scene]", "data-mm-cell")
    assert page.get_attribute(f'[data-mm-cell="{cell}"]', "data-state") == "idle"   # booted, nothing run
    # the first Run then does not wait for a boot
    page.click(f'[data-mm-cell="{cell}"] button[data-action="run"]')
    page.wait_for_function("(id) => ['ready', 'error'].includes(document.querySelector("
                           "`[data-mm-cell=\"${id}\"]`).dataset.state)", arg=cell, timeout=120_000)
    assert page.get_attribute(f'[data-mm-cell="{cell}"]', "data-state") == "ready"
    assert page.evaluate("mmAtlas.runtime.bootCount") == 1
    assert not loads.errors, loads.errors


def test_no_background_boot_without_cells_or_under_automation_by_default(loads, site_url, pages):
    text_only, figure = pages
    page = loads.page
    page.goto(site_url + figure, wait_until="load")   # no "mm:boot" in storage: automation keeps the old rule
    page.wait_for_selector("[data-mm-live]")
    page.wait_for_timeout(2500)   # past requestIdleCallback's 2 s timeout
    assert page.evaluate("mmAtlas.runtime.bootCount") == 0
    loads.ctx.add_init_script(IDLE)
    page.goto(site_url + text_only, wait_until="load")
    page.wait_for_timeout(2500)
    assert page.evaluate("mmAtlas.runtime.bootCount") == 0
    assert _pyodide_requests(loads) == []
