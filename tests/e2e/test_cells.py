"""Live cells on the built site: prebuilt figure, Run in Pyodide, edits, errors, Stop, storage, share links.

All tests share one page (and so, within a page load, one booted Python worker)."""

from __future__ import annotations

import pathlib
import urllib.parse

import pytest

from ._cellpage import (canvas_png, click, get_code, goto, has_mark, output, run_and_wait, set_code, state,
                        status, wait_mark, wait_state)
from ._pixels import count_foreground, diff_fraction, load_png
from ._site import site_cells

# A picture must cover at least this many non-background pixels of the canvas.
MIN_FOREGROUND = 2_000


@pytest.fixture(scope="module")
def demo(built_site):
    """The first page with at least one prebuilt cell that is not the playground: (url_path, cell)."""
    for cell in site_cells(pathlib.Path(built_site)):
        if cell.scene and cell.autorun == "false":
            return cell
    pytest.fail("the built site has no page with a prebuilt cell")


@pytest.fixture(scope="module")
def demo_page(page, site_url, demo):
    """The demo page, freshly loaded, with its stored edits cleared."""
    goto(page, site_url + demo.url_path)
    page.evaluate("() => localStorage.clear()")
    goto(page, site_url + demo.url_path)
    return page


def record_states(page, cell_id: str) -> None:
    """Record every (state, status text) the cell goes through into window.__mmStates."""
    page.evaluate("""(id) => {
        const el = document.querySelector(`[data-mm-cell="${id}"]`);
        const st = el.querySelector('[data-mm-status]');
        window.__mmStates = [[el.dataset.state, st.textContent]];
        const log = () => window.__mmStates.push([el.dataset.state, st.textContent]);
        new MutationObserver(log).observe(el, {attributes: true, attributeFilter: ['data-state']});
        new MutationObserver(log).observe(st, {childList: true, characterData: true, subtree: true});
    }""", cell_id)


def test_prebuilt_figure_draws(demo_page, demo):
    page = demo_page
    wait_mark(page, f"mm:first-frame:{demo.cell_id}")
    assert state(page, demo.cell_id) == "idle"
    img = load_png(canvas_png(page, demo.cell_id))
    assert count_foreground(img) > MIN_FOREGROUND, "the prebuilt figure left the canvas blank"
    assert not has_mark(page, f"mm:run-done:{demo.cell_id}"), "nothing runs before the first Run"
    # the static code stays until the reader edits (the editor loads then: test_js_split.py); the cell holds
    # the original source
    assert page.locator(f'[data-mm-cell="{demo.cell_id}"] .cm-editor').count() == 0
    assert get_code(page, demo.cell_id) == demo.source


def test_run_in_pyodide_draws_the_same_picture(demo_page, demo):
    page = demo_page
    wait_mark(page, f"mm:first-frame:{demo.cell_id}")
    before = load_png(canvas_png(page, demo.cell_id))
    record_states(page, demo.cell_id)
    assert run_and_wait(page, demo.cell_id) == "ready", output(page, demo.cell_id)
    assert has_mark(page, "mm:python-ready")
    states = page.evaluate("window.__mmStates")
    seen = [s for s, _ in states]
    assert seen[0] == "idle" and "loading" in seen and "running" in seen and seen[-1] == "ready", states
    loading_texts = {t for s, t in states if s == "loading"}
    assert any("numpy" in t or "Python" in t for t in loading_texts), f"no boot progress shown: {states}"
    after = load_png(canvas_png(page, demo.cell_id))
    assert diff_fraction(before, after) < 0.01, "the figure run in Pyodide differs from the prebuilt one"
    assert "Done" in status(page, demo.cell_id)


def test_edited_cell_changes_picture_and_is_kept(demo_page, demo, site_url):
    page = demo_page
    before = load_png(canvas_png(page, demo.cell_id))
    code = ('A = mmcore.matrix("A", 8, 6, init="rows")\n'
            'B = mmcore.matrix("B", 6, 40, init="cols")\n'
            'print("edited", A.shape)\n'
            'A @ B\n')
    set_code(page, demo.cell_id, code)
    page.keyboard.press("Control+Enter")  # the keyboard shortcut runs the cell
    wait_state(page, demo.cell_id, ("running", "loading", "ready", "error"))
    page.wait_for_function("(id) => performance.getEntriesByName('mm:run-done:' + id).length > 0 || "
                           "document.querySelector(`[data-mm-cell=\"${id}\"]`).dataset.state === 'error'",
                           arg=demo.cell_id)
    wait_state(page, demo.cell_id, ("ready", "error"))
    assert state(page, demo.cell_id) == "ready", output(page, demo.cell_id)
    assert "edited (8, 6)" in output(page, demo.cell_id)
    after = load_png(canvas_png(page, demo.cell_id))
    assert diff_fraction(before, after) > 0.02, "editing the cell did not change the picture"
    assert count_foreground(after) > MIN_FOREGROUND // 4

    # kept across a reload, Reset brings back the original
    goto(page, site_url + demo.url_path)
    assert get_code(page, demo.cell_id) == code
    click(page, demo.cell_id, "reset")
    assert get_code(page, demo.cell_id) == demo.source
    goto(page, site_url + demo.url_path)
    assert get_code(page, demo.cell_id) == demo.source


def test_syntax_error_shows_error_and_page_keeps_working(demo_page, demo):
    page = demo_page
    bad = 'A = mmcore.matrix("A", 4, 4)\nB = = A\nA @ A\n'
    set_code(page, demo.cell_id, bad)
    assert run_and_wait(page, demo.cell_id) == "error"
    text = output(page, demo.cell_id)
    assert "SyntaxError" in text, text
    assert "line 2" in status(page, demo.cell_id) or "line 2" in text
    assert get_code(page, demo.cell_id) == bad, "the typed code must be kept after an error"
    # a runtime exception: traceback trimmed to the cell's own frames
    set_code(page, demo.cell_id, 'x = 1\ny = x / 0\n')
    assert run_and_wait(page, demo.cell_id) == "error"
    text = output(page, demo.cell_id)
    assert "ZeroDivisionError" in text and f"<cell {demo.cell_id}>" in text and "line 2" in text, text
    assert "pyodide" not in text.lower() and "_mm_run_cell" not in text, text
    # the page still works
    set_code(page, demo.cell_id, demo.source)
    assert run_and_wait(page, demo.cell_id) == "ready", output(page, demo.cell_id)
    assert page.is_hidden(f'[data-mm-cell="{demo.cell_id}"] [data-mm-output]') or "Error" not in output(page, demo.cell_id)


def test_stop_ends_an_endless_loop(demo_page, demo):
    page = demo_page
    set_code(page, demo.cell_id, "while True:\n    pass\n")
    click(page, demo.cell_id, "run")
    wait_state(page, demo.cell_id, "running")
    page.wait_for_timeout(500)
    assert state(page, demo.cell_id) == "running"
    boots = page.evaluate("mmAtlas.runtime.bootCount")
    click(page, demo.cell_id, "stop")
    wait_state(page, demo.cell_id, "idle", timeout=5_000)
    assert "Stopped" in status(page, demo.cell_id)
    assert page.is_disabled(f'[data-mm-cell="{demo.cell_id}"] button[data-action="stop"]')
    set_code(page, demo.cell_id, demo.source)
    assert run_and_wait(page, demo.cell_id) == "ready", output(page, demo.cell_id)
    assert page.evaluate("mmAtlas.runtime.bootCount") == boots + 1, "Stop must start a fresh worker"


def test_share_link_loads_code_without_running(demo_page, demo, site_url, context):
    page = demo_page
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    code = 'A = mmcore.matrix("A", 5, 7, init="rows")\nA @ mmcore.matrix("B", 7, 3, init="cols")  # shared\n'
    set_code(page, demo.cell_id, code)
    camera = {"position": [61.5, 22.25, 70.0], "target": [1.0, -2.0, 0.5], "up": [0, 1, 0]}
    page.evaluate("([id, cam]) => mmAtlas.cells.get(id).figure.setState({camera: cam})", [demo.cell_id, camera])
    click(page, demo.cell_id, "share")
    page.wait_for_function("(id) => document.querySelector(`[data-mm-cell=\"${id}\"]`).dataset.mmShareUrl",
                           arg=demo.cell_id)
    url = page.get_attribute(f'[data-mm-cell="{demo.cell_id}"]', "data-mm-share-url")
    frag = urllib.parse.urlparse(url).fragment
    assert frag.startswith(f"cell={demo.cell_id}&code="), url
    assert len(url) < len(site_url) + len(demo.url_path) + 400, f"share link is not compact: {url}"
    assert page.evaluate("navigator.clipboard.readText()") == url
    # a fresh visit through the link: code in the editor, nothing run, nothing stored
    page.evaluate("() => localStorage.clear()")
    page.goto("about:blank")
    goto(page, url)
    page.wait_for_function("([id, c]) => mmAtlas.cells.get(id).getCode() === c", arg=[demo.cell_id, code])
    page.wait_for_timeout(300)
    assert state(page, demo.cell_id) == "idle"
    # the link also carries the camera of the shared figure
    page.wait_for_function("([id, p]) => JSON.stringify(mmAtlas.cells.get(id).figure.getState().camera.position)"
                           " === JSON.stringify(p)", arg=[demo.cell_id, camera["position"]])
    assert page.evaluate("(id) => mmAtlas.cells.get(id).figure.getState().camera.target", demo.cell_id) == camera["target"]
    assert not has_mark(page, f"mm:run-done:{demo.cell_id}")   # (Python may boot in the background: app.js)
    page.evaluate("() => localStorage.clear()")


def test_figure_and_editor_follow_the_palette_toggle(demo_page, demo, site_url):
    page = demo_page
    goto(page, site_url + demo.url_path)
    wait_mark(page, f"mm:first-frame:{demo.cell_id}")
    scheme = page.get_attribute("body", "data-md-color-scheme")
    corner = lambda: load_png(canvas_png(page, demo.cell_id))[3, 3].astype(int)  # noqa: E731
    page.click(f'[data-mm-cell="{demo.cell_id}"] [data-mm-code]')   # the editor loads when the reader edits
    page.wait_for_selector(f'[data-mm-cell="{demo.cell_id}"] .cm-editor')
    editor_bg = lambda: page.evaluate(  # noqa: E731
        "(id) => getComputedStyle(document.querySelector(`[data-mm-cell=\"${id}\"] .cm-editor`)).backgroundColor",
        demo.cell_id)
    before, editor_before = corner(), editor_bg()
    # Material's toggle: the one visible label of the palette form
    page.click("[data-md-component=palette] label:not([hidden])")
    page.wait_for_function("(s) => document.body.getAttribute('data-md-color-scheme') !== s", arg=scheme)
    now = page.get_attribute("body", "data-md-color-scheme")
    want = "dark" if now == "slate" else "light"
    page.wait_for_function("([id, t]) => mmAtlas.cells.get(id).figure.getState().theme === t",
                           arg=[demo.cell_id, want])
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")   # drawn in the new theme
    after = corner()
    assert (after.sum() < before.sum()) == (want == "dark"), (before, after, now)
    assert abs(int(after.sum()) - int(before.sum())) > 200, "the figure background did not change"
    assert editor_bg() != editor_before, "the editor colours did not follow the palette"
    page.click("[data-md-component=palette] label:not([hidden])")
    page.wait_for_function("(s) => document.body.getAttribute('data-md-color-scheme') === s", arg=scheme)


def test_a_flood_of_prints_is_streamed_and_bounded(demo_page, demo):
    page = demo_page
    set_code(page, demo.cell_id, "for i in range(30000):\n    print('line', i)\nmmcore.matrix('A', 3, 3) @ mmcore.matrix('B', 3, 3)\n")
    assert run_and_wait(page, demo.cell_id) == "ready", output(page, demo.cell_id)[-500:]
    text = output(page, demo.cell_id)
    assert text.rstrip().endswith("line 29999"), text[-200:]
    assert len(text) <= 100_100 and text.startswith("… (earlier output cut)"), len(text)
    set_code(page, demo.cell_id, demo.source)
