"""mm's GELU for a matmul's accumulator (no NaN: ``_gelu_mm_no_nan``, the halved factor and the
far entries set without the erf) gives the float32 bits of the general path, which computes
(x·(1 + sign·(1 - y)))·(1/2) everywhere, both when most entries are past the clamp and when few are.
"""

from __future__ import annotations

import numpy as np
import pytest

from mmcore.values.epilogs import _ERF_EXP_CLAMP, _SQRT2, apply_epilog

EDGES = [0.0, -0.0, 5e-324, -5e-324, 1e-310, -1e-310, 1e-300, -1e-300, 1e308, -1e308, 9e307, -9e307,
         np.inf, -np.inf, 3.5e38, -3.5e38, 1.0, -1.0]


def _clamp_neighbours() -> list[float]:
    """Entries whose |x|/√2 lands on, just under and just over the clamp, both signs."""
    c = _ERF_EXP_CLAMP * _SQRT2
    xs = [float(v) for v in np.nextafter(c, [0.0, np.inf])] + [c]
    return xs + [-v for v in xs]


@pytest.mark.parametrize("scale", [0.3, 3.0, 9.0, 28.0, 300.0])      # mostly near ... all far
@pytest.mark.parametrize("shape", [(7, 5), (40, 3072), (300, 200)])
def test_no_nan_gelu_has_the_general_paths_bits(scale, shape):
    rng = np.random.default_rng(int(scale * 10) + shape[1])
    acc = rng.standard_normal(shape) * scale
    flat = acc.reshape(-1)
    extra = EDGES + _clamp_neighbours()
    flat[:min(len(extra), flat.size)] = extra[:flat.size]
    general = apply_epilog(acc.copy(), "gelu", 768)                   # may hold NaN: np.sign path
    fast = apply_epilog(acc.copy(), "gelu", 768, nan_to_zero=True)    # no NaN: _gelu_mm_no_nan
    assert general.dtype == fast.dtype == np.float32
    assert general.tobytes() == fast.tobytes()


def test_the_far_entries_are_x_or_signed_zero_and_the_near_ones_are_not():
    acc = np.array([[-20.0, -1.0, -0.0, 0.0, 1.0, 20.0, -np.inf, np.inf]])
    got = apply_epilog(acc.copy(), "gelu", 1, nan_to_zero=True)
    assert got[0, [0, 5, 7]].tolist() == [0.0, 20.0, np.inf] and np.signbit(got[0, [0, 2]]).all()
    assert abs(float(got[0, 4]) - 0.8413447) < 1e-6 and abs(float(got[0, 1]) + 0.1586553) < 1e-6
    assert np.isnan(got[0, 6])                                        # -inf·0, as mm's formula gives
