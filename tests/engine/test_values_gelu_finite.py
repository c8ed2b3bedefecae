"""mm's GELU over a matmul's accumulator skips its look for -inf when the chunk's sum (taken anyway
to find NaN) is finite; a -inf alone (sum -inf), with +inf (sum NaN), or a sum that overflows
without any inf still get the general path's bits.
"""

from __future__ import annotations

import numpy as np
import pytest

from mmcore.values.epilogs import apply_epilog


@pytest.mark.parametrize("plant", [{}, {5: -np.inf}, {5: -np.inf, 9: np.inf}, {5: 1e308, 6: 1e308},
                                   {5: -np.inf, 6: np.nan}])
def test_mostly_far_gelu_with_and_without_inf(plant):
    acc = np.random.default_rng(len(plant)).standard_normal((40, 3072)) * 300.0   # nearly all far
    for i, v in plant.items():
        acc.flat[i] = v
    general = apply_epilog(np.nan_to_num(acc, nan=0.0, posinf=np.inf, neginf=-np.inf), "gelu", 768)
    fast = apply_epilog(acc.copy(), "gelu", 768, nan_to_zero=True)
    assert general.tobytes() == fast.tobytes()
    if -np.inf in plant.values():
        assert np.isnan(fast.flat[5])       # -inf·0, as mm's formula gives
    else:
        assert np.isfinite(fast).all() or 1e308 in plant.values()
