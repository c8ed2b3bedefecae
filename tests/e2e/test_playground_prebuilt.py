"""The playground opening an mm link that the book has prebuilt (the build's assets/mm/links.json,
pyodide_app/_links.py): the book's figure is drawn while Python is still booting, then the link runs as
always and the figure stays the same (same scene bytes, no redraw); a link that differs in one value takes
the normal path. Python is held back by keeping the interpreter's wasm download waiting until the test
has looked at the page, so "before Python" is a fact of the run, not a race.
"""

from __future__ import annotations

import json
import pathlib
import urllib.parse

import pytest

from mmcore.mm.link import make_mm_link, parse_mm_link
from mmcore.wire.codec import read_header
from pyodide_app._links import INDEX_PATH, link_hash
from tests.e2e._cellpage import canvas_png, wait_mark, wait_state
from tests.e2e._pixels import count_foreground, diff_fraction, load_png
from tests.e2e.conftest import loopback_context

CELL = "playground"
MARKS = """(names) => Object.fromEntries(names.map((n) => {
  const e = performance.getEntriesByName(n); return [n, e.length ? e[0].startTime : null]; }))"""


@pytest.fixture(scope="module")
def book_figure(built_site) -> tuple[str, pathlib.Path]:
    """(the mm link of one of the book's figures that the index lists, its prebuilt scene): the largest
    listed scene under 300 kB, so the figure has pixels to compare and draws quickly."""
    site = pathlib.Path(built_site)
    listed = set(json.loads((site / INDEX_PATH).read_text())["scenes"])
    found = []
    for path in site.rglob("*.mmscene"):
        size = path.stat().st_size
        link = read_header(path.read_bytes()).get("mm_link") if size < 300_000 else None
        if link and link_hash(link) in listed:
            found.append((size, str(path), link))
    assert found, "the index lists none of the book's figures"
    size, path, link = max(found)
    return link, pathlib.Path(path)


class HeldPython:
    """A fresh context whose page keeps Pyodide's wasm download waiting until ``release()``."""

    def __init__(self, browser, external_requests):
        self.ctx = loopback_context(browser, external_requests)
        self.held = []
        self.ctx.route("**/pyodide.asm.wasm", lambda route: self.held.append(route))
        self.page = self.ctx.new_page()
        self.errors = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, site_url: str, link: str) -> None:
        self.page.goto(site_url + "playground/?mm=" + urllib.parse.quote(link, safe=""), wait_until="commit")
        self.page.wait_for_function("(n) => document.querySelector(`[data-mm-cell='${n}']`)?.dataset.mmLive === 'true'",
                                    arg=CELL)

    def release(self) -> None:
        for _ in range(600):                          # the worker asks for the wasm soon after it starts
            if self.held:
                break
            self.page.wait_for_timeout(50)
        assert self.held, "the worker never asked for pyodide.asm.wasm"
        for route in self.held:
            route.continue_()
        self.held = []
        self.ctx.unroute("**/pyodide.asm.wasm")

    def marks(self, *names: str) -> dict:
        return self.page.evaluate(MARKS, [f"mm:{n}:{CELL}" if n != "python-ready" else "mm:python-ready" for n in names])

    def close(self):
        self.ctx.close()


@pytest.fixture
def held(browser, external_requests):
    h = HeldPython(browser, external_requests)
    yield h
    h.close()


def test_a_book_link_shows_the_prebuilt_figure_before_python_and_keeps_it(held, site_url, book_figure):
    link, scene_path = book_figure
    held.open(site_url, link)
    wait_mark(held.page, f"mm:first-frame:{CELL}")
    before = held.marks("link-prebuilt", "first-frame", "python-ready")
    assert before["mm:link-prebuilt:playground"] is not None
    assert before["mm:python-ready"] is None, "Python was ready: the test did not hold it back"
    root = held.page.locator(f'[data-mm-cell="{CELL}"]')
    assert root.get_attribute("data-mm-link-scene").endswith("/" + scene_path.name)
    assert root.get_attribute("data-state") == "loading"          # the cell is live and waiting for Python
    root.scroll_into_view_if_needed()
    shown = load_png(canvas_png(held.page, CELL))
    assert count_foreground(shown) > 2000, "the prebuilt figure drew nothing"

    held.release()
    assert wait_state(held.page, CELL, ("ready", "error"), timeout=180_000) == "ready"
    after = held.marks("first-frame", "python-ready", "run-done", "scene-received")
    assert after["mm:first-frame:playground"] < after["mm:python-ready"] < after["mm:run-done:playground"]
    # the run's scene is the prebuilt one byte for byte, so the figure was not built again
    assert held.page.evaluate("() => performance.getEntriesByName('mm:scene-built:playground').length") == 1
    same = held.page.evaluate("""async ([url, code]) => {
        const file = new Uint8Array(await (await fetch(url)).arrayBuffer());
        const run = new Uint8Array((await window.mmAtlas.runtime.run('check', code)).scene);
        return file.length === run.length && file.every((b, i) => b === run[i]); }""",
        [root.get_attribute("data-mm-link-scene"), held.page.evaluate("() => mmAtlas.cells.get('playground').getCode()")])
    assert same, "Pyodide computed another scene than the one the book prebuilt for this link"
    assert diff_fraction(shown, load_png(canvas_png(held.page, CELL))) < 0.01
    assert held.page.text_content(f'[data-mm-cell="{CELL}"] [data-mm-status]').startswith("Done in")
    assert held.errors == []


def test_a_link_that_differs_in_one_value_takes_the_normal_path(held, site_url, book_figure):
    link, _ = book_figure
    params = parse_mm_link(link)
    params["layout"]["gap"] = params["layout"].get("gap", 0) + 1
    changed = make_mm_link(params)
    held.open(site_url, changed)
    held.page.wait_for_timeout(1500)                 # time enough for the book's figure, were there one
    early = held.marks("link-prebuilt", "first-frame")
    assert early == {"mm:link-prebuilt:playground": None, "mm:first-frame:playground": None}
    assert held.page.get_attribute(f'[data-mm-cell="{CELL}"]', "data-mm-link-scene") is None
    held.release()
    assert wait_state(held.page, CELL, ("ready", "error"), timeout=180_000) == "ready"
    after = held.marks("python-ready", "first-frame", "scene-built")
    assert after["mm:python-ready"] < after["mm:scene-built:playground"] <= after["mm:first-frame:playground"]
    assert count_foreground(load_png(canvas_png(held.page, CELL))) > 2000
    assert held.errors == []


def test_the_links_program_is_static_code_until_the_reader_edits_it(held, site_url, book_figure):
    link, _ = book_figure
    held.open(site_url, link)
    wait_mark(held.page, f"mm:first-frame:{CELL}")
    code = f'[data-mm-cell="{CELL}"] [data-mm-code]'
    program = held.page.evaluate("() => mmAtlas.cells.get('playground').getCode()")
    assert program == f"mmcore.from_mm({json.dumps(link)})\n"
    assert held.page.locator(f"{code} .cm-editor").count() == 0          # CodeMirror not loaded for the figure
    assert held.page.text_content(f"{code} pre").strip() == program.strip()
    held.page.click(f"{code} pre")
    held.page.wait_for_selector(f"{code} .cm-editor .cm-content")
    assert held.page.evaluate("() => mmAtlas.cells.get('playground').getCode()") == program
    assert held.errors == []
