"""mm's matmul epilogs (pointwise and in-place), vectorised with numpy.

A matmul node's result is computed like mm does it: the dot products are accumulated in
double precision over the float32 arguments, a NaN sum becomes 0, a pointwise epilog is applied in
double precision and the value is stored as float32; then an in-place epilog (softmax variants,
layernorm) runs over the float32 array, computing in double and storing float32 again.

mm's quirks are kept by default (see ``apply_epilog``); ``textbook=True`` gives the textbook
variants beside them (per-row layernorm, causal softmax with -inf masking and the row max taken
from -inf, exact-erf GELU).

Example:
    >>> import numpy as np
    >>> from mmcore._epilogs import apply_epilog, matmul_values
    >>> apply_epilog(np.array([[-1.0, 0.0, 2.0]]), "relu", k=3).tolist()
    [[0.0, 0.0, 2.0]]
    >>> matmul_values(np.eye(2, dtype=np.float32), np.full((2, 2), 3, np.float32), "x/k").tolist()
    [[1.5, 1.5], [1.5, 1.5]]
"""

from __future__ import annotations

import math

import numpy as np

from .errors import MMError

__all__ = ["EPILOG_NAMES", "apply_epilog", "matmul_values", "erf_as", "erf_exact"]

#: mm's epilogs, in the order of its menu.
EPILOG_NAMES: tuple[str, ...] = (
    "none",
    "relu",
    "gelu",
    "sigmoid",
    "silu",
    "tanh",
    "layernorm",
    "softmax",
    "softmax(x/sqrt(k))",
    "softmax(tril(x/sqrt(k)))",
    "softmax(tril(x/8))",
    "x/k",
    "x/sqrt(k)",
    "x**2",
)

_SOFTMAX = ("softmax", "softmax(x/sqrt(k))")
_SOFTMAX_TRIL = ("softmax(tril(x/sqrt(k)))", "softmax(tril(x/8))")

# Abramowitz & Stegun 7.1.26, the constants mm uses.
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erf_as(x: np.ndarray) -> np.ndarray:
    """erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), exactly as mm computes it.

    >>> round(float(erf_as(np.array(1.0))), 6)
    0.842701
    """
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    t = 1.0 / (1.0 + _AS_P * ax)
    a1, a2, a3, a4, a5 = _AS_A
    y = ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t
    y *= np.exp(-ax * ax)
    return np.sign(x) * (1.0 - y)


# Chebyshev fit of erfc (Numerical Recipes "erfcc"), relative error < 1.2e-7 everywhere.
_ERFC_C = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
           0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def erf_exact(x: np.ndarray) -> np.ndarray:
    """erf to float32 precision (relative error of erfc < 1.2e-7), for the textbook GELU.

    >>> abs(float(erf_exact(np.array(0.5))) - math.erf(0.5)) < 1e-7
    True
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.full_like(t, _ERFC_C[-1])
    for c in _ERFC_C[-2::-1]:
        poly *= t
        poly += c
    erfc = t * np.exp(-z * z + poly)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0)


def _pointwise(x: np.ndarray, name: str, k: int, textbook: bool) -> np.ndarray:
    """The pointwise part of epilog ``name`` on float64 ``x`` (a new array)."""
    if name == "relu":
        return np.maximum(0.0, x)
    if name == "gelu":
        erf = erf_exact if textbook else erf_as
        out = erf(x * (1.0 / math.sqrt(2.0)))
        out += 1.0
        out *= x
        out *= 0.5
        return out
    if name == "sigmoid":
        out = np.negative(x)
        np.exp(out, out=out)
        out += 1.0
        return np.reciprocal(out, out=out)
    if name == "silu":
        return x * _pointwise(x, "sigmoid", k, textbook)
    if name == "tanh":
        return np.tanh(x)
    if name == "x**2":
        return np.square(x)
    if name == "x/k":
        return x / k
    if "x/sqrt(k)" in name:
        return x / math.sqrt(k)
    if "x/8" in name:
        return x / 8.0
    return x.copy()


def _softmax_rows(x: np.ndarray, mask: np.ndarray | None, textbook: bool) -> np.ndarray:
    """Row softmax of float32 ``x`` computed in double; ``mask`` True = kept entry.

    mm: row max starts at 0 and a NaN output becomes 0. Textbook: max from -inf, NaN kept.
    """
    xd = x.astype(np.float64)
    masked = xd if mask is None else np.where(mask, xd, -np.inf)
    rmax = masked.max(axis=1, keepdims=True, initial=-np.inf)
    if not textbook:
        rmax = np.maximum(rmax, 0.0)  # mm's row max starts at 0 (NaN still propagates)
    e = np.exp(masked - rmax)
    denom = e.sum(axis=1, keepdims=True)
    out = e / denom
    if not textbook:
        out[np.isnan(out)] = 0.0
    if mask is not None:
        out[~mask] = 0.0
    return out


def _softmax_tril_mm(x: np.ndarray) -> np.ndarray:
    """mm's causal softmax, including the flat-array over-read for rows i >= W.

    Row i reads n = i + 1 consecutive entries of the row-major array starting at row i. For
    i < W these are the row's own entries j <= i. For i >= W they run into the following rows
    (still un-normalised, since mm works row by row in place) and, near the end, past the end of
    the array, which gives NaN and so a row of zeros.
    """
    h, w = x.shape
    out = np.zeros((h, w), dtype=np.float64)
    top = min(h, w)
    if top:
        mask = np.arange(w)[None, :] <= np.arange(top)[:, None]
        out[:top] = _softmax_rows(x[:top], mask, textbook=False)
    flat = x.reshape(-1).astype(np.float64)
    n_flat = flat.size
    for i in range(w, h):
        start, stop = i * w, i * w + i + 1
        if stop > n_flat:
            break  # reads past the end: NaN max, NaN denominator, the row stays 0
        window = flat[start:stop]
        rmax = max(0.0, float(window.max())) if not np.isnan(window).any() else math.nan
        denom = float(np.exp(window - rmax).sum())
        row = np.exp(flat[start:start + w] - rmax) / denom
        row[np.isnan(row)] = 0.0
        out[i] = row
    return out


def _layernorm(x: np.ndarray, textbook: bool) -> np.ndarray:
    """mm: mean and variance over the whole matrix (squares rounded to float32 first, like mm's
    Float32Array.map); textbook: per row, var = mean((x - m)^2)."""
    xd = x.astype(np.float64)
    if textbook:
        m = xd.mean(axis=1, keepdims=True)
        var = np.square(xd - m).mean(axis=1, keepdims=True)
        return (xd - m) / np.sqrt(var + 1e-5)
    n = x.size
    if n == 0:
        return xd
    mean = float(xd.sum()) / n
    mean2 = float(np.square(x).sum(dtype=np.float64)) / n
    denom = math.sqrt(mean2 - mean * mean + 1e-5) if mean2 - mean * mean + 1e-5 >= 0 else math.nan
    xd -= mean
    xd /= denom
    return xd


def apply_epilog(acc: np.ndarray, name: str, k: int, *, textbook: bool = False) -> np.ndarray:
    """Apply mm epilog ``name`` to the float64 accumulator ``acc`` (I, J) of a matmul of depth
    ``k``; returns float32 (I, J).

    The pointwise part runs in double and is stored as float32, then the in-place part (softmax
    variants, layernorm) runs over that float32 array. mm's quirks (default): softmax row max
    starts at 0; a NaN softmax output becomes 0; the ``tril`` variants over-read the flat array
    when W < H; layernorm is matrix-wide; GELU uses the A&S 7.1.26 erf.

    >>> apply_epilog(np.array([[0.0, 0.0]]), "softmax", k=1).tolist()
    [[0.5, 0.5]]
    """
    if name not in EPILOG_NAMES:
        raise MMError(f"unknown epilog {name!r}: expected one of {', '.join(EPILOG_NAMES)}")
    acc = np.asarray(acc, dtype=np.float64)
    if acc.ndim != 2:
        raise MMError(f"epilog {name!r}: expected a 2-D accumulator, got shape {acc.shape}")
    with np.errstate(all="ignore"):
        x = _pointwise(acc, name, k, textbook).astype(np.float32)
        if name in _SOFTMAX:
            x = _softmax_rows(x, None, textbook).astype(np.float32)
        elif name in _SOFTMAX_TRIL:
            if textbook:
                h, w = x.shape
                mask = np.arange(w)[None, :] <= np.arange(h)[:, None]
                x = _softmax_rows(x, mask, textbook=True).astype(np.float32)
            else:
                x = _softmax_tril_mm(x).astype(np.float32)
        elif name == "layernorm":
            x = _layernorm(x, textbook).astype(np.float32)
    return x


def matmul_values(left: np.ndarray, right: np.ndarray, epilog: str = "none", *,
                  textbook: bool = False) -> np.ndarray:
    """mm's result values of ``left @ right`` with ``epilog``: float64 accumulation over the
    float32 arguments, NaN sums -> 0, then the epilog; float32 (I, J).

    >>> matmul_values(np.ones((2, 3), np.float32), np.ones((3, 1), np.float32)).tolist()
    [[3.0], [3.0]]
    """
    left = np.asarray(left, dtype=np.float32)
    right = np.asarray(right, dtype=np.float32)
    if left.ndim != 2 or right.ndim != 2:
        raise MMError(f"matmul needs 2-D arguments, got shapes {left.shape} and {right.shape}")
    if left.shape[1] != right.shape[0]:
        raise MMError(
            f"cannot multiply {left.shape[0]}×{left.shape[1]} by {right.shape[0]}×{right.shape[1]}: "
            f"inner dimensions {left.shape[1]} and {right.shape[0]} differ")
    acc = left.astype(np.float64) @ right.astype(np.float64)
    acc[np.isnan(acc)] = 0.0
    return apply_epilog(acc, epilog, left.shape[1], textbook=textbook)
