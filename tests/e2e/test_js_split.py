"""The page bundle is split (scripts/build_js.mjs, esbuild code splitting): a page without cells downloads
neither the renderer (three.js) nor the editor (CodeMirror); a page with figures downloads the renderer and
the editor only once the reader clicks or tabs into the code; editing and Run then work. The chunks come from
``assets/mm/chunks/`` relative to the bundle, so they load under a sub-path and under the site's CSP.

Each test uses a fresh browser context (empty cache), so every chunk it needs is requested again.
"""

from __future__ import annotations

import pathlib

THREE = b"THREE.WebGLRenderer"   # a string of three.js that minifying keeps
CODEMIRROR = b"cm-content"        # CodeMirror's content class




def test_bundles_are_split(built_site):
    mm = pathlib.Path(built_site) / "assets" / "mm"
    app = (mm / "app.js").read_bytes()
    assert THREE not in app and CODEMIRROR not in app
    assert len(app) < 20_000, f"app.js is {len(app)} bytes: the renderer or the editor is back in the entry"
    chunks = sorted((mm / "chunks").glob("*.js"))
    assert any(THREE in c.read_bytes() for c in chunks)
    assert any(CODEMIRROR in c.read_bytes() for c in chunks)
    # the renderer's chunk and the editor's chunk are different files
    assert not [c for c in chunks if THREE in c.read_bytes() and CODEMIRROR in c.read_bytes()]


def test_text_only_page_loads_neither_renderer_nor_editor(loads, site_url, pages):
    text_only, _ = pages
    loads.page.goto(site_url + text_only, wait_until="load")
    loads.page.wait_for_function("() => window.mmAtlas && document.readyState === 'complete'")
    loads.page.wait_for_timeout(800)
    assert any(u.endswith("/assets/mm/app.js") for u in loads.js), list(loads.js)
    assert loads.with_(THREE) == [], "a page without figures loaded three.js"
    assert loads.with_(CODEMIRROR) == [], "a page without figures loaded CodeMirror"
    assert not loads.errors, loads.errors


def test_figure_page_loads_the_editor_when_the_reader_edits(loads, site_url, pages):
    _, figure = pages
    page = loads.page
    page.goto(site_url + figure, wait_until="load")
    cell = page.get_attribute("[data-mm-cell][data-scene]", "data-mm-cell")
    sel = f'[data-mm-cell="{cell}"]'
    page.wait_for_function("(n) => performance.getEntriesByName(n).length > 0", arg=f"mm:first-frame:{cell}")
    assert loads.with_(THREE), "the figure page did not load the renderer"
    page.wait_for_timeout(800)
    assert loads.with_(CODEMIRROR) == [], "CodeMirror loaded before the reader touched the code"
    assert page.locator(f"{sel} .cm-editor").count() == 0
    original = page.evaluate("(id) => mmAtlas.cells.get(id).getCode()", cell)
    assert "\n" in original or len(original) > 5
    # the reader clicks into the code: the editor loads, takes the focus, and typing edits the cell
    page.click(f"{sel} [data-mm-code]")
    page.wait_for_selector(f"{sel} .cm-editor .cm-content:focus")
    assert len(loads.with_(CODEMIRROR)) == 1
    page.keyboard.press("Control+a")
    code = 'A = mmcore.matrix("A", 3, 5, init="rows")\nA @ mmcore.matrix("B", 5, 2, init="cols")\n'
    page.keyboard.insert_text(code)
    assert page.evaluate("(id) => mmAtlas.cells.get(id).getCode()", cell) == code
    page.click(f'{sel} button[data-action="run"]')
    page.wait_for_function("(id) => ['ready', 'error'].includes(document.querySelector("
                           "`[data-mm-cell=\"${id}\"]`).dataset.state)", arg=cell, timeout=180_000)
    assert page.get_attribute(sel, "data-state") == "ready", page.text_content(f"{sel} [data-mm-output]")
    label = page.get_attribute(f"{sel} [data-mm-figure] canvas", "aria-label") or ""
    assert "A 3×5" in label and "B 5×2" in label, label   # the figure now shows the edited code
    assert not loads.errors, loads.errors


def test_keyboard_focus_loads_the_editor_and_ctrl_enter_runs(loads, site_url, pages):
    _, figure = pages
    page = loads.page
    page.goto(site_url + figure, wait_until="load")
    cell = page.get_attribute("[data-mm-cell][data-scene]", "data-mm-cell")
    sel = f'[data-mm-cell="{cell}"]'
    page.wait_for_selector(f"{sel}[data-mm-live]")
    copy = page.locator(f"{sel} [data-mm-code] button[data-md-type=copy]")
    if copy.count():   # the theme's copy button copies the static code; it does not open the editor
        copy.first.click()
        page.wait_for_timeout(300)
        assert page.locator(f"{sel} .cm-editor").count() == 0
    page.focus(f"{sel} [data-mm-code]")   # what Tab does: the static code is focusable
    page.wait_for_selector(f"{sel} .cm-editor .cm-content:focus")
    assert loads.with_(CODEMIRROR)


def test_chunks_load_under_a_sub_path_with_the_csp(loads, subpath_url, pages):
    _, figure = pages
    page = loads.page
    page.goto(subpath_url + figure, wait_until="load")
    csp = page.evaluate("() => document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]')?.content || ''")
    if csp:
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0], csp
    cell = page.get_attribute("[data-mm-cell][data-scene]", "data-mm-cell")
    page.wait_for_function("(n) => performance.getEntriesByName(n).length > 0", arg=f"mm:first-frame:{cell}")
    page.click(f'[data-mm-cell="{cell}"] [data-mm-code]')
    page.wait_for_selector(f'[data-mm-cell="{cell}"] .cm-editor')
    chunks = [u for u in loads.js if "/chunks/" in u]
    assert chunks and all(u.startswith(subpath_url + "assets/mm/chunks/") for u in chunks), chunks
    assert not loads.errors, loads.errors
