"""AdamW and gradient clipping follow PyTorch's formulas."""

import numpy as np
import pytest

from mmcore.models._optim import AdamWSettings, adamw_init, adamw_step, clip_grad_norm


def test_clip_scales_all_gradients_together():
    grads = {"a": np.array([3.0]), "b": np.array([[4.0, 0.0]])}
    clipped, norm = clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    assert clipped["a"][0] == pytest.approx(3.0 / (5.0 + 1e-6))
    assert clipped["b"][0, 0] == pytest.approx(4.0 / (5.0 + 1e-6))
    same, norm = clip_grad_norm(grads, 10.0)
    assert norm == pytest.approx(5.0) and same["a"][0] == 3.0


def test_two_adamw_steps_by_hand():
    hp = AdamWSettings(lr=0.1, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.5)
    params = {"w": np.array([2.0]), "b": np.array([2.0])}
    state = adamw_init(params)
    g1, g2 = 1.0, -3.0
    p1, state = adamw_step(params, {"w": np.array([g1]), "b": np.array([g1])}, state, hp, decayed=frozenset({"w"}))
    p2, state = adamw_step(p1, {"w": np.array([g2]), "b": np.array([g2])}, state, hp, decayed=frozenset({"w"}))
    # by hand: step 1 moves by lr*g/(|g| + eps) (m_hat = g, v_hat = g^2); decay multiplies by 1 - lr*wd first
    w1 = 2.0 * (1 - 0.05) - 0.1 / (1 + 1e-8)
    m2, v2 = 0.9 * 0.1 * g1 + 0.1 * g2, 0.95 * 0.05 * g1 ** 2 + 0.05 * g2 ** 2
    update = 0.1 * (m2 / (1 - 0.9 ** 2)) / (np.sqrt(v2 / (1 - 0.95 ** 2)) + 1e-8)
    assert p2["w"][0] == pytest.approx(w1 * (1 - 0.05) - update, rel=1e-12)
    assert p2["b"][0] == pytest.approx((2.0 - 0.1 / (1 + 1e-8)) - update, rel=1e-12)
    assert state.step == 2 and params["w"][0] == 2.0   # inputs untouched
