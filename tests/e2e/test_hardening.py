"""Hardening in the browser, on the built site (issue 13): too big a figure, a crashing worker, output as
text, the Content Security Policy and broken storage. Each test drives the real pages in Chromium.

Example:
    MM_SITE_DIR=/path/to/site .venv/bin/python -m pytest -q tests/e2e/test_hardening.py
"""

from __future__ import annotations

import pathlib
import re

import pytest

from mmcore.cell import run_cell
from mmcore.errors import MMError
from tests.e2e._cellpage import cell_sel, goto, output, run_and_wait, set_code, state, status, wait_mounted

PAGE = "tutorial/first-matmul/"
CELL = "first-matmul-1"          # the page's editable A @ B cell
OTHER = "blog00"                 # another cell of the same page


def _run(page, code: str, cell: str = CELL) -> str:
    page.evaluate("([id, c]) => mmAtlas.cells.get(id).setCode(c)", [cell, code])
    return run_and_wait(page, cell, timeout=180_000)


@pytest.fixture()
def first_matmul(page, site_url):
    page.evaluate("() => { try { localStorage.clear(); } catch (e) {} }")
    goto(page, site_url + PAGE)
    page.mm_errors.clear()
    yield page
    assert [e for e in page.mm_errors if "pageerror" in e] == []


# -- 1. too big ------------------------------------------------------------------------------------------

def test_too_big_a_figure_is_refused_with_the_build_time_message(first_matmul):
    page = first_matmul
    code = 'mmcore.matrix("A", 30000, 30000)'
    with pytest.raises(MMError) as built:      # the same rule when the site is built (CPython)
        run_cell(code, cell_id=CELL)
    assert _run(page, code) == "error"
    shown = status(page, CELL)
    assert shown == f"MMError: {built.value}"
    assert "900,000,000 elements" in shown and "the limit is 20,000,000 elements per figure" in shown
    # the page is fine: the same cell draws a small figure afterwards
    assert _run(page, 'A = mmcore.matrix("A", 8, 6)\nA @ mmcore.matrix("B", 6, 4)') == "ready"


# -- 2. out of memory, recursion, a crashing worker --------------------------------------------------------

def test_memory_recursion_and_a_crashed_worker_leave_the_page_working(first_matmul):
    page = first_matmul
    assert _run(page, "x = np.ones((20000, 20000))\nprint(x.sum())") == "error"
    assert re.search(r"(MemoryError|ValueError: array is too big)", status(page, CELL)), status(page, CELL)
    assert _run(page, "def f(n):\n    return f(n + 1)\nf(0)") == "error"
    assert status(page, CELL).startswith("RecursionError: maximum recursion depth exceeded")

    boots = page.evaluate("mmAtlas.runtime.bootCount")
    assert _run(page, "import js\njs.close()") == "error"       # the worker ends itself mid-run
    assert status(page, CELL).startswith("Python crashed (the Python worker closed itself)")
    assert "press Run again" in status(page, CELL)
    assert page.evaluate("mmAtlas.runtime.bootCount") == boots + 1   # replaced by a fresh worker
    # a second Run of the same cell works, and the other cells kept their figures and still run
    assert _run(page, 'print("again")') == "ready" and output(page, CELL).strip() == "again"
    assert state(page, OTHER) == "idle" and page.locator(f"{cell_sel(OTHER)} canvas").count() >= 1
    assert _run(page, page.evaluate(f"mmAtlas.cells.get('{OTHER}').getCode()"), cell=OTHER) == "ready"


# -- 5. output is text -------------------------------------------------------------------------------------

def test_printed_markup_tracebacks_and_names_stay_text(first_matmul):
    page = first_matmul
    evil = "<img src=x onerror=window.__mm_xss=1>"
    code = (f'print("{evil}")\n'
            f'A = mmcore.matrix("{evil}", 4, 3)\n'
            'B = mmcore.matrix("<b>B</b>", 3, 2)\n'
            'A @ B')
    assert _run(page, code) == "ready"
    assert output(page, CELL).strip() == evil
    assert page.evaluate(f"document.querySelectorAll('{cell_sel(CELL)} img, {cell_sel(CELL)} b').length") == 0
    label = page.get_attribute(f"{cell_sel(CELL)} [data-mm-figure]", "aria-label")
    assert label == f"3D figure: {evil} @ <b>B</b>. Matrices: {evil} @ <b>B</b> 4×2, {evil} 4×3, <b>B</b> 3×2."
    # a traceback whose message is markup
    assert _run(page, 'raise ValueError("<script>window.__mm_xss=2</script><i>x</i>")') == "error"
    assert "ValueError: <script>window.__mm_xss=2</script><i>x</i>" in output(page, CELL)
    assert status(page, CELL).startswith("ValueError: <script>")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__mm_xss") is None
    assert page.evaluate(f"document.querySelectorAll('{cell_sel(CELL)} script:not([data-mm-source]), {cell_sel(CELL)} i').length") == 0


def test_label_text_is_plain_and_bounded(page, site_url):
    """The 3D labels draw names with canvas fillText (no markup), cut to 120 characters."""
    goto(page, site_url + PAGE)
    name = "<u>" + "N" * 500
    assert _run(page, f'A = mmcore.matrix("{name}", 4, 3)\nA @ mmcore.matrix("B", 3, 2)') == "ready"
    assert page.evaluate(f"document.querySelectorAll('{cell_sel(CELL)} u').length") == 0
    # the figure still draws (a 500-character label no longer asks for a canvas wider than 4096 px)
    assert page.locator(f"{cell_sel(CELL)} canvas").count() >= 1


# -- 6. Content Security Policy ------------------------------------------------------------------------------

CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)


def test_every_page_carries_the_policy_and_no_inline_script(built_site):
    pages = sorted(pathlib.Path(built_site).rglob("*.html"))
    pages = [p for p in pages if "assets" not in p.relative_to(built_site).parts]
    assert len(pages) >= 15
    for p in pages:
        html = p.read_text(encoding="utf-8")
        m = CSP_META.search(html)
        assert m, f"{p}: no CSP meta"
        policy = dict((d.split(" ", 1) + [""])[:2] for d in (x.strip() for x in m.group(1).split(";")) if d)
        assert policy["script-src"] == "'self' 'wasm-unsafe-eval'" and policy["default-src"] == "'self'"
        assert policy["object-src"] == "'none'" and "unsafe-eval" not in policy["script-src"].replace("wasm-unsafe-eval", "")
        assert html.index("Content-Security-Policy") < html.index("<script"), f"{p}: a script before the policy"
        assert INLINE_SCRIPT.findall(html) == [], f"{p}: inline script {INLINE_SCRIPT.findall(html)[:1]}"


def test_an_injected_inline_script_is_blocked(context, site_url):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def inject(route):
        resp = route.fetch()
        body = resp.text().replace("</body>", "<script>window.__mm_injected = 1</script></body>")
        route.fulfill(response=resp, body=body)

    page.route(site_url + PAGE, inject)
    page.add_init_script("""window.__mm_violations = [];
        document.addEventListener('securitypolicyviolation', (e) => __mm_violations.push(e.violatedDirective));""")
    try:
        goto(page, site_url + PAGE)
        assert page.evaluate("window.__mm_injected") is None
        # a script created later by code on the page is blocked too
        page.evaluate("""() => { const s = document.createElement('script');
            s.textContent = 'window.__mm_injected = 2'; document.body.append(s); }""")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__mm_injected") is None
        assert page.evaluate("__mm_violations.filter((d) => d.startsWith('script-src')).length") >= 2
        # ... while the page's own scripts, the worker and Python all run under the policy
        assert _run(page, 'A = mmcore.matrix("A", 5, 3)\nA @ mmcore.matrix("B", 3, 4)') == "ready"
        assert errors == []
    finally:
        page.close()


# -- 7. storage ------------------------------------------------------------------------------------------------

KEY = f"mm:code:/{PAGE}#{CELL}"


def _fresh(context, site_url, init: str):
    page = context.new_page()
    page.mm_errors = []
    page.on("pageerror", lambda e: page.mm_errors.append(str(e)))
    page.add_init_script(init)
    goto(page, site_url + PAGE)
    return page


def _original(page) -> str:
    return page.evaluate(f"JSON.parse(document.querySelector('{cell_sel(CELL)} script[data-mm-source]').textContent)")


def _code(page) -> str:
    return page.evaluate(f"mmAtlas.cells.get('{CELL}').getCode()")


@pytest.mark.parametrize("stored", ['{"mm":1,"code":"A @', '{"theme":"dark","v":7}', "[1, 2, 3]"])
def test_a_corrupt_or_foreign_entry_falls_back_to_the_page_code_with_a_note(context, site_url, stored):
    import json

    page = _fresh(context, site_url, f"localStorage.setItem({json.dumps(KEY)}, {json.dumps(stored)});")
    try:
        assert _code(page) == _original(page)
        assert status(page, CELL) == "A saved edit of this cell could not be read: showing the page's code"
        assert page.mm_errors == []
    finally:
        page.evaluate("localStorage.clear()")
        page.close()


def test_a_saved_edit_comes_back_after_a_reload(context, site_url):
    page = _fresh(context, site_url, "")
    try:
        set_code(page, CELL, "print('kept')\n")
        page.reload(wait_until="load")
        wait_mounted(page)
        assert _code(page) == "print('kept')\n"
        assert page.evaluate(f"JSON.parse(localStorage.getItem({KEY!r}))") == {"mm": 1, "code": "print('kept')\n"}
    finally:
        page.evaluate("localStorage.clear()")
        page.close()


FULL = """Storage.prototype.setItem = function () {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };"""
PRIVATE = """Object.defineProperty(window, 'localStorage', { configurable: true,
    get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });"""


@pytest.mark.parametrize("init, note", [
    (FULL, "Browser storage is full: your edit stays until you close the tab"),
    (PRIVATE, "This browser keeps no edits (storage is off): yours stay until you close the tab"),
])
def test_full_or_disabled_storage_keeps_this_visits_edits(context, site_url, init, note):
    page = _fresh(context, site_url, init)
    try:
        assert _code(page) == _original(page)
        set_code(page, CELL, "print('typed in this visit')\n")
        assert status(page, CELL) == note
        # leave the page through the site's navigation and come back: the edit is still there
        page.locator('a.md-footer__link--next').click()
        page.wait_for_url("**/decompositions/")
        wait_mounted(page)
        page.go_back()
        page.wait_for_url(f"**/{PAGE}")
        wait_mounted(page)
        # (the cells may remount once more after the back navigation: wait for the mounted cell's code)
        page.wait_for_function("([id, want]) => mmAtlas.cells.get(id)?.getCode() === want",
                               arg=[CELL, "print('typed in this visit')\n"], timeout=15_000)
        assert page.mm_errors == []
    finally:
        page.close()
