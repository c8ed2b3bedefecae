"""Shortcuts that save a pass over the values give the same bits as the long way: GELU's far
entries by max(x, -0.0) and its near test on x itself (``mmcore.values.epilogs``), and the |x|
range that skips the "bits - 1" pass over a chunk without zeros (``mmcore.values.lazy``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmcore.values import epilogs, lazy
from mmcore.values.epilogs import _ERF_EXP_CLAMP, _GELU_NEAR_X, _SQRT2, apply_epilog


def test_the_near_bound_on_x_is_the_clamp_on_x_over_sqrt2():
    assert _GELU_NEAR_X / _SQRT2 <= _ERF_EXP_CLAMP
    assert math.nextafter(_GELU_NEAR_X, math.inf) / _SQRT2 > _ERF_EXP_CLAMP
    xs = np.array([math.nextafter(_GELU_NEAR_X, -math.inf), _GELU_NEAR_X,
                   math.nextafter(_GELU_NEAR_X, math.inf), math.nextafter(math.nextafter(_GELU_NEAR_X, 99), 99)])
    xs = np.concatenate([xs, -xs])
    assert ((np.abs(xs) <= _GELU_NEAR_X) == (np.abs(xs / _SQRT2) <= _ERF_EXP_CLAMP)).all()


def _acc(scale: float, shape, seed: int, specials) -> np.ndarray:
    acc = np.random.default_rng(seed).standard_normal(shape) * scale
    flat = acc.reshape(-1)
    flat[:len(specials)] = specials
    return acc


SPECIALS = [np.inf, -np.inf, -np.inf, 0.0, -0.0, 5e-324, -5e-324, 1e308, -1e308, 3.5e38, -3.5e38,
            _GELU_NEAR_X, -_GELU_NEAR_X, math.nextafter(_GELU_NEAR_X, 99), -math.nextafter(_GELU_NEAR_X, 99)]


@pytest.mark.parametrize("far_by_maximum", [True, False])       # CPython's way and Pyodide's
@pytest.mark.parametrize("scale", [0.5, 5.0, 12.0, 28.0, 1e4])
def test_gelu_far_entries_have_the_general_paths_bits(monkeypatch, far_by_maximum, scale):
    monkeypatch.setattr(epilogs, "_FAR_BY_MAXIMUM", far_by_maximum)
    acc = _acc(scale, (96, 700), int(scale) + 7, SPECIALS)
    general = apply_epilog(acc.copy(), "gelu", 768)                   # np.sign path, everywhere
    fast = apply_epilog(acc.copy(), "gelu", 768, nan_to_zero=True)    # _gelu_mm_no_nan
    assert general.tobytes() == fast.tobytes()


def test_gelu_of_minus_infinity_stays_nan_on_the_far_path():
    acc = np.full((4, 50), 30.0)
    acc[0, :25] = -30.0
    acc[1, 3] = -np.inf
    acc[2, 7] = np.inf
    got = apply_epilog(acc, "gelu", 3, nan_to_zero=True)
    assert np.isnan(got[1, 3]) and got[2, 7] == np.inf
    assert np.signbit(got[0, :25]).all() and (got[0, :25] == 0).all() and (got[3] == 30.0).all()


def _reference_range(values: np.ndarray) -> tuple[float, float]:
    a = np.abs(values.astype(np.float64).reshape(-1))
    a = a[np.isfinite(a)]
    nz = a[a > 0]
    return (float(a.max()), float(nz.min())) if nz.size else (0.0, 0.0)


@pytest.mark.parametrize("zeros_at", [[], [0], [5, 6, 7], list(range(16)), list(range(16, 64)), "all"])
def test_abs_range_with_and_without_zeros_in_a_chunk(monkeypatch, zeros_at):
    monkeypatch.setattr(lazy, "_RANGE_CHUNK", 16)                   # many chunks, some all zero
    values = (np.random.default_rng(len(zeros_at)).standard_normal(100) * 3).astype(np.float32)
    values[3] = np.float32(-1e-45)                                  # the smallest subnormal, negative
    if zeros_at == "all":
        values[:] = 0.0
    else:
        values[zeros_at] = 0.0
    values[40] = -0.0
    got = lazy.abs_range(values.reshape(10, 10))
    assert got == _reference_range(values)


def test_abs_range_smallest_is_in_a_chunk_with_zeros(monkeypatch):
    monkeypatch.setattr(lazy, "_RANGE_CHUNK", 8)
    values = np.full(32, 2.0, np.float32)
    values[9], values[10] = 0.0, np.float32(-0.25)                 # chunk 1: a zero and the smallest
    values[20] = np.float32(7.5)
    assert lazy.abs_range(values) == (7.5, 0.25)


def _signed_chunks() -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    pos = np.abs(rng.standard_normal(48)).astype(np.float32) + np.float32(0.01)
    return [pos, -pos, np.concatenate([pos[:16], -pos[16:32], pos[32:]]),          # one sign per chunk
            np.concatenate([pos[:20], np.float32([1e-45, -1e-45]), -pos[22:]]),     # subnormals
            np.concatenate([pos[:16], -pos[16:]]) * np.float32(1e30)]


@pytest.mark.parametrize("case", range(5))
def test_abs_range_by_reductions_over_chunks_of_one_sign(monkeypatch, case):
    monkeypatch.setattr(lazy, "_RANGE_CHUNK", 16)
    values = _signed_chunks()[case]
    assert lazy.abs_range(values) == _reference_range(values)


@pytest.mark.parametrize("special", [np.nan, -np.nan, np.inf, -np.inf])
def test_abs_range_leaves_non_finite_entries_out(monkeypatch, special):
    monkeypatch.setattr(lazy, "_RANGE_CHUNK", 16)
    values = (np.random.default_rng(2).standard_normal(40) + 5).astype(np.float32)
    values[[3, 30]] = special
    values[17] = -40.0
    assert lazy.abs_range(values) == _reference_range(values) == (40.0, float(np.abs(values[np.isfinite(values)]).min()))


def _softmax_long_way(x32: np.ndarray, name: str, textbook: bool) -> np.ndarray:
    """mm's row softmax the long way: a mask per row, the NaN pass on every row (rows < W)."""
    x = x32.astype(np.float64)
    if "x/sqrt(k)" in name:
        x /= math.sqrt(64)
    elif "x/8" in name:
        x /= 8.0
    x = x.astype(np.float32).astype(np.float64)
    h, w = x.shape
    if "tril" in name:
        x[np.arange(w)[None, :] > np.arange(h)[:, None]] = -np.inf
    m = x.max(axis=1, keepdims=True, initial=-np.inf)
    if not textbook:
        m = np.maximum(m, 0.0)
    with np.errstate(all="ignore"):
        e = np.exp(x - m)
        out = e / e.sum(axis=1, keepdims=True)
    if not textbook:
        out[np.isnan(out)] = 0.0
    return out.astype(np.float32)


def _softmax_cases() -> np.ndarray:
    x = np.random.default_rng(4).standard_normal((24, 24)) * 900
    x[0] = -5000.0                      # every entry underflows: the row sums to 0 -> 0 (mm)
    x[1, 0] = -5000.0                   # with tril, row 1 keeps x[1, :2]
    x[2, 1] = np.inf                    # inf - inf: NaN -> 0 (mm)
    x[3, 5] = -np.inf
    x[4] = 0.0
    x[5, :3] = 1e-3
    return x


@pytest.mark.parametrize("rows_per_block", [1, 1000])
@pytest.mark.parametrize("textbook", [False, True])
@pytest.mark.parametrize("name", ["softmax", "softmax(x/sqrt(k))", "softmax(tril(x/sqrt(k)))", "softmax(tril(x/8))"])
def test_softmax_rows_keep_the_long_ways_bits(monkeypatch, name, textbook, rows_per_block):
    x = _softmax_cases()
    monkeypatch.setattr(epilogs, "_CHUNK", rows_per_block * x.shape[1])   # a block per row: each case alone
    got = apply_epilog(x.copy(), name, 64, textbook=textbook)
    want = _softmax_long_way(x.astype(np.float32), name, textbook)
    assert got.tobytes() == want.tobytes()
