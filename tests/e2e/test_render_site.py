"""The renderer on the built site: the home page's prebuilt figure is drawn in mm's colours, with its
legend and view buttons, and follows Material's light/dark palette."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from ._cellpage import canvas_png, goto, wait_mark

CELL = "hello"   # the home page's cell (docs/index.md)


def _rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _mm_coloured(img: np.ndarray) -> tuple[int, int]:
    """Pixels in mm's positive (cyan-blue: blue high, red low) and negative (red high, blue low) colours."""
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    pos = ((b > 180) & (r < 120) & (g > 120)).sum()
    neg = ((r > 180) & (b < 110) & (g < 120)).sum()
    return int(pos), int(neg)


def test_prebuilt_figure_is_drawn_with_legend_and_buttons(page, site_url):
    goto(page, site_url)
    wait_mark(page, f"mm:first-frame:{CELL}")
    fig = f'[data-mm-cell="{CELL}"] [data-mm-figure]'
    img = _rgb(canvas_png(page, CELL))
    pos, neg = _mm_coloured(img)
    assert pos > 200 and neg > 200, (pos, neg)
    assert page.locator(f"{fig} .mm-fig__legend").is_visible()
    assert "global" in page.text_content(f"{fig} .mm-fig__legend")
    # the scale bar keeps its size inside the page's figure styles, so "0" sits over its middle
    bar = page.locator(f"{fig} .mm-fig__legend-bar").bounding_box()
    ends = page.locator(f"{fig} .mm-fig__legend-ends").bounding_box()
    assert bar["width"] == 160 and bar["height"] == 10 and ends["width"] == 160
    for action in ("fit", "reset", "front", "top", "left", "isometric", "spin", "png"):
        assert page.locator(f'{fig} button[data-fig-action="{action}"]').count() == 1
    label = page.get_attribute(f"{fig} canvas", "aria-label")
    assert "x 24×16" in label and "W1 16×40" in label and "W2 40×16" in label   # the hero: x @ W1 @ W2
    assert not [e for e in page.mm_errors if "WebGL" in e and "GPU stall" not in e]


def test_figure_background_follows_material_palette(page, site_url):
    goto(page, site_url)
    wait_mark(page, f"mm:first-frame:{CELL}")
    light = _rgb(canvas_png(page, CELL))[3, 3]
    page.evaluate("() => document.body.setAttribute('data-md-color-scheme', 'slate')")
    # the figure follows the palette, then draws on the next animation frames (however slow the machine)
    page.wait_for_function("(id) => mmAtlas.cells.get(id).figure.getState().theme === 'dark'", arg=CELL)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    dark = _rgb(canvas_png(page, CELL))[3, 3]
    page.evaluate("() => document.body.setAttribute('data-md-color-scheme', 'default')")
    assert light.min() > 230, light            # white page, white figure
    assert dark.max() < 80, dark               # slate page, dark figure
    bg = page.evaluate("() => getComputedStyle(document.querySelector('[data-mm-figure]'))"
                       ".getPropertyValue('--md-default-bg-color')")
    assert bg.strip()
