"""mm's colour and size mapping, sensitivity modes and three.js HSL -> RGB, with worked numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmcore.color import VizSettings, abs_range, color_range, hsl_and_size, hsl_to_rgb
from mmcore.errors import MMError


def test_defaults_are_mms():
    v = VizSettings()
    assert (v.sensitivity, v.min_size, v.min_light, v.max_light, v.elem_scale, v.zero_hue, v.hue_gap,
            v.hue_spread) == ("global", 0.2, 0.4, 0.7, 1.25, 0.77, 0.74, 0.04)


def test_from_params_reads_mm_keys_and_round_trips():
    params = {"viz": {"sensitivity": "semilocal", "min size": 0.196, "max light": 0.6, "folder": "open"}}
    v = VizSettings.from_params(params)
    assert (v.sensitivity, v.min_size, v.max_light, v.min_light) == ("semilocal", 0.196, 0.6, 0.4)
    assert VizSettings.from_params(v.to_params()) == v
    assert VizSettings.from_params(params["viz"]) == v


@pytest.mark.parametrize("bad, message", [
    ({"sensitivity": "medium"}, "viz.sensitivity: got 'medium', expected one of global, local"),
    ({"min size": "big"}, "viz.min size: got 'big', expected a number"),
])
def test_bad_settings(bad, message):
    with pytest.raises(MMError) as e:
        VizSettings.from_params({"viz": bad})
    assert message in str(e.value)


def test_abs_range_counts_zeros_like_mm():
    # mm's absmin includes zeros (the essay's identity matrix has absmin 0) and skips NaN
    assert abs_range(np.eye(3)) == (1.0, 0.0)
    assert abs_range(np.array([[-3.0, np.nan, 0.5]])) == (3.0, 0.5)
    assert abs_range(np.array([np.inf, -2.0])) == (np.inf, 2.0)
    assert abs_range(np.array([np.nan, np.nan])) == (0.0, 0.0)


def test_color_range_modes():
    assert color_range("global", 2.0, 0.5, 8.0) == (0.0, 8.0)
    assert color_range("local", 2.0, 0.5, 8.0) == (0.0, 2.0)
    assert color_range("semilocal", 2.0, 0.5, 8.0) == (0.0, 4.0)
    assert color_range("superlocal", 2.0, 0.5, 8.0) == (0.5, 2.0)
    with pytest.raises(MMError, match="sensitivity: got 'x'"):
        color_range("x", 1, 0, 1)


def test_worked_example_blog00_semilocal():
    # mm-geometry.md §9.1: x = 1 on L, local absmax 1, global 24, semilocal
    viz = VizSettings(sensitivity="semilocal", min_size=0.196, max_light=0.6)
    absmin, absmax = color_range("semilocal", 1.0, 1.0, 24.0)
    hue, sat, light, size = (float(a[0]) for a in hsl_and_size(np.array([1.0]), viz, absmin, absmax))
    assert hue == pytest.approx(0.51816, abs=1e-5)
    assert light == pytest.approx(0.49036, abs=1e-5)
    assert size == pytest.approx(0.55925, abs=1e-5)
    assert sat == 1


def test_worked_example_random52_global():
    hue, _, light, size = (float(a[0]) for a in hsl_and_size(np.array([1 / 26]), VizSettings(), 0.0, 1.0))
    assert (hue, light, size) == pytest.approx((0.511538, 0.45883, 0.35689), abs=1e-5)


def test_negative_hue_is_js_remainder_before_wrapping():
    hue, _, light, size = hsl_and_size(np.array([-1.0, -0.25]), VizSettings(), 0.0, 1.0)
    # 0.77 - 0.74 - 0.04 = -0.01 (not 0.99); 0.77 - 0.74 - 0.01 = 0.02
    assert hue.tolist() == pytest.approx([-0.01, 0.02])
    assert light.tolist() == pytest.approx([0.7, 0.4 + 0.3 * 0.5])
    assert size.tolist() == pytest.approx([1.0, 0.2 + 0.8 * 0.5])


def test_special_values():
    hue, sat, light, size = hsl_and_size(np.array([0.0, np.inf, -np.inf, np.nan]), VizSettings(), 0.0, 2.0)
    assert light.tolist() == [0.0, 1.0, 1.0, 1.0]    # 0 black; ±inf and NaN white
    assert size.tolist() == [0.0, 1.0, 1.0, 0.0]     # 0 and NaN invisible, ±inf full size


def test_superlocal_and_clamping():
    viz = VizSettings(sensitivity="superlocal")
    hue, _, light, size = hsl_and_size(np.array([1.0, 3.0, 5.0]), viz, 1.0, 3.0)
    # hue_vol (x - absmin)/absdiff is not clamped: 0, 1, 2
    assert hue.tolist() == pytest.approx([0.51, 0.55, 0.59])
    # lightness uses |x| clamped into [absmin, absmax]; size is capped at 1
    assert light.tolist() == pytest.approx([0.4, 0.7, 0.7])
    assert size.tolist() == pytest.approx([0.2, 1.0, 1.0])


def test_zero_range_gives_min_light_and_min_size():
    hue, _, light, size = hsl_and_size(np.array([2.0]), VizSettings(sensitivity="superlocal"), 2.0, 2.0)
    assert (float(hue[0]), float(light[0]), float(size[0])) == pytest.approx((0.77 + 0.74 - 1, 0.4, 0.2))


def test_light_bounds_are_sanitised_like_mm():
    viz = VizSettings(min_light=0.0, max_light=-1.0)
    _, _, light, _ = hsl_and_size(np.array([0.5, 1.0]), viz, 0.0, 1.0)
    assert light.tolist() == pytest.approx([1e-5, 1e-5])


def test_shapes_are_kept():
    out = hsl_and_size(np.ones((3, 70000), np.float32), VizSettings(), 0.0, 1.0)
    assert all(a.shape == (3, 70000) for a in out)


@pytest.mark.parametrize("hsl, rgb", [
    ((0.0, 1.0, 0.5), (1.0, 0.0, 0.0)), ((1 / 3, 1.0, 0.5), (0.0, 1.0, 0.0)),
    ((2 / 3, 1.0, 0.5), (0.0, 0.0, 1.0)), ((0.5, 1.0, 0.5), (0.0, 1.0, 1.0)),
    ((0.0, 1.0, 0.0), (0.0, 0.0, 0.0)), ((0.3, 1.0, 1.0), (1.0, 1.0, 1.0)),
    ((-0.01, 1.0, 0.5), (1.0, 0.0, 0.06)),   # negative raw hue wraps to 0.99
    ((0.55, 1.0, 0.6), (0.2, 0.76, 1.0)), ((0.25, 0.0, 0.3), (0.3, 0.3, 0.3)),
])
def test_hsl_to_rgb_like_threejs(hsl, rgb):
    got = [float(c) for c in hsl_to_rgb(*hsl)]
    assert got == pytest.approx(rgb, abs=1e-9)


def test_rgb_of_a_typical_positive_and_negative_element():
    # defaults, value ±1 at absmax 1: hue 0.55 / -0.01, light 0.7
    r, g, b = hsl_to_rgb(np.array([0.55, -0.01]), 1.0, np.array([0.7, 0.7]))
    assert (r[0], g[0], b[0]) == pytest.approx((0.4, 0.4 + 0.6 * 6 * (2 / 3 - 0.55), 1.0))
    assert (r[1], g[1], b[1]) == pytest.approx((1.0, 0.4, 0.436))
    assert math.isclose(float(b[1]), 0.4 + 0.6 * 0.06, rel_tol=1e-9)
