"""Every reader (issue 13, case 8): axe-core on every page of the built site (no serious or critical
violation), a cell used with the keyboard alone, visible focus, the figure's text alternative, and the
page at 200% zoom.

axe-core comes from npm (package.json devDependencies, pinned) and is injected by Playwright into a context
that bypasses the page's CSP for that one script (the pages themselves allow no inline script).

Example:
    MM_SITE_DIR=/path/to/site .venv/bin/python -m pytest -q tests/e2e/test_a11y.py
"""

from __future__ import annotations

import pathlib
import re

import pytest

from tests.e2e._cellpage import cell_sel, goto, output, state, wait_state
from tests.e2e.conftest import LOOPBACK

REPO = pathlib.Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PAGE = "tutorial/first-matmul/"
CELL = "first-matmul-1"


def _pages(site: pathlib.Path) -> list[str]:
    out = []
    for p in sorted(site.rglob("index.html")):
        rel = p.parent.relative_to(site).as_posix()
        if "assets" not in rel.split("/"):
            out.append("" if rel == "." else rel + "/")
    return out


@pytest.fixture(scope="module")
def axe_page(browser):
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (npm ci)")
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOOPBACK) else r.abort())
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    yield page
    ctx.close()


def test_axe_finds_no_serious_or_critical_violation_on_any_page(axe_page, site_url, built_site):
    pages = _pages(pathlib.Path(built_site))
    assert len(pages) >= 15
    source = AXE.read_text(encoding="utf-8")
    found = []
    for path in pages:
        goto(axe_page, site_url + path)
        axe_page.wait_for_timeout(800)    # prebuilt figures drawn, toolbars in place
        axe_page.add_script_tag(content=source)
        violations = axe_page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
            .violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.id} (${v.impact}, ${v.nodes.length}x): ${v.nodes[0].target.join(' ')}`)""")
        found += [f"/{path}: {v}" for v in violations]
    assert found == [], "\n".join(found)


def _focused(page) -> dict:
    return page.evaluate("""() => { const el = document.activeElement; const cs = getComputedStyle(el);
        return {cls: el.className || '', tag: el.tagName, inEditor: !!el.closest('.cm-editor'),
                inCell: el.closest('[data-mm-cell]')?.dataset.mmCell || null,
                action: el.dataset?.action || el.dataset?.figAction || null,
                outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth)}; }""")


def _visible_ring(f: dict) -> bool:
    """The browser's own ring ('auto') or a drawn outline at least 2 px wide."""
    return f["outline"] == "auto" or (f["outline"] != "none" and f["width"] >= 2)


def test_a_cell_works_with_the_keyboard_alone(page, site_url):
    page.evaluate("() => { try { localStorage.clear(); } catch (e) {} }")
    goto(page, site_url + PAGE)
    page.focus(f'{cell_sel(CELL)} button[data-action="run"]')
    # Tab from the cell's toolbar reaches the editor, each stop showing a focus ring
    for _ in range(8):
        page.keyboard.press("Tab")
        f = _focused(page)
        if f["inEditor"]:
            break
        if f["inCell"] == CELL:
            assert _visible_ring(f), f"no visible focus on {f}"
            if f["tag"] != "BUTTON":
                # the static code took the focus: the editor chunk loads and takes its place with the focus
                # (on a loaded machine that import can outlast several quick Tabs: wait for it, as a reader would)
                page.wait_for_function("() => !!document.activeElement.closest('.cm-editor')")
                f = _focused(page)
                break
    assert f["inEditor"] and f["inCell"] == CELL, f
    page.keyboard.press("Control+a")
    page.keyboard.type('A = mmcore.matrix("A", 6, 4)\nprint(A.shape)\nA @ mmcore.matrix("B", 4, 5)')
    page.keyboard.press("Control+Enter")
    assert wait_state(page, CELL, ("ready", "error"), timeout=180_000) == "ready"
    assert output(page, CELL).strip() == "(6, 4)"
    # the figure's text alternative now says what the new figure shows
    label = page.get_attribute(f"{cell_sel(CELL)} [data-mm-figure]", "aria-label")
    assert label == "3D figure: A @ B. Matrices: A @ B 6×5, A 6×4, B 4×5."
    assert page.get_attribute(f"{cell_sel(CELL)} [data-mm-figure]", "role") == "group"
    assert page.get_attribute(f"{cell_sel(CELL)} canvas", "aria-label").startswith("3D figure: A @ B. Matrices: ")
    # Esc then Tab leaves the editor for the figure, whose keys work
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    f = _focused(page)
    assert "mm-fig" in f["cls"] and f["inCell"] == CELL, f
    assert f["outline"] == "solid" and f["width"] >= 2, f"no visible focus on the figure: {f}"
    spin = f'{cell_sel(CELL)} button[data-fig-action="spin"]'
    before = page.get_attribute(spin, "aria-pressed")
    page.keyboard.press(" ")
    assert page.get_attribute(spin, "aria-pressed") != before
    page.keyboard.press(" ")
    assert page.get_attribute(spin, "aria-pressed") == before
    page.keyboard.press("m")
    assert page.locator(f'{cell_sel(CELL)} [aria-label="Magnifier"]').is_visible()
    page.keyboard.press("Escape")
    assert not page.locator(f'{cell_sel(CELL)} [aria-label="Magnifier"]').is_visible()
    assert state(page, CELL) == "ready"


def test_every_prebuilt_figure_has_a_text_alternative_naming_matrices_and_shapes(page, site_url):
    goto(page, site_url + "tutorial/attention-head/")
    page.wait_for_timeout(1500)
    labels = page.evaluate("""() => [...document.querySelectorAll('[data-mm-cell][data-scene] [data-mm-figure]')]
        .map((f) => f.getAttribute('aria-label'))""")
    assert len(labels) >= 10
    assert labels and all(re.search(r"^3D figure: .+\d+×\d+", x or "") for x in labels), labels


@pytest.mark.parametrize("path", [PAGE, "tutorial/attention-head/", "reference/limits/"])
def test_pages_read_right_at_200_percent_zoom(browser, site_url, path):
    # 200% zoom of a 1280 px wide window: a 640 px CSS viewport at two device pixels per CSS pixel
    ctx = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOOPBACK) else r.abort())
    page = ctx.new_page()
    try:
        goto(page, site_url + path)
        page.wait_for_timeout(800)
        facts = page.evaluate("""() => ({
            doc: document.documentElement.scrollWidth, vw: innerWidth,
            wide: [...document.querySelectorAll('.md-content p, .mm-cell, .mm-cell__toolbar button, .mm-fig canvas, h1, h2')]
                   .filter((el) => el.offsetParent !== null)
                   .map((el) => el.getBoundingClientRect())
                   .filter((r) => r.right > innerWidth + 1 || r.left < -1).length,
            font: parseFloat(getComputedStyle(document.querySelector('.md-content p')).fontSize) })""")
        assert facts["doc"] <= facts["vw"] + 1, f"the page scrolls sideways at 200%: {facts}"
        assert facts["wide"] == 0, f"{facts['wide']} elements reach past the window at 200%"
        assert facts["font"] >= 12
    finally:
        ctx.close()
