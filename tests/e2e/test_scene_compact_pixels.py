"""Compact scenes (format version 3: float16 faces, marked exact elements, shared arrays) draw the same
pixels as the same scene written with every value float32 (version 1), in the real renderer (Chromium,
software WebGL).

``tests/engine/test_scene_compact.py`` proves the colour classes and the colour textures; this is the
end of the chain: the screenshots. With no sensitivity override the faces are drawn from the
precomputed colour textures (``face-colors.js``, 1024 steps per sign), and the pixels are identical.
A sensitivity override from the figure menu (any rule, even the scene's own) draws with the shader's colour rule instead
(``figure-display.js``: EXACT_COLOR, continuous float32 arithmetic on the GPU, "the same colours within
one 8-bit step" as the textures); there a float16 value may land one 8-bit step away from its float32
value in a few pixels, which this test bounds (at most 1 of 255, at most 1 % of the figure's pixels).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np
import pytest

import mmcore
from mmcore.wire import codec as _wire

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "render"))
from harness import RenderPage  # noqa: E402


@pytest.fixture(scope="module")
def rp(browser):
    with RenderPage(browser=browser) as page:
        page.page.evaluate("() => document.body.classList.add('hide-overlays')")
        yield page


@pytest.fixture(scope="module")
def blobs():
    g = dict(init="gaussian")
    x = mmcore.matrix("x", 320, 400, **g)
    e = ((x @ mmcore.matrix("w", 400, 300, **g)).with_epilog("gelu") @ mmcore.matrix("v", 300, 96, **g))
    scene = mmcore.layout(e.with_epilog("layernorm"), sensitivity="local")
    compact, exact = scene.to_bytes(), _wire.scene_to_bytes(scene, compact=False)
    assert struct.unpack("<I", compact[4:8])[0] == 3 and struct.unpack("<I", exact[4:8])[0] == 1
    header = _wire.read_header(compact)
    assert sum(f["values"]["dtype"] == "f16" for f in header["faces"]) >= 4
    assert any("exact" in f for f in header["faces"])          # marked exact elements are drawn too
    return {"compact": compact, "exact": exact}


@pytest.mark.parametrize("sensitivity", [None, "local", "global", "semilocal", "superlocal"])
def test_compact_scene_draws_the_same_pixels(rp, blobs, sensitivity):
    shots = {}
    for name, blob in blobs.items():
        rp.add_scene(name, blob)
        rp.mount(name, width=640, height=480)
        if sensitivity:
            rp.page.evaluate("(s) => window.figs.fig.setState({display: {sensitivity: s}})", sensitivity)
        rp.settle(3)
        shots[name] = rp.screenshot()[:480, :640]
        rp.unmount()
    a, b = shots["compact"], shots["exact"]
    coloured = (np.abs(a - 255).max(axis=-1) > 30).sum()
    assert coloured > 20_000, coloured                          # a figure was drawn, not a blank box
    diff = np.abs(a - b).max(axis=-1)
    differ = int((diff > 0).sum())
    if sensitivity is None:                       # no override: colour textures, identical
        assert differ == 0, f"{differ} pixels differ (max {int(diff.max())})"
    else:                                         # an override (even the scene's own rule): the shader's
        assert int(diff.max()) <= 1 and differ < 0.01 * coloured, (differ, int(diff.max()), coloured)
