"""Python boots in the background on a page with cells (pyodide_app/js/app.js `bootInBackground`), as soon as the
page's first prebuilt figure has drawn: without any click and without waiting for an idle main thread; never on a page
without cells. On a slow connection (Network Information `effectiveType` below "4g") the
boot waits until the page has loaded and the main thread is idle; with Save-Data there is no background boot.
Under automation (navigator.webdriver) app.js only boots in the background when `localStorage["mm:boot"]` is
"reader", so these tests set it; the other e2e tests keep the default (no background boot).
"""

from __future__ import annotations

READER = "try { localStorage.setItem('mm:boot', 'reader'); } catch (e) {}"
# requestIdleCallback that only runs when the test says so (window.__idle()), to see what waits for it
HELD_IDLE = """window.__idleHeld = []; window.requestIdleCallback = (fn) => { window.__idleHeld.push(fn); return 1; };
    window.__idle = () => { for (const fn of window.__idleHeld.splice(0)) fn({ didTimeout: true, timeRemaining: () => 0 }); };"""


def _connection(effective_type: str, save_data: bool = False) -> str:
    """An init script that makes navigator.connection report this network."""
    return ("Object.defineProperty(Navigator.prototype, 'connection', { configurable: true, get: () => ("
            f"{{ effectiveType: '{effective_type}', saveData: {'true' if save_data else 'false'}, "
            "addEventListener() {}, removeEventListener() {} }) });")


def _pyodide_requests(loads) -> list[str]:
    return [u for u in loads.js if "/pyodide/" in u or u.endswith("/worker.js")]


def _boot_count(page) -> int:
    return page.evaluate("mmAtlas.runtime.bootCount")


def test_python_boots_at_once_on_a_page_with_cells(loads, site_url, pages):
    _, figure = pages
    loads.ctx.add_init_script(READER)
    loads.ctx.add_init_script(HELD_IDLE)   # nothing may wait for an idle main thread
    page = loads.page
    page.goto(site_url + figure, wait_until="load")
    # no click, no pointer on a button, no idle callback: Python becomes ready by itself
    page.wait_for_function("() => performance.getEntriesByName('mm:python-ready').length > 0", timeout=180_000)
    assert _boot_count(page) == 1
    started, first_frame = page.evaluate("""() => [performance.getEntriesByName('mm:boot-start')[0].startTime,
        Math.min(...performance.getEntriesByType('mark').filter((m) => m.name.startsWith('mm:first-frame:'))
                 .map((m) => m.startTime))]""")
    assert 0 < first_frame <= started, (first_frame, started)   # the first paint first, then Python
    steps = page.evaluate("mmAtlas.runtime.bootTimings")
    assert set(steps) >= {"load_pyodide", "load_packages", "import_mmcore"}, steps
    cell = page.get_attribute("[data-mm-cell][data-scene]", "data-mm-cell")
    assert page.get_attribute(f'[data-mm-cell="{cell}"]', "data-state") == "idle"   # booted, nothing run
    # the first Run then does not wait for a boot
    page.click(f'[data-mm-cell="{cell}"] button[data-action="run"]')
    page.wait_for_function("(id) => ['ready', 'error'].includes(document.querySelector("
                           "`[data-mm-cell=\"${id}\"]`).dataset.state)", arg=cell, timeout=120_000)
    assert page.get_attribute(f'[data-mm-cell="{cell}"]', "data-state") == "ready"
    assert _boot_count(page) == 1
    assert not loads.errors, loads.errors


def test_on_a_slow_connection_the_boot_waits_for_load_and_idle(loads, site_url, pages):
    _, figure = pages
    loads.ctx.add_init_script(READER)
    loads.ctx.add_init_script(HELD_IDLE)
    loads.ctx.add_init_script(_connection("3g"))
    page = loads.page
    page.goto(site_url + figure, wait_until="load")
    page.wait_for_selector("[data-mm-live]")
    page.wait_for_function("() => window.__idleHeld.length > 0")   # asked for an idle moment after load...
    assert _boot_count(page) == 0                                  # ...and did not start before it
    page.evaluate("window.__idle()")
    assert _boot_count(page) == 1
    assert not loads.errors, loads.errors


def test_no_background_boot_with_save_data(loads, site_url, pages):
    _, figure = pages
    loads.ctx.add_init_script(READER)
    loads.ctx.add_init_script(_connection("4g", save_data=True))
    page = loads.page
    page.goto(site_url + figure, wait_until="load")
    page.wait_for_selector("[data-mm-live]")
    page.wait_for_timeout(2500)   # past requestIdleCallback's 2 s timeout
    assert _boot_count(page) == 0
    assert _pyodide_requests(loads) == []


def test_no_background_boot_without_cells_or_under_automation_by_default(loads, site_url, pages):
    text_only, figure = pages
    page = loads.page
    page.goto(site_url + figure, wait_until="load")   # no "mm:boot" in storage: automation keeps the old rule
    page.wait_for_selector("[data-mm-live]")
    page.wait_for_timeout(2500)   # past requestIdleCallback's 2 s timeout
    assert _boot_count(page) == 0
    loads.ctx.add_init_script(READER)
    page.goto(site_url + text_only, wait_until="load")
    page.wait_for_timeout(2500)
    assert _boot_count(page) == 0
    assert _pyodide_requests(loads) == []
