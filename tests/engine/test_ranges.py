"""Per-face |x| ranges (absmax, smallest non-zero absmin) and the global maximum in scenes."""

import numpy as np

import mmcore
from mmcore.geometry.build import abs_range


def test_abs_range_matches_a_plain_computation():
    rng = np.random.default_rng(1)
    for _ in range(300):
        shape = (int(rng.integers(1, 20)), int(rng.integers(1, 20)))
        v = (rng.standard_normal(shape) * 10.0 ** rng.integers(-40, 30)).astype(np.float32)
        v[rng.random(shape) < 0.3] = 0
        if rng.random() < 0.2:
            v[0, 0] = np.inf
        if rng.random() < 0.2:
            v.flat[-1] = np.nan
        a = np.abs(v[np.isfinite(v)])
        nz = a[a > 0]
        want = (float(nz.max()), float(nz.min())) if nz.size else (0.0, 0.0)
        assert abs_range(v) == want


def test_subnormals_zero_and_single_sign():
    assert abs_range(np.zeros((2, 2), np.float32)) == (0.0, 0.0)
    tiny = np.float32(1e-45)
    assert abs_range(np.array([[0, tiny, -3]], np.float32)) == (3.0, float(tiny))
    assert abs_range(np.array([[-1, -4]], np.float32)) == (4.0, 1.0)


def test_scene_ranges_follow_sensitivity():
    A = mmcore.matrix("A", 4, 3, init="rows")
    B = mmcore.matrix("B", 3, 5, init="cols")
    for sens in ("global", "local", "semilocal", "superlocal"):
        s = mmcore.layout(A @ B, sensitivity=sens)
        g = s.viz["global_absmax"]
        assert g == max(f.absmax for f in s.faces) == 3.0
        leaf = s.face("L")
        lo, hi = leaf.color_range
        expected = {"global": (0, 3.0), "local": (0, 1.0), "semilocal": (0, np.sqrt(3.0)),
                    "superlocal": (leaf.absmin, 1.0)}[sens]
        np.testing.assert_allclose((lo, hi), expected, rtol=1e-12)


def test_float32_ranges_by_bits_match_the_float_path():
    """abs_range of float32 arrays runs on |x|'s bits a chunk at a time: the same numbers as the
    float path (max |x|, smallest non-zero |x|) over chunk edges, signs, zeros, subnormals."""
    import mmcore.values.lazy as lazy
    rng = np.random.default_rng(2)
    cases = [rng.standard_normal((300, 700)).astype(np.float32), np.abs(rng.standard_normal(1000)).astype(np.float32) + 1,
             -np.abs(rng.standard_normal(70000)).astype(np.float32), np.array([-0.0, 0.0], np.float32),
             np.array([1e-45, -3e-45, 0], np.float32), np.array([0.0, 0.0, -7.0], np.float32),
             rng.standard_normal((7, 9)).astype(np.float32)[:, ::2]]
    for values in cases:
        got = lazy._abs_range_f32(values)
        a = np.abs(values.astype(np.float64))
        want = (0.0, 0.0) if not a.any() else (float(a.max()), float(a[a > 0].min()))
        assert got == want and lazy.abs_range(values) == want
    assert lazy._abs_range_f32(np.array([1.0, np.inf], np.float32)) is None
    assert lazy.abs_range(np.array([1.0, np.inf, -2.0], np.float32)) == (2.0, 1.0)
