"""Material's search index waits while Python boots (pyodide_app/js/search-hold.js, run by the page's early script
before Material's bundle: pyodide_app/_early_script.py): on a page that boots Python in the background the search worker starts one
second after Python is ready, or at once when the reader turns to search; search works in every case.

The worker's own clock tells when it really started: a dedicated worker's `performance.timeOrigin` is its
creation, the page's plus a mark's `startTime` is the mark's moment, both in epoch ms.
"""

from __future__ import annotations

import time
import urllib.parse

import mmcore

SEARCH_WORKER = "/assets/javascripts/workers/search."
MARKS = """() => { const at = (n) => performance.getEntriesByName(n)[0] ?? null;
    const hold = at('mm:search-index'), ready = at('mm:python-ready');
    return {origin: performance.timeOrigin, held: 'mmSearchHold' in window,
            released: hold?.startTime ?? null, reason: hold?.detail ?? null, ready: ready?.startTime ?? null}; }"""


def _visit(loads, url: str, wait_until: str = "load"):
    """Open ``url`` in the context's page, recording the workers it starts: (page, workers)."""
    page, found = loads.page, []
    page.on("worker", lambda w: found.append(w))
    page.goto(url, wait_until=wait_until)
    return page, found


def _released(page, timeout: int) -> dict:
    page.wait_for_function("() => performance.getEntriesByName('mm:search-index').length > 0", timeout=timeout)
    return page.evaluate(MARKS)


def _search_worker(page, found: list, timeout_s: float = 30.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        hits = [w for w in found if SEARCH_WORKER in w.url]
        if hits:
            assert len(hits) == 1, [w.url for w in hits]
            return hits[0]
        page.wait_for_timeout(50)   # Playwright delivers the worker events while it waits, not in time.sleep
    raise AssertionError(f"no search worker started; workers: {[w.url for w in found]}")


def _search_finds(page, words: str = "attention") -> list[str]:
    page.keyboard.press("s")                       # Material's shortcut: focus the search field
    page.keyboard.type(words, delay=30)            # key by key: Material searches on keyboard events
    page.wait_for_function("() => document.querySelectorAll('.md-search-result__item').length > 0", timeout=60_000)
    return page.locator(".md-search-result__item a").evaluate_all("(as) => as.map((a) => a.textContent)")


def test_the_search_index_is_built_a_second_after_python_is_ready(reader_loads, site_url, pages):
    page, found = _visit(reader_loads, site_url + pages[1])
    m = _released(page, 180_000)
    assert m["held"] and m["reason"] == "python-ready", m
    assert m["ready"] is not None and m["released"] >= m["ready"] + 900, m   # SEARCH_AFTER_READY_MS after it
    started = _search_worker(page, found).evaluate("performance.timeOrigin")
    assert started >= m["origin"] + m["ready"] + 900, (started - m["origin"], m)   # the worker itself waited
    assert _search_finds(page)
    assert not reader_loads.errors, reader_loads.errors


def test_a_reader_who_opens_search_during_the_boot_does_not_wait_for_python(reader_loads, site_url, pages):
    page, found = _visit(reader_loads, site_url + pages[1], "domcontentloaded")
    results = _search_finds(page)          # typed while Python boots: the field's focus releases the index
    m = page.evaluate(MARKS)
    assert m["reason"] == "reader", m
    assert m["ready"] is None or m["released"] < m["ready"] + 900, m
    assert results and _search_worker(page, found)
    assert not reader_loads.errors, reader_loads.errors


def test_the_playground_opening_a_link_holds_the_index_until_python_is_ready(loads, site_url):
    """A `?mm=` link boots Python at once even under automation: the index waits for that boot."""
    link = mmcore.to_mm(mmcore.matrix("A", 6, 4) @ mmcore.matrix("B", 4, 5))
    page, found = _visit(loads, site_url + "playground/?mm=" + urllib.parse.quote(link, safe=""))
    m = _released(page, 180_000)
    assert m["reason"] == "python-ready" and m["released"] >= m["ready"] + 900, m
    assert _search_worker(page, found).evaluate("performance.timeOrigin") >= m["origin"] + m["ready"] + 900
    assert page.get_attribute('[data-mm-cell="playground"]', "data-state") == "ready"
    assert _search_finds(page)
    assert not loads.errors, loads.errors


def test_without_a_background_boot_the_index_is_built_at_once(loads, site_url, pages):
    """Automation without the reader's setting boots no Python in the background: nothing to wait for."""
    page, found = _visit(loads, site_url + pages[1])
    m = _released(page, 30_000)
    assert m["reason"] == "no-background-boot" and m["ready"] is None, m
    _search_worker(page, found)
    assert _search_finds(page)
    assert not loads.errors, loads.errors


def test_a_page_without_cells_holds_nothing(loads, site_url, pages):
    page, found = _visit(loads, site_url + pages[0])
    assert page.locator("script[src$='assets/mm/early.js']").count() == 0
    _search_worker(page, found)
    m = page.evaluate(MARKS)
    assert not m["held"] and m["released"] is None, m
    assert _search_finds(page)
    assert not loads.errors, loads.errors
