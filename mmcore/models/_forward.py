"""Forward pass of a minGPT model that keeps every intermediate, by name.

``forward`` returns a :class:`Trace`: a read-only mapping from names to numpy arrays, batch first.
Public names (see ``TRACE_NAMES``), with ``B`` batch, ``T`` tokens, ``C`` = n_embd, ``H`` heads of size ``A``:

======================  ===============  ===================================================
name                    shape            meaning
======================  ===============  ===================================================
``idx``                 (B, T)           input token ids
``tok_emb``             (B, T, C)        token embedding rows ``wte[idx]``
``pos_emb``             (T, C)           position embedding rows ``wpe[:T]``
``emb``                 (B, T, C)        ``tok_emb + pos_emb``: the residual stream entering layer 0
``h.L.ln_1``            (B, T, C)        layer L's first LayerNorm output
``h.L.q/k/v``           (B, H, T, A)     queries, keys, values per head
``h.L.att_scores``      (B, H, T, T)     ``q @ k^T / sqrt(A)`` before the causal mask
``h.L.att_probs``       (B, H, T, T)     after the causal softmax (zeros above the diagonal)
``h.L.head_out``        (B, H, T, A)     ``att_probs @ v`` per head
``h.L.attn_y``          (B, T, C)        the heads side by side (input of the projection)
``h.L.attn_proj``       (B, T, C)        attention output projection ``c_proj``
``h.L.resid_attn``      (B, T, C)        residual stream after attention
``h.L.ln_2``            (B, T, C)        second LayerNorm output
``h.L.mlp_fc``          (B, T, 4C)       MLP hidden before GELU
``h.L.mlp_gelu``        (B, T, 4C)       MLP hidden after GELU (tanh form)
``h.L.mlp_proj``        (B, T, C)        MLP output projection
``h.L.out``             (B, T, C)        residual stream after the block
``ln_f``                (B, T, C)        final LayerNorm output
``logits``              (B, T, V)        ``ln_f @ lm_head^T``
``probs``               (B, T, V)        softmax of the logits
======================  ===============  ===================================================

Names starting with ``_`` are caches for backpropagation (LayerNorm statistics, dropout masks).

Examples:
    >>> import numpy as np
    >>> from mmcore.models._gpt import SORTER_CONFIG, init_params
    >>> params = init_params(SORTER_CONFIG, np.random.default_rng(0))
    >>> trace = forward(params, np.array([[2, 1, 0, 1, 1, 2]]))
    >>> trace["h.1.att_probs"].shape, trace["probs"].shape
    ((1, 3, 6, 6), (1, 6, 3))
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import MMError
from ._gpt import SORTER_CONFIG, GPTConfig, check_params

__all__ = ["Trace", "forward", "trace_names", "layer_norm", "gelu_tanh", "softmax"]

_GELU_C = math.sqrt(2.0 / math.pi)
_LAYER_NAMES = ("ln_1", "q", "k", "v", "att_scores", "att_probs", "head_out", "attn_y", "attn_proj",
                "resid_attn", "ln_2", "mlp_fc", "mlp_gelu", "mlp_proj", "out")


def trace_names(config: GPTConfig = SORTER_CONFIG) -> tuple[str, ...]:
    """Public intermediate names of a forward pass, in computation order."""
    per_layer = tuple(f"h.{i}.{n}" for i in range(config.n_layer) for n in _LAYER_NAMES)
    return ("idx", "tok_emb", "pos_emb", "emb") + per_layer + ("ln_f", "logits", "probs")


@dataclass(frozen=True, eq=False)
class Trace(Mapping):
    """Every intermediate of one forward pass, by name (a read-only mapping; compared by identity)."""

    config: GPTConfig
    arrays: dict[str, np.ndarray] = field(repr=False)

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.arrays[name]
        except KeyError:
            raise MMError(f"no intermediate named {name!r}; expected one of {', '.join(trace_names(self.config))}") from None

    def __iter__(self) -> Iterator[str]:
        return (n for n in self.arrays if not n.startswith("_"))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def layer_norm(x: np.ndarray, gain: np.ndarray, shift: np.ndarray, eps: float):
    """LayerNorm over the last axis; returns ``(y, xhat, rstd)`` (the last two for backprop)."""
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt(var + eps)
    xhat = centred * rstd
    return xhat * gain + shift, xhat, rstd


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    """GELU, tanh approximation: ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    return 0.5 * x * (1.0 + np.tanh(_GELU_C * (x + 0.044715 * x * x * x)))


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax (``-inf`` entries get probability 0)."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    # one 2-D product over all tokens (a stacked 3-D matmul is far slower in numpy)
    y = (x.reshape(-1, x.shape[-1]) @ weight.T).reshape(*x.shape[:-1], weight.shape[0])
    return y if bias is None else y + bias


def _dropout_mask(shape, p: float, rng, dtype) -> np.ndarray:
    return (rng.random(shape) >= p).astype(dtype) / dtype(1.0 - p)


def _check_idx(idx, config: GPTConfig) -> np.ndarray:
    idx = np.asarray(idx)
    if idx.ndim == 1:
        idx = idx[None, :]
    if idx.ndim != 2 or not np.issubdtype(idx.dtype, np.integer):
        raise MMError(f"token ids must be integers of shape (batch, tokens), got {idx.dtype} {idx.shape}")
    if not 1 <= idx.shape[1] <= config.block_size:
        raise MMError(f"sequence of {idx.shape[1]} tokens; expected 1 to block_size={config.block_size}")
    if idx.size and (idx.min() < 0 or idx.max() >= config.vocab_size):
        raise MMError(f"token ids must lie in 0..{config.vocab_size - 1}, got {idx.min()}..{idx.max()}")
    return idx


def forward(params: dict[str, np.ndarray], idx, config: GPTConfig = SORTER_CONFIG, *,
            dropout: float = 0.0, rng: np.random.Generator | None = None) -> Trace:
    """Run the model on token ids ``idx`` (shape (B, T) or (T,)) and keep every intermediate.

    With ``dropout > 0`` (training) the minGPT dropouts (embedding, attention, both residual
    branches) are drawn from ``rng`` and their scaled masks kept for backprop.
    """
    check_params(params, config)
    idx = _check_idx(idx, config)
    if dropout and rng is None:
        raise MMError("dropout needs a random generator: pass rng=np.random.default_rng(seed)")
    dtype = params["transformer.wte.weight"].dtype.type
    b, t = idx.shape
    nh, hs, c = config.n_head, config.head_size, config.n_embd
    scale = dtype(1.0 / math.sqrt(hs))
    causal = np.tril(np.ones((t, t), dtype=bool))
    a: dict[str, np.ndarray] = {"idx": idx}

    def drop(key: str, x: np.ndarray) -> np.ndarray:
        if not dropout:
            return x
        mask = _dropout_mask(x.shape, dropout, rng, dtype)
        a["_drop." + key] = mask
        return x * mask

    a["tok_emb"] = params["transformer.wte.weight"][idx]
    a["pos_emb"] = params["transformer.wpe.weight"][:t]
    a["emb"] = a["tok_emb"] + a["pos_emb"]
    x = drop("emb", a["emb"])
    for layer in range(config.n_layer):
        p, n = f"transformer.h.{layer}.", f"h.{layer}."
        a["_" + n + "in"] = x
        h, a["_" + n + "ln_1.xhat"], a["_" + n + "ln_1.rstd"] = layer_norm(
            x, params[p + "ln_1.weight"], params[p + "ln_1.bias"], config.ln_eps)
        a[n + "ln_1"] = h
        qkv = _linear(h, params[p + "attn.c_attn.weight"], params[p + "attn.c_attn.bias"])
        q, k, v = (qkv[..., i * c:(i + 1) * c].reshape(b, t, nh, hs).transpose(0, 2, 1, 3) for i in range(3))
        a[n + "q"], a[n + "k"], a[n + "v"] = q, k, v
        scores = (q @ k.transpose(0, 1, 3, 2)) * scale
        a[n + "att_scores"] = scores
        probs = softmax(np.where(causal, scores, -np.inf))
        a[n + "att_probs"] = probs
        heads = drop(n + "att", probs) @ v
        a[n + "head_out"] = heads
        y = heads.transpose(0, 2, 1, 3).reshape(b, t, c)
        a[n + "attn_y"] = y
        proj = _linear(y, params[p + "attn.c_proj.weight"], params[p + "attn.c_proj.bias"])
        a[n + "attn_proj"] = proj
        x = x + drop(n + "attn_resid", proj)
        a[n + "resid_attn"] = x
        h, a["_" + n + "ln_2.xhat"], a["_" + n + "ln_2.rstd"] = layer_norm(
            x, params[p + "ln_2.weight"], params[p + "ln_2.bias"], config.ln_eps)
        a[n + "ln_2"] = h
        fc = _linear(h, params[p + "mlp.c_fc.weight"], params[p + "mlp.c_fc.bias"])
        a[n + "mlp_fc"] = fc
        g = gelu_tanh(fc)
        a[n + "mlp_gelu"] = g
        mlp = _linear(g, params[p + "mlp.c_proj.weight"], params[p + "mlp.c_proj.bias"])
        a[n + "mlp_proj"] = mlp
        x = x + drop(n + "mlp_resid", mlp)
        a[n + "out"] = x
    a["ln_f"], a["_ln_f.xhat"], a["_ln_f.rstd"] = layer_norm(
        x, params["transformer.ln_f.weight"], params["transformer.ln_f.bias"], config.ln_eps)
    a["logits"] = _linear(a["ln_f"], params["lm_head.weight"], None)
    a["probs"] = softmax(a["logits"])
    return Trace(config, a)
