"""The runtime across the site: instant navigation, the playground's mm links, a sub-path, and parity of
every cell's scene between Pyodide (in the page's worker) and CPython (the prebuilt files)."""

from __future__ import annotations

import hashlib
import json
import pathlib
import urllib.parse

import pytest

from ._cellpage import (canvas_png, get_code, goto, has_mark, output, run_and_wait, state, wait_mark, wait_mounted,
                        wait_state)
from ._pixels import count_foreground, load_png
from ._site import site_cells

MIN_FOREGROUND = 2_000


def _pages_with_cells(built_site):
    pages: dict[str, list] = {}
    for cell in site_cells(pathlib.Path(built_site)):
        pages.setdefault(cell.url_path, []).append(cell)
    return pages


def wait_cells(page, ids: list[str]) -> None:
    """Wait until exactly these cells are mounted (the page change is complete)."""
    page.wait_for_function("(ids) => window.mmAtlas && JSON.stringify([...mmAtlas.cells.keys()].sort()) === "
                           "JSON.stringify(ids) && ids.every((id) => document.querySelector(`[data-mm-cell=\"${id}\"]`)"
                           "?.dataset.mmLive === 'true')", arg=sorted(ids))


def test_instant_navigation_mounts_the_next_pages_cells(page, site_url, built_site):
    pages = _pages_with_cells(built_site)
    start = "" if "" in pages else next(iter(pages))
    goto(page, site_url + start)
    old = page.evaluate("[...mmAtlas.cells.keys()]")
    assert old, f"the start page /{start} has no mounted cell"
    # a link in the page's text or its footer (the nav drawer is closed on narrow layouts) to a page with
    # prebuilt cells
    hrefs = page.evaluate("[...document.querySelectorAll('.md-content a[href], .md-footer a[href]')]"
                          ".map((a) => a.href)")
    target = next((p for p, cells in pages.items() if p != start and site_url + p in hrefs
                   and any(c.scene for c in cells) and all(c.autorun == "false" for c in cells)), None)
    assert target is not None, f"no link from /{start} to a page with prebuilt cells"
    page.evaluate("() => { window.__mmNoReload = 42; }")
    page.evaluate("mmAtlas.runtime.boot()")  # a booted worker must survive the page change
    boots = page.evaluate("mmAtlas.runtime.bootCount")
    link = page.evaluate_handle("(href) => [...document.querySelectorAll('.md-content a[href], .md-footer a[href]')]"
                                ".find((a) => a.href === href)", site_url + target)
    link.as_element().click()  # a real mouse click, which Material's instant navigation intercepts
    page.wait_for_url(site_url + target)
    wait_mounted(page)
    first = next(c for c in pages[target] if c.scene)
    wait_mark(page, f"mm:first-frame:{first.cell_id}")
    assert page.evaluate("window.__mmNoReload") == 42, "the navigation reloaded the page"
    mounted = page.evaluate("[...mmAtlas.cells.keys()]")
    assert sorted(mounted) == sorted(c.cell_id for c in pages[target])
    img = load_png(canvas_png(page, first.cell_id))
    assert count_foreground(img) > MIN_FOREGROUND
    # the worker booted on the first page runs the new page's cell without booting again
    assert run_and_wait(page, first.cell_id) == "ready", output(page, first.cell_id)
    assert page.evaluate("mmAtlas.runtime.bootCount") == boots
    # the old page's cells are gone from the page and from the runtime's registry
    assert not set(old) & set(mounted) or start == target
    assert page.evaluate("(ids) => ids.filter((id) => document.querySelector(`[data-mm-cell=\"${id}\"]`))",
                         [c for c in old if c not in mounted]) == []


def test_playground_opens_an_mm_link(page, site_url, built_site):
    import mmcore

    playground = next((c for c in site_cells(pathlib.Path(built_site)) if c.autorun == "mm-link"), None)
    assert playground, "the site has no playground cell (data-autorun=mm-link)"
    A = mmcore.matrix("A", 12, 20, init="rows")
    B = mmcore.matrix("B", 20, 16, init="cols")
    # mm's compressed form: many `&`-separated keys, all of which belong to the link
    link = mmcore.to_mm(A @ B, compress=True)
    assert link.count("&") > 5
    goto(page, f"{site_url}{playground.url_path}?keep=1&mm={link}")
    wait_state(page, playground.cell_id, ("ready", "error"))
    assert state(page, playground.cell_id) == "ready", output(page, playground.cell_id)
    assert get_code(page, playground.cell_id).strip() == f"mmcore.from_mm({json.dumps(link)})"
    assert "keep=1&mm=" in page.url, "the playground must keep the rest of the query"
    img = load_png(canvas_png(page, playground.cell_id))
    assert count_foreground(img) > MIN_FOREGROUND // 4
    assert has_mark(page, f"mm:run-done:{playground.cell_id}")
    # the ?params= form, only the query part, percent-encoded as a whole
    query = mmcore.to_mm(A @ B)
    query = query[query.index("?"):]
    goto(page, f"{site_url}{playground.url_path}?mm={urllib.parse.quote(query, safe='')}")
    wait_state(page, playground.cell_id, ("ready", "error"))
    assert state(page, playground.cell_id) == "ready", output(page, playground.cell_id)
    assert get_code(page, playground.cell_id).strip() == f"mmcore.from_mm({json.dumps(query)})"


def test_site_works_under_a_sub_path(page, subpath_url, built_site):
    pages = _pages_with_cells(built_site)
    url_path, cells = next((p, c) for p, c in pages.items() if any(x.scene and x.autorun == "false" for x in c))
    cell = next(c for c in cells if c.scene)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    goto(page, subpath_url + url_path)
    wait_mark(page, f"mm:first-frame:{cell.cell_id}")
    assert count_foreground(load_png(canvas_png(page, cell.cell_id))) > MIN_FOREGROUND
    page.click(f'[data-mm-cell="{cell.cell_id}"] button[data-action="run"]')
    wait_state(page, cell.cell_id, ("ready", "error"))
    assert state(page, cell.cell_id) == "ready", output(page, cell.cell_id)
    runtime = [u for u in requested if u.endswith((".wasm", ".mjs", "worker.js", ".whl"))]
    assert any(u.endswith("pyodide.asm.wasm") for u in runtime), requested
    assert all(u.startswith(subpath_url + "assets/mm/") for u in runtime), runtime


def test_every_cell_builds_the_same_scene_in_pyodide(page, site_url, built_site):
    """Parity: the scene bytes made by Pyodide equal the prebuilt ones made by CPython (sha256)."""
    site = pathlib.Path(built_site)
    cells = [c for c in site_cells(site) if c.scene]
    assert cells, "no prebuilt cells in the site"
    goto(page, site_url)
    page.evaluate("mmAtlas.runtime.boot()")
    mismatches = []
    for cell in cells:
        got = page.evaluate("""async ([id, code]) => {
            const r = await mmAtlas.runtime.run(id, code);
            if (!r.scene) return null;
            const d = await crypto.subtle.digest('SHA-256', r.scene);
            return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
        }""", [cell.cell_id, cell.source])
        want = hashlib.sha256(cell.scene_file(site).read_bytes()).hexdigest()
        if got != want:
            mismatches.append(f"{cell.url_path or '/'}#{cell.cell_id}: pyodide {got} != cpython {want}")
    assert not mismatches, "\n".join(mismatches)


GL_COUNTER = """(() => {
    if (window.__glStats) return;
    const st = window.__glStats = {created: 0, lost: 0};
    const seen = new WeakSet();
    const orig = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
        const ctx = orig.call(this, type, ...rest);
        if (ctx && /webgl/.test(type) && !seen.has(ctx)) {
            seen.add(ctx);
            st.created += 1;
            this.addEventListener('webglcontextlost', () => { st.lost += 1; });
        }
        return ctx;
    };
})()"""


def test_back_and_forth_navigation_releases_figures(page, site_url, built_site):
    """Each page change disposes the old figures: after 3 round trips of instant navigation the live
    WebGL contexts (created minus lost) are only those of the page shown, and its cells still draw."""
    pages = _pages_with_cells(built_site)
    start = "" if "" in pages else next(iter(pages))
    page.add_init_script(GL_COUNTER)
    goto(page, site_url + start)
    hrefs = page.evaluate("[...document.querySelectorAll('.md-content a[href], .md-footer a[href]')].map((a) => a.href)")
    target = next((p for p, cells in pages.items() if p != start and site_url + p in hrefs
                   and all(c.autorun == "false" for c in cells)), None)
    assert target is not None
    page.evaluate("() => { window.__mmNoReload = 7; }")
    for _ in range(3):
        page.evaluate("(href) => [...document.querySelectorAll('.md-content a[href], .md-footer a[href]')]"
                      ".find((a) => a.href === href).click()", site_url + target)
        wait_cells(page, [c.cell_id for c in pages[target]])
        page.go_back()
        wait_cells(page, [c.cell_id for c in pages[start]])
    assert page.evaluate("window.__mmNoReload") == 7, "navigation reloaded the page"
    # context-lost events are delivered asynchronously, later on a busy machine: wait for them (a figure
    # that really kept its context still fails below, after 10 s)
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    try:
        page.wait_for_function("(n) => window.__glStats.created - window.__glStats.lost <= n", arg=len(pages[start]),
                               timeout=10_000)
    except PlaywrightTimeoutError:
        pass
    stats = page.evaluate("window.__glStats")
    assert stats["created"] >= 3, stats
    assert stats["created"] - stats["lost"] <= len(pages[start]), f"figures of old pages kept their contexts: {stats}"
    first = next(c for c in pages[start] if c.scene)
    page.evaluate("(n) => performance.clearMarks(n)", f"mm:first-frame:{first.cell_id}")
    page.evaluate("mmAtlas.mountAll()")
    wait_mark(page, f"mm:first-frame:{first.cell_id}")
    assert count_foreground(load_png(canvas_png(page, first.cell_id))) > MIN_FOREGROUND
