"""``abs_no_nan`` (copysign in Pyodide, np.abs elsewhere) gives np.abs's bits on every non-NaN
input, by either path, and the Gaussian leaves and GELU that use it keep their values."""

import numpy as np
import pytest

from mmcore.values import inits
from mmcore.values.epilogs import _gelu_mm_no_nan

EDGES = np.array([-0.0, 0.0, -1e-310, 1e-310, -np.inf, np.inf, -1.5, 2.5,
                  -np.finfo(np.float64).max, np.finfo(np.float64).tiny])


@pytest.fixture(params=[False, True], ids=["np.abs", "copysign"])
def by_copysign(request, monkeypatch):
    monkeypatch.setattr(inits, "_ABS_BY_COPYSIGN", request.param)
    return request.param


def test_abs_no_nan_has_abs_bits(by_copysign):
    x = np.concatenate([EDGES, np.random.default_rng(3).standard_normal(1000) * 1e3])
    got = inits.abs_no_nan(x, np.empty_like(x))
    assert got.tobytes() == np.abs(x).tobytes()
    assert np.signbit(got).sum() == 0


def test_abs_no_nan_in_place(by_copysign):
    x = np.array([-3.0, -0.0, 4.0])
    assert inits.abs_no_nan(x, out=x) is x
    assert x.tolist() == [3.0, 0.0, 4.0] and not np.signbit(x[1])


def test_gaussian_leaf_same_bits_either_path(monkeypatch):
    runs = []
    for flag in (False, True):
        monkeypatch.setattr(inits, "_ABS_BY_COPYSIGN", flag)
        runs.append(inits.init_values("gaussian", 300, 130, rng=7).tobytes())
    assert runs[0] == runs[1]


@pytest.mark.parametrize("scale", [1.0, 14.0], ids=["mostly-near", "gathered"])
def test_gelu_same_bits_either_path(monkeypatch, scale):
    x = np.random.default_rng(5).standard_normal(5000) * scale
    x[:4] = [-0.0, 0.0, -20.0, 20.0]
    runs = []
    for flag in (False, True):
        monkeypatch.setattr(inits, "_ABS_BY_COPYSIGN", flag)
        runs.append(_gelu_mm_no_nan(x.copy(), None).tobytes())
    assert runs[0] == runs[1]
    out = np.frombuffer(runs[0])
    assert out[2] == 0.0 and np.signbit(out[2]) and out[3] == 20.0   # far: -20·(+0) = -0, 20·1 = 20


@pytest.mark.parametrize("specials", [[np.nan], [np.inf, -np.inf], [np.inf], []],
                         ids=["nan", "inf-and-minus-inf", "inf", "none"])
def test_nan_to_zero_finds_every_nan_by_the_sum_check(specials):
    from mmcore.values.epilogs import apply_epilog
    acc = np.random.default_rng(1).standard_normal((300, 400))
    for n, v in enumerate(specials):
        acc[200 + n, 7 * n] = v
    want = np.where(np.isnan(acc), 0.0, acc).astype(np.float32)
    got = apply_epilog(acc.copy(), "none", k=1, nan_to_zero=True, overwrite=True)
    assert got.tobytes() == want.tobytes()
    assert np.isnan(got).sum() == 0


def test_erf_tail_within_clamp_has_the_clamped_bits():
    from mmcore.values.epilogs import _erf_tail_as
    ax = np.concatenate([np.linspace(0, 6.5, 10_001), [np.nan]])
    assert (_erf_tail_as(ax.copy(), within_clamp=True).tobytes()
            == _erf_tail_as(ax.copy()).tobytes())
