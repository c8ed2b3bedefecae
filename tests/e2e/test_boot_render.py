"""A very large scene shows its first frame before its colour texture exists (render/scene-content.js,
face-mesh.js): faces past SYNC_COLORS (2^20 elements) are drawn with the shader's own colour rule first and get
their precomputed RGBA8 colour texture in slices after the first frame, with the same picture.

The scene here is one 1100x1000 face (1.1 M elements, past the budget), values in [-1, 1] with zeros, NaN
and an infinity, seen from the front.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "render"))
from harness import RenderPage  # noqa: E402
from scenes import single_face_scene  # noqa: E402

H, W = 1100, 1000

STATE_JS = """() => { let m = null;
    window.figs.fig.threeScene.traverse((o) => { if (o.isMesh && o.name === 'Big') m = o.material; });
    return m ? {exact: 'EXACT_COLOR' in m.defines, own: m.uniforms.colors.value !== m.uniforms.data.value} : null; }"""


@pytest.fixture(scope="module")
def rp(browser):
    with RenderPage(browser=browser, width=700, height=700) as page:
        yield page


def big_values() -> np.ndarray:
    rng = np.random.default_rng(7)
    v = rng.uniform(-1, 1, (H, W)).astype(np.float32)
    v[rng.random((H, W)) < 0.1] = 0
    v[5, 5], v[6, 6], v[7, 7] = np.nan, np.inf, 3.0   # a NaN ring, an infinity, a value past the range
    return v


def test_large_scene_draws_first_then_switches_to_the_same_colours(rp):
    v = big_values()
    blob = single_face_scene(v, name="Big")
    rp.add_scene("big", blob)
    # hold the page's timers (the deferred colour pass runs in setTimeout slices) until the first frame is seen
    rp.page.evaluate("""() => { const st = window.setTimeout; window.__held = []; window.__hold = true;
        window.setTimeout = (fn, ms, ...a) => window.__hold ? (window.__held.push(() => fn(...a)), 0) : st(fn, ms, ...a);
        window.__release = () => { window.__hold = false; for (const f of window.__held.splice(0)) st(f, 0); }; }""")
    rp.mount("big", width=700, height=700, theme="dark")
    before = rp.page.evaluate(STATE_JS)
    assert before == {"exact": True, "own": False}, before   # first frame: the shader's own colour rule
    rp.settle(2)
    shot_exact = rp.screenshot()
    rp.page.evaluate("() => window.__release()")
    rp.page.wait_for_function(f"() => ({STATE_JS})()?.exact === false", timeout=30_000)
    assert rp.page.evaluate(STATE_JS) == {"exact": False, "own": True}
    rp.settle(3)
    shot_table = rp.screenshot()
    diff = np.abs(shot_exact - shot_table).max(axis=2)
    assert (shot_table.sum(axis=2) > 120).mean() > 0.2, "the face is not drawn"
    # the precomputed colours are the shader's within one or two 8-bit steps (table of 1024 steps over sqrt)
    assert np.percentile(diff, 99.9) <= 3, np.percentile(diff, [50, 99, 99.9, 100])
    assert not [e for e in rp.errors if "GPU stall" not in e], rp.errors
