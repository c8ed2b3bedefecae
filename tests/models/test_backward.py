"""Hand-written backprop against central finite differences (float64, tiny config)."""

import numpy as np
import pytest

from mmcore.errors import MMError
from mmcore.models import GPTConfig, forward, init_params
from mmcore.models._backward import cross_entropy, loss_and_grads

TINY = GPTConfig(vocab_size=3, block_size=5, n_layer=2, n_head=2, n_embd=8)


def _setup(seed=1):
    rng = np.random.default_rng(seed)
    params = init_params(TINY, rng, dtype=np.float64)
    # move away from the init (LN gains 1, zero biases) so every term of the gradient matters
    params = {n: p + rng.normal(0.0, 0.3, p.shape) for n, p in params.items()}
    idx = rng.integers(0, 3, (3, 5))
    targets = rng.integers(-1, 3, (3, 5))
    targets[0, 0] = 1
    return params, idx, targets


def _max_relative_error(params, grads, loss_of, samples_per_tensor=6, h=1e-6, seed=0):
    """Largest |numeric - analytic| / max|numeric| over sampled entries of every tensor."""
    rng = np.random.default_rng(seed)
    worst = 0.0
    for name, p in params.items():
        flat = p.reshape(-1)
        picks = rng.choice(flat.size, size=min(samples_per_tensor, flat.size), replace=False)
        numeric, analytic = [], []
        for i in picks:
            old = flat[i]
            flat[i] = old + h
            up = loss_of(params)
            flat[i] = old - h
            down = loss_of(params)
            flat[i] = old
            numeric.append((up - down) / (2 * h))
            analytic.append(grads[name].reshape(-1)[i])
        numeric, analytic = np.array(numeric), np.array(analytic)
        scale = max(np.abs(numeric).max(), 1e-8)
        worst = max(worst, float(np.abs(numeric - analytic).max() / scale))
    return worst


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_gradients_match_finite_differences(dropout):
    params, idx, targets = _setup()

    def run(q):  # same seed: the same dropout masks on every call
        return forward(q, idx, TINY, dropout=dropout, rng=np.random.default_rng(7))

    loss, grads = loss_and_grads(params, run(params), targets)
    assert set(grads) == set(params)
    assert all(grads[n].shape == params[n].shape for n in params)
    assert abs(loss - cross_entropy(run(params), targets)) < 1e-12
    assert _max_relative_error(params, grads, lambda q: cross_entropy(run(q), targets)) < 1e-6


def test_the_check_catches_a_wrong_gradient():
    params, idx, targets = _setup()
    _, grads = loss_and_grads(params, forward(params, idx, TINY), targets)
    wrong = dict(grads)
    wrong["transformer.h.1.ln_1.weight"] = grads["transformer.h.1.ln_1.weight"] * 1.01
    err = _max_relative_error(params, wrong, lambda q: cross_entropy(forward(q, idx, TINY), targets),
                              samples_per_tensor=8)
    assert err > 1e-3


def test_ignored_targets_carry_no_loss():
    params, idx, _ = _setup()
    trace = forward(params, idx, TINY)
    logp = np.log(trace["probs"])
    targets = np.full(idx.shape, -1)
    targets[1, 2] = 2
    assert cross_entropy(trace, targets) == pytest.approx(-logp[1, 2, 2], rel=1e-12)
    with pytest.raises(MMError, match="every target is -1"):
        cross_entropy(trace, np.full(idx.shape, -1))
    with pytest.raises(MMError, match=r"targets have shape \(3, 4\), expected \(3, 5\)"):
        cross_entropy(trace, np.zeros((3, 4), int))
