"""One attention head of the trained sorter, as named matrices and as an mmcore expression.

The head is laid out like mm's attention-head example
``out = (attn = (Q = x @ wQ) @ (K_t = wK_t @ x_t)) @ (V = x @ wV) @ wO``:

- ``x`` is the layer's LayerNorm output (T × 48) **with a column of ones appended** (T × 49), and
  ``wQ``, ``wK_t``, ``wV`` carry the head's biases in that extra row/column, so ``Q``, ``K_t`` and
  ``V`` are exactly the model's values (mm has no addition node).
- ``attn`` is the causal softmax of ``Q @ K_t / sqrt(16)``: mm's epilog ``softmax(tril(x/sqrt(k)))``
  with k = the matmul's depth = the head size 16, which on this square matrix equals the real
  attention (see ``_causal_softmax``).
- ``out = attn @ V @ wO`` is this head's share of the attention projection (``wO`` = the head's 16
  columns of ``c_proj.weight``, transposed); the sum over heads plus ``c_proj.bias`` is ``attn_proj``.

By default a 6-letter input is followed by the model's own first 5 sorted letters, so the head sees
the full 11-token context it has when writing the last output letter.

Examples:
    >>> arrays = sorter_head_arrays(0, 1, "CBABCA")
    >>> arrays["tokens"], arrays["Q"].shape, arrays["attn"].shape
    ('CBABCAAABBC', (11, 16), (11, 11))
    >>> bool(abs(arrays["attn"].sum(axis=1) - 1).max() < 1e-5)
    True
"""

from __future__ import annotations

import numpy as np

from ..errors import MMError
from ._forward import Trace, forward
from ._gpt import SORTER_CONFIG
from ._sorting import LENGTH, decode, encode, greedy_sort
from ._weights import sorter_params

__all__ = ["sorter_tokens", "sorter_trace", "sorter_head_arrays", "sorter_head", "ATTENTION_EPILOG"]

ATTENTION_EPILOG = "softmax(tril(x/sqrt(k)))"
"""mm's causal-attention epilog name used on the ``attn`` node."""


def sorter_tokens(text: str, params=None, *, with_output: bool = True) -> np.ndarray:
    """Token ids the model reads for ``text``: a 6-letter input gets the model's first 5 sorted
    letters appended when ``with_output`` (11 tokens); other texts (1 to 11 letters) are used as is."""
    params = sorter_params() if params is None else params
    tokens = encode(text)
    if len(tokens) > SORTER_CONFIG.block_size:
        raise MMError(f"sorter text {text!r} has {len(tokens)} letters; expected at most {SORTER_CONFIG.block_size}")
    if with_output and len(tokens) == LENGTH:
        tokens = np.concatenate([tokens, greedy_sort(params, tokens)[0, :LENGTH - 1]])
    return tokens


def sorter_trace(text: str = "CBABCA", params=None, *, with_output: bool = True) -> Trace:
    """Forward pass of the sorter on ``text`` (see :func:`sorter_tokens`) with every intermediate."""
    params = sorter_params() if params is None else params
    return forward(params, sorter_tokens(text, params, with_output=with_output)[None, :])


def _check_head(layer: int, head: int) -> None:
    cfg = SORTER_CONFIG
    if not (isinstance(layer, (int, np.integer)) and 0 <= layer < cfg.n_layer):
        raise MMError(f"layer {layer!r}: expected 0..{cfg.n_layer - 1}")
    if not (isinstance(head, (int, np.integer)) and 0 <= head < cfg.n_head):
        raise MMError(f"head {head!r}: expected 0..{cfg.n_head - 1}")


def sorter_head_arrays(layer: int, head: int, text: str = "CBABCA", params=None, *,
                       with_output: bool = True) -> dict:
    """Every matrix of one head on ``text`` (float32), keyed by the names used in :func:`sorter_head`:
    ``x``, ``wQ``, ``wK_t``, ``x_t``, ``wV``, ``wO`` (leaves) and ``Q``, ``K_t``, ``V``, ``scores``
    (before the softmax), ``attn``, ``head_out``, ``out``; plus ``tokens`` (the letters read)."""
    _check_head(layer, head)
    params = sorter_params() if params is None else params
    cfg = SORTER_CONFIG
    tokens = sorter_tokens(text, params, with_output=with_output)
    # The trace runs in float64 and is rounded to float32 once at the end, so CPython (OpenBLAS) and
    # Pyodide (reference BLAS) give the same float32 figure: their summation orders differ only far
    # below float32 precision.
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    trace = forward(params, tokens[None, :])
    c, hs = cfg.n_embd, cfg.head_size
    p = f"transformer.h.{layer}.attn."
    w, b = params[p + "c_attn.weight"], params[p + "c_attn.bias"]
    rows = [slice(part * c + head * hs, part * c + (head + 1) * hs) for part in range(3)]
    ln = trace[f"h.{layer}.ln_1"][0]
    x = np.concatenate([ln, np.ones((len(ln), 1), ln.dtype)], axis=1)
    wq, wk, wv = (np.concatenate([w[r].T, b[r][None, :]], axis=0) for r in rows)
    n = f"h.{layer}."
    out = {
        "x": x, "wQ": wq, "wK_t": wk.T.copy(), "x_t": x.T.copy(), "wV": wv,
        "wO": params[p + "c_proj.weight"][:, head * hs:(head + 1) * hs].T.copy(),
        "Q": trace[n + "q"][0, head], "K_t": trace[n + "k"][0, head].T.copy(), "V": trace[n + "v"][0, head],
        "scores": trace[n + "att_scores"][0, head], "attn": trace[n + "att_probs"][0, head],
        "head_out": trace[n + "head_out"][0, head],
    }
    out["out"] = out["head_out"] @ out["wO"]
    arrays = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}
    return {"tokens": decode(trace["idx"][0]), **arrays}


def sorter_head(layer: int, head: int, text: str = "CBABCA", params=None, *, with_output: bool = True):
    """mmcore expression of one head with the real values:
    ``out = (attn = (Q = x @ wQ) @ (K_t = wK_t @ x_t)) @ (V = x @ wV) @ wO``, ``attn`` with the
    causal softmax epilog (see the module docs for the ones column that carries the biases)."""
    import mmcore  # the engine's public API; imported here so the model works without it

    arrays = sorter_head_arrays(layer, head, text, params, with_output=with_output)
    leaf = {name: mmcore.matrix(name, arrays[name]) for name in ("x", "wQ", "wK_t", "x_t", "wV", "wO")}
    q = (leaf["x"] @ leaf["wQ"]).named("Q")
    k_t = (leaf["wK_t"] @ leaf["x_t"]).named("K_t")
    attn = _causal_softmax(q @ k_t).named("attn")
    v = (leaf["x"] @ leaf["wV"]).named("V")
    return (attn @ v @ leaf["wO"]).named("out")


def _causal_softmax(node):
    """``node`` with mm's ``softmax(tril(x/sqrt(k)))`` epilog, k = 16 = head size, so x/4 as in the model.

    On a square matrix this is the real causal softmax: mm masks the upper triangle out of the sum
    and shows it as 0, and its one quirk here (the row max starts at 0) changes nothing but
    rounding. (mm's other quirk, reading past the row when the matrix has more rows than columns,
    cannot occur: ``attn`` is tokens x tokens.) A test compares the face values with the model's.
    """
    return node.with_epilog(ATTENTION_EPILOG)
