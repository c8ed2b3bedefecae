"""Pyodide's wasm compiled from the start of the boot (pyodide_app/js/runtime/wasm-early.js): the worker streams
pyodide.asm.wasm into `WebAssembly.compileStreaming` while Pyodide's JS glue loads, and Pyodide's own fetch and
instantiateStreaming of it get that module. The wasm is requested once, the boot reports `wasm_early: 1`, and
when the early compile fails (here: the first response is not served as application/wasm) the boot falls back
to Pyodide's own way and Python still runs.

Example (what the boot reports): mmAtlas.runtime.bootTimings.wasm_early === 1
"""

from __future__ import annotations

from tests.e2e.test_boot_lazy_libs import BOOTED, RUN

WASM = "**/pyodide.asm.wasm"


def _wasm_requests(page) -> list[str]:
    seen: list[str] = []
    page.context.on("request", lambda r: seen.append(r.url) if r.url.endswith("/pyodide.asm.wasm") else None)
    return seen


def test_the_interpreter_comes_from_the_early_compile_and_the_wasm_is_fetched_once(reader_loads, site_url, pages):
    page = reader_loads.page
    seen = _wasm_requests(page)
    page.goto(site_url + pages[1], wait_until="load")
    page.wait_for_function(BOOTED, timeout=180_000)
    steps = page.evaluate("mmAtlas.runtime.bootTimings")
    assert steps["wasm_early"] == 1, steps
    assert len(seen) == 1, seen
    assert page.evaluate(RUN, "print(6 * 7)")["stdout"].strip() == "42"
    assert not reader_loads.errors, reader_loads.errors


def test_a_failed_early_compile_falls_back_to_pyodides_own_load(reader_loads, site_url, pages):
    page = reader_loads.page
    seen = _wasm_requests(page)
    served = []

    def first_not_wasm(route):
        served.append(route.request.url)
        if len(served) == 1:   # compileStreaming refuses a response that is not application/wasm
            route.fulfill(status=200, body=b"\0asm\1\0\0\0", headers={"Content-Type": "text/plain"})
        else:
            route.continue_()

    page.context.route(WASM, first_not_wasm)
    page.goto(site_url + pages[1], wait_until="load")
    page.wait_for_function(BOOTED, timeout=180_000)
    steps = page.evaluate("mmAtlas.runtime.bootTimings")
    assert steps["wasm_early"] == 0, steps
    assert len(served) == 2 and len(seen) == 2, (served, seen)   # the early fetch, then Pyodide's own
    assert page.evaluate(RUN, "import numpy as np\nprint(int(np.arange(4).sum()))")["stdout"].strip() == "6"
    assert not reader_loads.errors, reader_loads.errors
