"""Cross-entropy loss and hand-written backpropagation through a :class:`~._forward.Trace`.

Examples:
    >>> import numpy as np
    >>> from mmcore.models._gpt import SORTER_CONFIG, init_params
    >>> from mmcore.models._forward import forward
    >>> params = init_params(SORTER_CONFIG, np.random.default_rng(0))
    >>> idx = np.array([[2, 1, 0, 0, 1, 2, 0, 0, 1, 1, 2]])
    >>> targets = np.array([[-1, -1, -1, -1, -1, 0, 0, 1, 1, 2, 2]])
    >>> loss, grads = loss_and_grads(params, forward(params, idx), targets)
    >>> round(float(loss), 1), grads["lm_head.weight"].shape
    (1.1, (3, 48))
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import MMError
from ._forward import _GELU_C, Trace

__all__ = ["cross_entropy", "loss_and_grads"]


def cross_entropy(trace: Trace, targets) -> float:
    """Mean cross-entropy of the trace's logits against ``targets``; entries of -1 are ignored."""
    loss, _ = _loss_and_dlogits(trace, targets)
    return loss


def _loss_and_dlogits(trace: Trace, targets):
    logits = trace["logits"]
    targets = np.asarray(targets)
    if targets.shape != logits.shape[:2]:
        raise MMError(f"targets have shape {targets.shape}, expected {logits.shape[:2]} like the input ids")
    valid = targets >= 0
    count = int(valid.sum())
    if count == 0:
        raise MMError("every target is -1 (ignored): nothing to learn from")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    safe = np.where(valid, targets, 0)
    picked = np.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]
    loss = -float(picked[valid].sum()) / count
    dlogits = trace["probs"].copy()
    np.put_along_axis(dlogits, safe[..., None], np.take_along_axis(dlogits, safe[..., None], -1) - 1, -1)
    dlogits *= valid[..., None] / logits.dtype.type(count)
    return loss, dlogits


def _linear_back(d: np.ndarray, x: np.ndarray, weight: np.ndarray, grads: dict, prefix: str, bias=True):
    """Backprop through ``y = x @ W.T + b``: store dW, db under ``prefix``; return dx."""
    d2 = d.reshape(-1, d.shape[-1])
    grads[prefix + ".weight"] = d2.T @ x.reshape(-1, x.shape[-1])
    if bias:
        grads[prefix + ".bias"] = d2.sum(axis=0)
    return d @ weight


def _layer_norm_back(d: np.ndarray, xhat: np.ndarray, rstd: np.ndarray, gain: np.ndarray,
                     grads: dict, prefix: str) -> np.ndarray:
    grads[prefix + ".weight"] = (d * xhat).reshape(-1, d.shape[-1]).sum(axis=0)
    grads[prefix + ".bias"] = d.reshape(-1, d.shape[-1]).sum(axis=0)
    dxhat = d * gain
    n = d.shape[-1]
    return rstd / n * (n * dxhat - dxhat.sum(-1, keepdims=True) - xhat * (dxhat * xhat).sum(-1, keepdims=True))


def _gelu_tanh_back(d: np.ndarray, x: np.ndarray) -> np.ndarray:
    th = np.tanh(_GELU_C * (x + 0.044715 * x * x * x))
    return d * (0.5 * (1.0 + th) + 0.5 * x * (1.0 - th * th) * _GELU_C * (1.0 + 3 * 0.044715 * x * x))


def _undrop(trace: Trace, key: str, d: np.ndarray) -> np.ndarray:
    mask = trace.arrays.get("_drop." + key)
    return d if mask is None else d * mask


def loss_and_grads(params: dict[str, np.ndarray], trace: Trace, targets) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and the gradient of every parameter, for a trace made by ``forward(params, ...)``.

    ``targets`` has the shape of the input ids; -1 marks positions without a loss (minGPT's
    ``ignore_index=-1``). The loss is the mean over the other positions.
    """
    cfg, a = trace.config, trace.arrays
    loss, dlogits = _loss_and_dlogits(trace, targets)
    b, t = a["idx"].shape
    nh, hs, c = cfg.n_head, cfg.head_size, cfg.n_embd
    scale = 1.0 / math.sqrt(hs)
    grads: dict[str, np.ndarray] = {}
    dln = _linear_back(dlogits, a["ln_f"], params["lm_head.weight"], grads, "lm_head", bias=False)
    dx = _layer_norm_back(dln, a["_ln_f.xhat"], a["_ln_f.rstd"], params["transformer.ln_f.weight"],
                          grads, "transformer.ln_f")
    for layer in reversed(range(cfg.n_layer)):
        p, n = f"transformer.h.{layer}.", f"h.{layer}."
        # MLP branch: out = resid_attn + drop(mlp_proj)
        dmlp = _undrop(trace, n + "mlp_resid", dx)
        dg = _linear_back(dmlp, a[n + "mlp_gelu"], params[p + "mlp.c_proj.weight"], grads, p + "mlp.c_proj")
        dfc = _gelu_tanh_back(dg, a[n + "mlp_fc"])
        dh = _linear_back(dfc, a[n + "ln_2"], params[p + "mlp.c_fc.weight"], grads, p + "mlp.c_fc")
        dx = dx + _layer_norm_back(dh, a["_" + n + "ln_2.xhat"], a["_" + n + "ln_2.rstd"],
                                   params[p + "ln_2.weight"], grads, p + "ln_2")
        # attention branch: resid_attn = in + drop(attn_proj)
        dproj = _undrop(trace, n + "attn_resid", dx)
        dy = _linear_back(dproj, a[n + "attn_y"], params[p + "attn.c_proj.weight"], grads, p + "attn.c_proj")
        dheads = dy.reshape(b, t, nh, hs).transpose(0, 2, 1, 3)
        probs, q, k, v = a[n + "att_probs"], a[n + "q"], a[n + "k"], a[n + "v"]
        mask = a.get("_drop." + n + "att")
        used = probs if mask is None else probs * mask
        dv = used.transpose(0, 1, 3, 2) @ dheads
        dprobs = _undrop(trace, n + "att", dheads @ v.transpose(0, 1, 3, 2))
        dscores = probs * (dprobs - (dprobs * probs).sum(-1, keepdims=True)) * scale
        dq = dscores @ k
        dk = dscores.transpose(0, 1, 3, 2) @ q
        dqkv = np.concatenate([g.transpose(0, 2, 1, 3).reshape(b, t, c) for g in (dq, dk, dv)], axis=-1)
        dh = _linear_back(dqkv, a[n + "ln_1"], params[p + "attn.c_attn.weight"], grads, p + "attn.c_attn")
        dx = dx + _layer_norm_back(dh, a["_" + n + "ln_1.xhat"], a["_" + n + "ln_1.rstd"],
                                   params[p + "ln_1.weight"], grads, p + "ln_1")
    demb = _undrop(trace, "emb", dx)
    dwte = np.zeros_like(params["transformer.wte.weight"])
    np.add.at(dwte, a["idx"].reshape(-1), demb.reshape(-1, c))
    grads["transformer.wte.weight"] = dwte
    dwpe = np.zeros_like(params["transformer.wpe.weight"])
    dwpe[:t] = demb.sum(axis=0)
    grads["transformer.wpe.weight"] = dwpe
    return loss, {name: grads[name].astype(params[name].dtype, copy=False) for name in params}
