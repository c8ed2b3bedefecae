"""The code editor loads on the first focus or click in a cell's code, and takes the focus only if the reader is
still there: a reader who tabbed (or clicked) on while its chunk loaded keeps the focus where they moved it.

The editor chunk's download is held back by Playwright until the reader has moved on, so the order is certain.

Example:
    MM_SITE_DIR=/path/to/site .venv/bin/python -m pytest -q tests/e2e/test_editor_focus.py
"""

from __future__ import annotations

from tests.e2e._cellpage import cell_sel, goto

PAGE = "tutorial/first-matmul/"
CELL = "first-matmul-1"
FOCUSED = """() => { const a = document.activeElement;
    return {inEditor: !!a.closest('.cm-editor'), inCode: !!a.closest('[data-mm-code]'),
            tag: a.tagName, action: a.dataset.action || a.dataset.figAction || null,
            cls: String(a.className || '')}; }"""


class _HeldChunks:
    """Holds every JS chunk request of ``page`` from now on until ``release()``."""

    def __init__(self, page):
        self.routes, self.released = [], False
        page.route("**/assets/mm/chunks/*.js", self._on_route)

    def _on_route(self, route):
        if self.released:
            route.continue_()
        else:
            self.routes.append(route)

    def release(self):
        self.released = True
        for route in self.routes:
            route.continue_()


def _editor_loaded(page) -> None:
    page.wait_for_selector(f"{cell_sel(CELL)} .cm-editor", timeout=60_000)
    page.wait_for_timeout(200)   # the load's own focus call, if any, has run


def test_tabbing_on_while_the_editor_loads_keeps_the_focus_where_the_reader_moved_it(page, site_url):
    page.evaluate("() => { try { localStorage.clear(); } catch (e) {} }")
    goto(page, site_url + PAGE)
    held = _HeldChunks(page)
    code = f"{cell_sel(CELL)} [data-mm-code]"
    page.focus(code)                       # the static code takes the focus: the editor starts loading
    assert page.evaluate(FOCUSED)["inCode"]
    for _ in range(3):                     # ...and the reader tabs on (past the code's copy button) before it arrives
        page.keyboard.press("Tab")
        moved = page.evaluate(FOCUSED)
        if not moved["inCode"]:
            break
    assert not moved["inCode"] and not moved["inEditor"], moved
    held.release()
    _editor_loaded(page)
    now = page.evaluate(FOCUSED)
    assert now == moved, f"the editor pulled the focus back: {now} (the reader was on {moved})"


def test_a_reader_who_stays_in_the_code_gets_the_editor_with_the_focus(page, site_url):
    page.evaluate("() => { try { localStorage.clear(); } catch (e) {} }")
    goto(page, site_url + PAGE)
    held = _HeldChunks(page)
    page.focus(f"{cell_sel(CELL)} [data-mm-code]")
    page.wait_for_timeout(300)
    held.release()
    _editor_loaded(page)
    assert page.evaluate(FOCUSED)["inEditor"]
    page.keyboard.type("# typed")
    code = page.evaluate(f"""() => document.querySelector('{cell_sel(CELL)} .cm-content').textContent""")
    assert "# typed" in code


def test_a_click_in_the_code_puts_the_caret_there_once_the_editor_is_loaded(page, site_url):
    page.evaluate("() => { try { localStorage.clear(); } catch (e) {} }")
    goto(page, site_url + PAGE)
    held = _HeldChunks(page)
    code = page.locator(f"{cell_sel(CELL)} [data-mm-code]")
    code.scroll_into_view_if_needed()
    box = code.bounding_box()
    page.mouse.click(box["x"] + 4, box["y"] + box["height"] - 6)   # the start of the last line
    held.release()
    _editor_loaded(page)
    assert page.evaluate(FOCUSED)["inEditor"]
    caret_line = page.evaluate(f"""() => {{ const s = getSelection(); const line = s.anchorNode &&
        (s.anchorNode.nodeType === 1 ? s.anchorNode : s.anchorNode.parentElement).closest('.cm-line');
        const lines = [...document.querySelectorAll('{cell_sel(CELL)} .cm-line')];
        return [lines.indexOf(line), lines.length]; }}""")
    assert caret_line[0] == caret_line[1] - 1, caret_line
