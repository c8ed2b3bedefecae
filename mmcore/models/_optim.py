"""AdamW (PyTorch's decoupled weight decay) and global gradient-norm clipping, as pure functions.

Examples:
    >>> import numpy as np
    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([3.0, 4.0])}
    >>> clipped, norm = clip_grad_norm(grads, 1.0)
    >>> float(norm), clipped["w"].round(3).tolist()
    (5.0, [0.6, 0.8])
    >>> hp = AdamWSettings(lr=0.1, weight_decay=0.0)
    >>> new, state = adamw_step(params, clipped, adamw_init(params), hp, decayed=frozenset())
    >>> new["w"].round(3).tolist(), state.step
    ([0.9, -2.1], 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AdamWSettings", "AdamWState", "adamw_init", "adamw_step", "clip_grad_norm"]


@dataclass(frozen=True)
class AdamWSettings:
    """AdamW hyperparameters; the defaults are minGPT's sort-demo values."""

    lr: float = 5e-4
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-8
    weight_decay: float = 0.1


@dataclass(frozen=True)
class AdamWState:
    """Step count and first/second moment estimates per parameter name."""

    step: int
    m: dict
    v: dict


def adamw_init(params: dict[str, np.ndarray]) -> AdamWState:
    """Zero moments for every parameter."""
    return AdamWState(0, {n: np.zeros_like(p) for n, p in params.items()},
                      {n: np.zeros_like(p) for n, p in params.items()})


def adamw_step(params: dict[str, np.ndarray], grads: dict[str, np.ndarray], state: AdamWState,
               hp: AdamWSettings, *, decayed: frozenset[str]) -> tuple[dict[str, np.ndarray], AdamWState]:
    """One AdamW update; parameters named in ``decayed`` get the decoupled weight decay.

    Follows ``torch.optim.AdamW``: ``p *= 1 - lr*wd``, then the bias-corrected Adam step.
    """
    t = state.step + 1
    bc1, bc2 = 1.0 - hp.beta1 ** t, 1.0 - hp.beta2 ** t
    new_p, new_m, new_v = {}, {}, {}
    for name, p in params.items():
        g = grads[name]
        m = hp.beta1 * state.m[name] + (1.0 - hp.beta1) * g
        v = hp.beta2 * state.v[name] + (1.0 - hp.beta2) * (g * g)
        if name in decayed:
            p = p * (1.0 - hp.lr * hp.weight_decay)
        step = (hp.lr / bc1) * m / (np.sqrt(v) / np.sqrt(bc2) + hp.eps)
        new_p[name] = (p - step).astype(params[name].dtype, copy=False)
        new_m[name], new_v[name] = m.astype(p.dtype, copy=False), v.astype(p.dtype, copy=False)
    return new_p, AdamWState(t, new_m, new_v)


def clip_grad_norm(grads: dict[str, np.ndarray], max_norm: float) -> tuple[dict[str, np.ndarray], float]:
    """Scale all gradients together so their global L2 norm is at most ``max_norm`` (PyTorch's rule:
    factor ``max_norm / (norm + 1e-6)`` when below 1). Returns the clipped grads and the norm before."""
    norm = float(np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values())))
    factor = max_norm / (norm + 1e-6)
    if factor >= 1.0:
        return dict(grads), norm
    return {n: (g * factor).astype(g.dtype, copy=False) for n, g in grads.items()}, norm
