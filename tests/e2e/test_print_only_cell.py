"""A cell that only prints when the site is built shows no empty figure frame; once an edit draws, the frame
appears with the picture (the attention-intuition page's parameter count is such a cell)."""

from __future__ import annotations

from ._cellpage import canvas_png, cell_sel, goto, run_and_wait, set_code
from ._pixels import count_foreground, load_png

PAGE = "tutorial/attention-intuition/"
CELL = "param-count"


def _figure_box(page, cell_id: str):
    return page.locator(f"{cell_sel(cell_id)} [data-mm-figure]").bounding_box()


def test_print_only_cell_has_no_frame_until_it_draws(page, site_url):
    goto(page, site_url + PAGE)
    page.evaluate("() => localStorage.clear()")
    goto(page, site_url + PAGE)
    assert page.get_attribute(cell_sel(CELL), "data-figure") == "none"
    assert _figure_box(page, CELL) is None                       # not laid out: no empty frame
    assert "parameters" in page.text_content(f"{cell_sel(CELL)} [data-mm-output]")
    drawn = page.eval_on_selector_all("[data-mm-cell][data-scene]", "els => els.map(e => e.dataset.mmCell)")
    assert drawn and _figure_box(page, drawn[0])["height"] > 200  # control: a drawing cell keeps its frame

    set_code(page, CELL, 'print("now with a figure")\nmmcore.matrix("A", 16, 12, init="rows") @ '
                         'mmcore.matrix("B", 12, 10, init="cols")\n')
    assert run_and_wait(page, CELL, timeout=180_000) == "ready"
    assert page.get_attribute(cell_sel(CELL), "data-figure") is None
    box = _figure_box(page, CELL)
    assert box and box["height"] > 200 and box["width"] > 200
    page.wait_for_timeout(300)
    assert count_foreground(load_png(canvas_png(page, CELL))) > 2_000
    page.evaluate("() => localStorage.clear()")
