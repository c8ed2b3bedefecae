"""The tutorial page "An attention head with real trained weights" on the built site.

- the page holds its cells (the essay's figures blog25..blog43 among them), and its main figures draw;
- the MiniLM cell (blog36) runs in Pyodide: it fetches the weights file from the site itself (the asset path
  works on the built site) and its scene is byte for byte the prebuilt one (made by CPython);
- editing the sorter cell's input string changes the picture and the printed tokens.

The tests share one page load (and so one booted Python worker).
"""

from __future__ import annotations

import hashlib
import pathlib

import pytest

from ._cellpage import canvas_png, cell_sel, click, get_code, goto, output, run_and_wait, set_code, wait_mark
from ._pixels import count_foreground, diff_fraction, load_png
from ._site import page_cells

PAGE = "tutorial/attention-head/"
CELLS = ("sorter-head", "sorter-layer1", "blog25", "blog27", "blog28", "blog29", "blog30", "blog31", "blog32",
         "blog33", "blog34", "blog36", "blog38", "blog39", "blog40", "blog41", "blog42", "blog43", "gpt2-layer5")
#: figures checked for drawing (the page's main ones: two sorter heads, the MiniLM head, the animated chain)
FIGURES = ("sorter-head", "sorter-layer1", "blog36", "blog28")
ONLINE_ONLY = "gpt2-layer5"   # run="false": no prebuilt figure
WEIGHTS = "assets/weights/minilm/all-minilm-l6-v2-heads.npz"
MIN_FOREGROUND = 2_000


@pytest.fixture(scope="module")
def cells(built_site):
    """The page's cells as built: {cell id: SiteCell}."""
    html = pathlib.Path(built_site) / PAGE / "index.html"
    assert html.is_file(), f"the page {PAGE} was not built"
    found = {c.cell_id: c for c in page_cells(pathlib.Path(built_site), html)}
    assert sorted(found) == sorted(CELLS), f"cells of {PAGE}: {sorted(found)}"
    return found


@pytest.fixture(scope="module")
def head_page(page, site_url, cells):
    """The page, freshly loaded with no stored edits; the requests it makes are recorded in page.mm_requests."""
    goto(page, site_url + PAGE)
    page.evaluate("() => localStorage.clear()")
    requests: list[str] = []

    def record(request):
        requests.append(request.url)

    page.on("request", record)
    page.mm_requests = requests
    goto(page, site_url + PAGE)
    yield page
    page.remove_listener("request", record)
    page.evaluate("() => localStorage.clear()")


def _show(page, cell_id: str):
    """Scroll the cell's figure into view, wait for its first frame and return its pixels."""
    page.locator(f"{cell_sel(cell_id)} [data-mm-figure]").scroll_into_view_if_needed()
    wait_mark(page, f"mm:first-frame:{cell_id}", timeout=30_000)
    return load_png(canvas_png(page, cell_id))


def _scene_sha256(page, cell_id: str, code: str) -> str | None:
    return page.evaluate("""async ([id, code]) => {
        const r = await mmAtlas.runtime.run(id, code);
        if (!r.scene) return null;
        const d = await crypto.subtle.digest('SHA-256', r.scene);
        return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
    }""", [cell_id, code])


def test_every_prebuilt_figure_draws(head_page, cells):
    page = head_page
    assert cells[ONLINE_ONLY].scene is None, "the GPT-2 cell must not be built (it needs the network)"
    counts = {cid: count_foreground(_show(page, cid)) for cid in FIGURES}
    blank = {cid: n for cid, n in counts.items() if n <= MIN_FOREGROUND}
    assert not blank, f"prebuilt figures left (nearly) blank: {blank} (foreground pixels; all: {counts})"
    # the figures are the page's own, not one picture repeated
    a, b = (load_png(canvas_png(page, cid)) for cid in ("sorter-head", "blog36"))
    assert a.shape != b.shape or diff_fraction(a, b) > 0.05
    assert not any(WEIGHTS in u for u in page.mm_requests), "the weights were fetched before any Run"


def test_minilm_cell_runs_in_pyodide_with_the_sites_weights(head_page, cells, built_site):
    page = head_page
    cell = cells["blog36"]
    before = _show(page, cell.cell_id)
    assert run_and_wait(page, cell.cell_id) == "ready", output(page, cell.cell_id)
    printed = output(page, cell.cell_id)
    assert "tokens: [CLS] the weather is lovely today . [SEP]" in printed, printed
    # a previous-token head: each token reads the one before it
    assert "'[CLS]', '[CLS]', 'the', 'weather', 'is', 'lovely', 'today', '.'" in printed, printed
    fetched = [u for u in page.mm_requests if u.split("?")[0].endswith(WEIGHTS)]
    assert fetched, f"the worker did not fetch {WEIGHTS} from the site: {page.mm_requests[-20:]}"
    assert all(u.startswith(page.url.split(PAGE)[0]) for u in fetched), fetched
    after = load_png(canvas_png(page, cell.cell_id))
    assert diff_fraction(before, after) < 0.01, "the MiniLM figure run in Pyodide differs from the prebuilt one"
    want = hashlib.sha256(cell.scene_file(pathlib.Path(built_site)).read_bytes()).hexdigest()
    assert _scene_sha256(page, cell.cell_id, cell.source) == want, "Pyodide's scene differs from CPython's"


def test_editing_the_sorter_input_changes_the_picture(head_page, cells):
    page = head_page
    cell = cells["sorter-head"]
    before = _show(page, cell.cell_id)
    assert 'text = "CBABCA"' in cell.source
    set_code(page, cell.cell_id, cell.source.replace('text = "CBABCA"', 'text = "AACCBB"'))
    assert run_and_wait(page, cell.cell_id) == "ready", output(page, cell.cell_id)
    printed = output(page, cell.cell_id)
    assert "tokens read: AACCBBAABBC" in printed, printed      # the input and the model's own sorted prefix
    after = load_png(canvas_png(page, cell.cell_id))
    assert count_foreground(after) > MIN_FOREGROUND
    changed = diff_fraction(before, after)
    assert changed > 0.02, f"a new input changed only {changed:.3%} of the figure's pixels"
    click(page, cell.cell_id, "reset")
    assert get_code(page, cell.cell_id) == cell.source
