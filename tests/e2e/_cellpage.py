"""Helpers that drive live cells on a page (Playwright sync API).

Example:
    goto(page, site_url + "tutorial/first-matmul/")
    wait_mark(page, "mm:first-frame:first-matmul-1")
    png = canvas_png(page, "first-matmul-1")
"""

from __future__ import annotations

__all__ = ["cell_sel", "goto", "wait_mark", "has_mark", "wait_state", "state", "canvas_png", "set_code",
           "get_code", "click", "status", "output", "run_and_wait", "wait_mounted"]


def cell_sel(cell_id: str) -> str:
    return f'[data-mm-cell="{cell_id}"]'


def goto(page, url: str) -> None:
    page.goto(url, wait_until="load")
    wait_mounted(page)


def wait_mounted(page) -> None:
    """Every cell of the current page has its editor (the runtime mounted it)."""
    page.wait_for_function("""() => { const c = document.querySelectorAll('[data-mm-cell]');
        return window.mmAtlas && [...c].every((el) => el.dataset.mmLive === 'true'); }""")


def has_mark(page, name: str) -> bool:
    return page.evaluate("(n) => performance.getEntriesByName(n).length > 0", name)


def wait_mark(page, name: str, timeout: float = 60_000) -> None:
    page.wait_for_function("(n) => performance.getEntriesByName(n).length > 0", arg=name, timeout=timeout)


def state(page, cell_id: str) -> str:
    return page.get_attribute(cell_sel(cell_id), "data-state")


def wait_state(page, cell_id: str, states: str | tuple[str, ...], timeout: float = 90_000) -> str:
    wanted = [states] if isinstance(states, str) else list(states)
    page.wait_for_function("([id, s]) => s.includes(document.querySelector(`[data-mm-cell=\"${id}\"]`)?.dataset.state)",
                           arg=[cell_id, wanted], timeout=timeout)
    return state(page, cell_id)


def canvas_png(page, cell_id: str) -> bytes:
    return page.locator(f"{cell_sel(cell_id)} [data-mm-figure] canvas").first.screenshot(animations="disabled")


def set_code(page, cell_id: str, code: str) -> None:
    """Replace the editor's text as a reader would: click into the code (the editor loads), select all,
    paste-like insert."""
    page.click(f"{cell_sel(cell_id)} [data-mm-code]")
    page.wait_for_selector(f"{cell_sel(cell_id)} .cm-content")
    page.click(f"{cell_sel(cell_id)} .cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)


def get_code(page, cell_id: str) -> str:
    return page.evaluate("(id) => mmAtlas.cells.get(id).getCode()", cell_id)


def click(page, cell_id: str, action: str) -> None:
    page.click(f'{cell_sel(cell_id)} button[data-action="{action}"]')


def status(page, cell_id: str) -> str:
    return page.text_content(f"{cell_sel(cell_id)} [data-mm-status]") or ""


def output(page, cell_id: str) -> str:
    return page.text_content(f"{cell_sel(cell_id)} [data-mm-output]") or ""


def run_and_wait(page, cell_id: str, timeout: float = 120_000) -> str:
    """Click Run and wait for the run to end; returns the final state ('ready' or 'error')."""
    page.evaluate("(id) => performance.clearMarks('mm:run-done:' + id)", cell_id)
    click(page, cell_id, "run")
    page.wait_for_function("""(id) => { const s = document.querySelector(`[data-mm-cell="${id}"]`).dataset.state;
        return s === 'error' || (s === 'ready' && performance.getEntriesByName('mm:run-done:' + id).length > 0); }""",
                           arg=cell_id, timeout=timeout)
    return state(page, cell_id)
