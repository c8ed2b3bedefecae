"""The animation player in the built site: docs/reference/animations.md's cells, their controls, one
step's pixels and the step in the URL."""

from __future__ import annotations

import numpy as np

from ._cellpage import canvas_png, goto, wait_mark
from ._pixels import count_foreground, load_png

CELL = "anim-vmprod"          # 32×24 @ 24×32 vmprod: 32 steps per cycle
PAGE = "reference/animations/"


def fig_step(page, cell_id=CELL) -> int:
    return int(page.locator(f'[data-mm-cell="{cell_id}"] [data-mm-figure]').get_attribute("data-anim-step"))


def open_at(page, site_url, step):
    goto(page, f"{site_url}{PAGE}?step-{CELL}={step}")
    wait_mark(page, f"mm:first-frame:{CELL}")
    page.wait_for_function(
        "([id, s]) => document.querySelector(`[data-mm-cell='${id}'] [data-mm-figure]`)?.dataset.animStep === String(s)",
        arg=[CELL, step])


def scrub(page, step):
    page.locator(f'[data-mm-cell="{CELL}"] .mm-anim input[data-action=scrub]').fill(str(step))
    assert fig_step(page) == step


def test_step_from_the_url_and_the_controls(page, site_url):
    open_at(page, site_url, 5)
    bar = page.locator(f'[data-mm-cell="{CELL}"] .mm-anim')
    for action in ("play", "step", "step-back"):
        assert bar.locator(f"button[data-action={action}]").count() == 1
    assert bar.locator("input[type=range][data-action=scrub]").get_attribute("max") == "31"
    assert bar.get_attribute("data-state") == "paused"      # a step in the URL opens paused
    bar.locator("button[data-action=step]").click()
    assert fig_step(page) == 6 and f"step-{CELL}=6" in page.url
    url = page.url
    goto(page, url)                                         # the URL restores the step
    page.wait_for_function(
        "(id) => document.querySelector(`[data-mm-cell='${id}'] [data-mm-figure]`)?.dataset.animStep === '6'", arg=CELL)
    assert not [e for e in page.mm_errors if "anim" in e.lower()]


def test_one_step_pixels_reveal_rows_and_repeat_exactly(page, site_url):
    open_at(page, site_url, 2)
    shots = {}
    for step in (2, 16, 31, 2):
        scrub(page, step)
        page.wait_for_timeout(100)
        img = load_png(canvas_png(page, CELL))
        if step in shots:
            assert np.array_equal(shots[step], img), "the same step must draw the same picture"
        shots[step] = img
    fg = {s: count_foreground(img) for s, img in shots.items()}
    assert fg[2] + 500 < fg[16] < fg[31] - 500, f"revealed result rows must add pixels: {fg}"


def test_other_animated_cells_autoplay(page, site_url):
    open_at(page, site_url, 0)
    page.wait_for_function(
        "() => Number(document.querySelector(`[data-mm-cell='anim-head'] [data-mm-figure]`)?.dataset.animStep) > 2",
        timeout=20_000)
    assert page.locator('[data-mm-cell="anim-head"] .mm-anim').get_attribute("data-state") == "playing"


def test_an_mm_link_with_an_animation_starts_playing_in_the_playground(page, site_url, built_site):
    import json
    import pathlib
    import urllib.parse

    import mmcore
    from mmcore.mm.api import expr_to_params
    from mmcore.geometry.options import Options

    from ._cellpage import output, state, wait_state
    from ._site import site_cells

    playground = next((c for c in site_cells(pathlib.Path(built_site)) if c.autorun == "mm-link"), None)
    assert playground, "the site has no playground cell"
    A, B = mmcore.matrix("A", 12, 20, init="rows"), mmcore.matrix("B", 20, 16, init="cols")
    params = expr_to_params(A @ B, Options())
    params["anim"].update({"alg": "mvprod", "speed": 30})
    query = "?params=" + urllib.parse.quote(json.dumps(params, separators=(",", ":")), safe="")
    goto(page, f"{site_url}{playground.url_path}?mm={urllib.parse.quote(query, safe='')}")
    wait_state(page, playground.cell_id, ("ready", "error"))
    assert state(page, playground.cell_id) == "ready", output(page, playground.cell_id)
    sel = f"[data-mm-cell='{playground.cell_id}']"
    page.wait_for_function(f"() => Number(document.querySelector(\"{sel} [data-mm-figure]\")?.dataset.animStep) >= 3",
                           timeout=20_000)
    bar = page.locator(f"{sel} .mm-anim")
    assert bar.get_attribute("data-state") == "playing"
    assert bar.locator("input[data-action=scrub]").get_attribute("max") == str(16 - 1)
