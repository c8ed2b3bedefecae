"""The playground's speed hooks (scripts/bench_playground.py reads them): a `?mm=` link starts Python before
the cell's code has loaded, every phase of the link's run leaves its performance mark in order, the scene
is transferred out of the worker (the worker's copy is detached), not copied, and the shaders are compiled
while Python runs, not in the link's first frame.
"""

from __future__ import annotations

import sys
import urllib.parse

import pytest

import mmcore
from tests.e2e._cellpage import wait_mark

sys.path.insert(0, "scripts")
from engine_bench import SIZES, attention_layer  # noqa: E402

CELL = "playground"
#: the run's marks `mm:<name>:playground`, in the order the phases happen (pyodide_app/README.md)
PHASES = ["run-start", "python-start", "python-eval", "python-layout", "python-values", "python-link",
          "python-encode", "scene-extracted", "scene-posted", "scene-received", "scene-decoded", "scene-built",
          "scene-drawn", "first-frame"]
#: the worker's clock and the page's meet through their time origins: allow this much (ms) between them
CLOCKS = 2.0

READ = """(names) => Object.fromEntries(names.map((n) => {
  const e = performance.getEntriesByName(n); return [n, e.length ? e[e.length - 1].startTime : null]; }))"""


@pytest.fixture(scope="module")
def layer():
    """The essay's attention layer at its tiny size: its link and its element count."""
    expr = attention_layer(*SIZES["tiny"])
    return mmcore.to_mm(expr), sum(h * w for h, w in (f.shape for f in mmcore.layout(expr).faces))


def open_link(page, site_url, link):
    page.goto(site_url + "playground/?mm=" + urllib.parse.quote(link, safe=""), wait_until="load")
    wait_mark(page, f"mm:first-frame:{CELL}", timeout=180_000)


def test_a_link_marks_each_phase_in_order(page, site_url, layer):
    open_link(page, site_url, layer[0])
    wait_mark(page, f"mm:colors-done:{CELL}")
    names = [f"mm:{n}:{CELL}" for n in PHASES] + ["mm:python-ready", "mm:boot-start"]
    at = page.evaluate(READ, names)
    missing = [n for n, t in at.items() if t is None]
    assert not missing, f"marks not set: {missing}"
    times = [at[f"mm:{n}:{CELL}"] for n in PHASES]
    for (a, ta), (b, tb) in zip(zip(PHASES, times), zip(PHASES[1:], times[1:])):
        assert tb >= ta - CLOCKS, f"mm:{b} ({tb:.1f} ms) before mm:{a} ({ta:.1f} ms)"
    assert at["mm:python-ready"] <= at[f"mm:python-start:{CELL}"] + CLOCKS
    # the tiny layer's values take time: the values phase is measured, not an empty span
    assert at[f"mm:python-values:{CELL}"] > at[f"mm:python-layout:{CELL}"]
    assert page.get_attribute(f'[data-mm-cell="{CELL}"]', "data-state") == "ready"


def test_a_link_starts_python_before_the_cell_code_has_loaded(page, site_url, layer):
    # the cell chunk is downloaded early (a preload hint in the head): what counts is that the boot does not wait
    # until that code has been evaluated (`mm:cell-code`, the chunk's first statement)
    open_link(page, site_url, layer[0])
    got = page.evaluate("""() => ({boot: performance.getEntriesByName('mm:boot-start')[0]?.startTime ?? null,
                                    code: performance.getEntriesByName('mm:cell-code')[0]?.startTime ?? null})""")
    assert got["boot"] is not None and got["code"] is not None, got
    assert got["boot"] <= got["code"], f"Python started at {got['boot']:.0f} ms, after the cell code ({got['code']:.0f} ms)"


def _python_workers(found: list) -> list:
    return [w for w in found if "/assets/mm/worker.js" in w.url]


def test_the_links_worker_is_created_by_the_early_script_and_adopted(page, site_url, layer):
    """The page's early script (pyodide_app/js/early.js) creates the Python worker while the page is parsed;
    app.js's runtime adopts it: one worker, created before app.js ran, that boots at once (no idle wait)."""
    found = []
    page.on("worker", lambda w: found.append(w))
    open_link(page, site_url, layer[0])
    got = page.evaluate("""() => { const at = (n) => performance.getEntriesByName(n)[0]?.startTime ?? null;
        return {worker: at('mm:worker-start'), boot: at('mm:boot-start'), code: at('mm:cell-code'),
                early: 'mmEarlyWorker' in window && window.mmEarlyWorker !== undefined,
                delay: mmAtlas.runtime.bootTimings.init_delay}; }""")
    assert got["worker"] is not None and got["worker"] < got["boot"], got   # created before app.js booted it
    assert not got["early"], got                                            # handed over
    assert got["delay"] < 50, got   # the worker was up when app.js sent init (~150 ms when app.js made it, loaded)
    assert len(_python_workers(found)) == 1, [w.url for w in found]
    assert page.get_attribute(f'[data-mm-cell="{CELL}"]', "data-state") == "ready"


def test_a_broken_early_worker_is_replaced(page, site_url, layer):
    """The early worker's script fails to load: app.js's runtime starts its own, and the link still runs."""
    calls = []

    def route(r):
        calls.append(r.request.url)
        if len(calls) == 1:
            r.fulfill(status=404, body="gone")
        else:
            r.continue_()
    page.route("**/assets/mm/worker.js", route)
    open_link(page, site_url, layer[0])
    assert len(calls) == 2, calls
    assert page.get_attribute(f'[data-mm-cell="{CELL}"]', "data-state") == "ready"


def test_a_page_without_a_link_creates_no_early_worker(page, site_url):
    page.goto(site_url + "playground/", wait_until="load")
    page.wait_for_function("() => window.mmAtlas && window.mmAtlas.runtime")
    assert page.evaluate("() => window.mmEarlyWorker === undefined && !performance.getEntriesByName('mm:worker-start').length")


def test_the_scene_is_transferred_out_of_the_worker(page, site_url, layer):
    open_link(page, site_url, layer[0])
    worker = next(w for w in page.workers if "/assets/mm/worker.js" in w.url)
    worker.evaluate("""() => {
      const post = self.postMessage.bind(self);
      self.__mmResults = [];
      self.postMessage = (msg, transfer) => {
        post(msg, transfer);
        if (msg && msg.type === 'result') {
          self.__mmResults.push({transferred: Array.isArray(transfer) && transfer.includes(msg.scene),
                                 bytesLeft: msg.scene ? msg.scene.byteLength : -1});
        }
      };
    }""")
    page.evaluate(f"async () => {{ await mmAtlas.cells.get('{CELL}').run(); }}")
    assert worker.evaluate("() => self.__mmResults") == [{"transferred": True, "bytesLeft": 0}]
    drawn = page.evaluate(f"() => mmAtlas.cells.get('{CELL}').figure.scene.elementCount")
    assert drawn == layer[1]


LINKS_SEEN = """() => {
  const link = WebGL2RenderingContext.prototype.linkProgram;
  window.__mmLinks = [];
  WebGL2RenderingContext.prototype.linkProgram = function (p) { window.__mmLinks.push(performance.now()); return link.call(this, p); };
}"""


def test_the_first_frame_of_a_link_compiles_no_shader(context, site_url):
    """The figure compiles its shaders on the prebuilt scene while Python runs (figure.warmUp), so the draw of
    the link's scene (the essay's layer, 1.15 M elements) links no WebGL program."""
    page = context.new_page()
    try:
        page.add_init_script(f"({LINKS_SEEN})()")
        expr = attention_layer(*SIZES["blog49"])
        open_link(page, site_url, mmcore.to_mm(expr))
        got = page.evaluate(READ, [f"mm:{n}:{CELL}" for n in ("run-start", "scene-built", "scene-drawn")])
        links = page.evaluate("() => window.__mmLinks")
        start, built, drawn = (got[f"mm:{n}:{CELL}"] for n in ("run-start", "scene-built", "scene-drawn"))
        assert len([t for t in links if start <= t <= built]) >= 3, links      # faces, labels, guides: warmed up
        assert [t for t in links if built <= t <= drawn] == [], (links, built, drawn)
    finally:
        page.close()
