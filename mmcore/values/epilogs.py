"""mm's matmul epilogs (pointwise and in-place), vectorised with numpy.

A matmul node's result is computed like mm does it: the dot products are accumulated in
double precision over the float32 arguments, a NaN sum becomes 0, a pointwise epilog is applied in
double precision and the value is stored as float32; then an in-place epilog (softmax variants,
layernorm) runs over the float32 array, computing in double and storing float32 again.

mm's quirks are kept by default (see ``apply_epilog``); ``textbook=True`` gives the textbook
variants beside them (per-row layernorm, causal softmax with -inf masking and the row max taken
from -inf, exact-erf GELU).

Examples:
    >>> import numpy as np
    >>> from mmcore.values.epilogs import apply_epilog, matmul_values
    >>> apply_epilog(np.array([[-1.0, 0.0, 2.0]]), "relu", k=3).tolist()
    [[0.0, 0.0, 2.0]]
    >>> matmul_values(np.eye(2, dtype=np.float32), np.full((2, 2), 3, np.float32), "x/k").tolist()
    [[1.5, 1.5], [1.5, 1.5]]
"""

from __future__ import annotations

import math
import sys

import numpy as np

from mmcore.errors import MMError
from mmcore.values.causal import lower_rows_in_order, lower_rows_matmul
from mmcore.values.inits import abs_no_nan
from mmcore.values.inorder import NO_BLAS, matmul_f32_in_order, matmul_in_order

__all__ = ["EPILOG_NAMES", "F64_ARGUMENTS", "apply_epilog", "matmul_values", "matmul_values_and_f64",
           "matmul_in_order", "erf_as", "erf_exact", "erfc_cheb"]

#: True when a matmul multiplies float64 copies of its float32 arguments (CPython: dgemm), so a
#: caller that has them already (``matmul_values_and_f64``) saves widening them again; Pyodide's
#: in-order matmul reads the float32 arrays themselves.
F64_ARGUMENTS = not NO_BLAS

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

_SQRT2 = math.sqrt(2.0)
_CHUNK = 1 << 15  # elements per block of rows: temporaries stay in the CPU cache
# The pointwise part works on larger blocks (elementwise, so any size gives the same bits): GELU's
# gathered entries then come in runs long enough to pay for each numpy call. Not the in-place part:
# layernorm's sums are added block by block, so ``_CHUNK`` fixes their rounding.
_POINTWISE_CHUNK = 1 << 16

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
    x = np.array(x, dtype=np.float64)
    v = x.reshape(-1)
    y = _erf_tail_as(np.abs(v))
    return (np.sign(v) * (1.0 - y)).reshape(x.shape)


# Past this |x| the tail y is below 2^-54 (4e-20 at 6.5), so 1 - y is exactly 1.0 whether or not
# exp(-ax²) underflows; clamping its argument keeps numpy's exp off its slow underflow path.
_ERF_EXP_CLAMP = 6.5


def _erf_tail_as(ax: np.ndarray, out: np.ndarray | None = None, scratch=None, *,
                 within_clamp: bool = False) -> np.ndarray:
    """y = poly(t)·t·exp(-ax²) with t = 1/(1 + p·ax), so erf(ax) = 1 - y (ax >= 0).

    Only ``1 - y`` is exact: for ax > 6.5, y is a tiny positive stand-in (1 - y == 1.0 either way).
    ``out`` receives t (it may be ``ax``); ``scratch``: two buffers of ax's shape (not ``out``), for
    exp(-ax²) and y. ``within_clamp``: every ax is <= 6.5 already, so the clamp (a slow pass in
    Pyodide) is skipped: min(ax, 6.5) is ax itself there.
    """
    eb, yb = scratch if scratch is not None else (None, None)
    if within_clamp:
        e = np.multiply(ax, ax, out=eb)
    else:
        e = np.minimum(ax, _ERF_EXP_CLAMP, out=eb)
        np.multiply(e, e, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)
    t = np.multiply(ax, _AS_P, out=out)
    t += 1.0
    np.reciprocal(t, out=t)
    a1, a2, a3, a4, a5 = _AS_A
    y = np.multiply(t, a5, out=yb)
    for a in (a4, a3, a2, a1):
        y += a
        y *= t
    y *= e
    return y


def _one_minus_erf_tail(ax: np.ndarray, scratch) -> np.ndarray:
    """``1 - _erf_tail_as(ax)`` written over ``ax`` (ax >= 0 or NaN).

    Past ax = 6.5, y < 4.5e-20 (t < 0.32, poly(t)·t < 0.1, exp(-6.5²) < 4.5e-19), so 1 - y is
    exactly 1.0: when most entries are that far out (large pre-activations, the usual case in a
    transformer's FFN), only the others are computed, gathered and scattered back, with the same
    operations on each; NaN goes the long way, as before.
    """
    flat = ax.reshape(-1)
    far = ax > _ERF_EXP_CLAMP
    n_far = int(np.count_nonzero(far))
    if n_far * 2 < flat.size:
        y = _erf_tail_as(ax, out=ax, scratch=scratch)
        return np.subtract(1.0, y, out=y)
    near = np.flatnonzero(~far.reshape(-1))
    part = flat[near]
    y = _erf_tail_as(part, out=part, within_clamp=True)
    np.subtract(1.0, y, out=y)
    ax.fill(1.0)
    flat[near] = y
    return ax


# Chebyshev fit of erfc (Numerical Recipes "erfcc"), relative error < 1.2e-7 everywhere.
_ERFC_C = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
           0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def erfc_cheb(x: np.ndarray) -> np.ndarray:
    """erfc with relative error < 1.2e-7 everywhere (Chebyshev fit), for the textbook GELU.

    >>> abs(float(erfc_cheb(np.array(3.0))) / math.erfc(3.0) - 1) < 1.2e-7
    True
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.full_like(t, _ERFC_C[-1])
    for c in _ERFC_C[-2::-1]:
        poly *= t
        poly += c
    poly -= z * z
    np.exp(poly, out=poly)
    poly *= t
    return np.where(x >= 0, poly, 2.0 - poly)


def erf_exact(x: np.ndarray) -> np.ndarray:
    """erf to float32 precision (from ``erfc_cheb``), for the textbook GELU.

    >>> abs(float(erf_exact(np.array(0.5))) - math.erf(0.5)) < 1e-7
    True
    """
    return 1.0 - erfc_cheb(x)


def _near_x_bound() -> float:
    """The largest double x with fl(x/√2) <= 6.5 (``_ERF_EXP_CLAMP``): as rounding a quotient by a
    positive number is monotonic and odd, |fl(x/√2)| <= 6.5 exactly when |x| <= this bound.

    >>> b = _near_x_bound(); b / _SQRT2 <= _ERF_EXP_CLAMP < math.nextafter(b, math.inf) / _SQRT2
    True
    """
    x = _ERF_EXP_CLAMP * _SQRT2
    while x / _SQRT2 > _ERF_EXP_CLAMP:
        x = math.nextafter(x, 0.0)
    while math.nextafter(x, math.inf) / _SQRT2 <= _ERF_EXP_CLAMP:
        x = math.nextafter(x, math.inf)
    return x


_GELU_NEAR_X = _near_x_bound()
# GELU's far entries (past the clamp): CPython's SIMD np.maximum(x, -0.0) gives them in one pass;
# Pyodide's numpy (no SIMD) takes a max with a branch, mispredicted on signs in random order (see
# ``abs_no_nan``), so there they keep x·(copysign(1/2, x) + 1/2) (three passes without a branch).
_FAR_BY_MAXIMUM = sys.platform != "emscripten"


def _gelu_mm_no_nan(x: np.ndarray, scratch: list | None, finite: bool = False) -> np.ndarray:
    """mm's GELU x·(1 + erf(x/√2))/2 (A&S erf) of float64 ``x`` holding no NaN, in place; the
    same float32 values as the general path in ``_pointwise``, in fewer passes.

    With z = x/√2, s = ±1 its sign (copysign) and q = 1 - y(|z|) (``_erf_tail_as``), mm's factor
    is 1 + s·q; here it is halved first, f = (s/2)·q + 1/2, exactly (1 + s·q)/2 rounded (halving
    is exact and commutes with rounding), and x·f replaces (x·(1 + s·q))·(1/2): the same double
    except where x·f is below the normal range or x·(1 + s·q) overflows, which are ±0 and ±inf
    as float32 either way. Past |z| = 6.5 (|x| > ``_GELU_NEAR_X``, tested on x itself), q is
    exactly 1 and x is not 0, so f is 1 where x > 0 and +0 where x < 0: x·f is x, or -0.0 (and
    NaN for -inf), which is max(x, -0.0) but for -inf. When those far entries are most of ``x``,
    only the others get the erf: their x gathered, z = x/√2 and x·f computed for them alone and
    scattered back over the far entries' values.
    ``scratch``: four float64 buffers of at least ``x.size`` elements (or None); ``finite``: ``x``
    is known to hold no ±inf (its sum is finite), which skips the pass looking for -inf.

    >>> _gelu_mm_no_nan(np.array([-20.0, -1.0, -0.0, 0.0, 1.0, 20.0]), None).round(6).tolist()
    [-0.0, -0.158655, -0.0, 0.0, 0.841345, 20.0]
    """
    n = x.size
    flat = x.reshape(-1)
    zb, fb, eb, yb = (b[:n] for b in scratch[:4]) if scratch else (np.empty(n) for _ in range(4))
    ax = abs_no_nan(flat, out=fb)
    near = ax <= _GELU_NEAR_X               # |x/√2| <= 6.5; x holds no NaN
    m = int(np.count_nonzero(near))
    if m * 2 > n:                           # mostly near: the erf everywhere (q = 1 past the clamp)
        z = np.divide(flat, _SQRT2, out=zb)
        f = np.copysign(0.5, z, out=fb)
        q = _erf_tail_as(abs_no_nan(z, out=z), out=z, scratch=(eb, yb))
        np.subtract(1.0, q, out=q)
        f *= q
        f += 0.5
        flat *= f
        return x
    neg_inf = None
    if _FAR_BY_MAXIMUM and not finite and ax.max() == np.inf:
        neg_inf = np.flatnonzero(flat == -np.inf)
        neg_inf_values = flat[neg_inf] * 0.0    # -inf·(+0): NaN, with the bits the product gives
    idx = np.flatnonzero(near)
    part = flat[idx]                        # not np.take(out=): ~8x slower in Pyodide, 1.3x in CPython
    z = np.divide(part, _SQRT2, out=zb[:m])
    f = np.copysign(0.5, z, out=yb[:m])
    q = _erf_tail_as(abs_no_nan(z, out=z), out=z, scratch=(eb[:m], fb[:m]), within_clamp=True)
    np.subtract(1.0, q, out=q)
    f *= q
    f += 0.5
    part *= f                               # the near entries' x·f
    if _FAR_BY_MAXIMUM:
        np.maximum(flat, -0.0, out=flat)    # the far entries' x·f: x where x > 0, -0.0 where x < 0
        if neg_inf is not None:
            flat[neg_inf] = neg_inf_values
    else:
        factor = np.copysign(0.5, flat, out=fb)  # the far entries: f = s/2 + 1/2, 1.0 or +0.0
        factor += 0.5                            # (np.greater into float64: ~2x slower in Pyodide)
        flat *= factor
    flat[idx] = part
    return x


def _pointwise(x: np.ndarray, name: str, k: int, textbook: bool, scratch: list | None = None,
               no_nan: bool = False, finite: bool = False) -> np.ndarray:
    """The pointwise part of epilog ``name`` on float64 ``x``, in place (returns ``x``).

    ``scratch``: float64 buffers of at least ``x.size`` elements, reused from chunk to chunk (fresh
    temporaries of a chunk's size cost more than the arithmetic: allocation and page faults).
    ``no_nan``: ``x`` holds no NaN (mm's matmul turned them into 0), which lets GELU take the sign
    as ±1 by copysign: np.sign's 0 at x = ±0 only changes 1 + erf there from 1 to 1 ± (1 - y) > 0,
    and x times either is the same ±0 (with a NaN, which NaN comes out could differ).
    ``finite``: ``x`` holds no ±inf either (GELU then skips looking for -inf)."""
    if name == "relu":
        return np.maximum(x, 0.0, out=x)
    if name == "gelu":
        if textbook:
            x *= erfc_cheb(x / -_SQRT2)  # x(1 + erf(x/√2))/2 = x·erfc(-x/√2)/2, exact in the tail
            x /= 2.0
            return x
        if no_nan:
            return _gelu_mm_no_nan(x, scratch, finite)
        zb, sb, eb, yb = (b[:x.size].reshape(x.shape) for b in scratch[:4]) if scratch else (None,) * 4
        z = np.divide(x, _SQRT2, out=zb)
        sign = np.copysign(1.0, z, out=sb) if no_nan else np.sign(z, out=sb)   # np.sign is slow
        np.abs(z, out=z)
        y = _one_minus_erf_tail(z, (eb, yb))    # erf(x/√2) = sign·(1 - y), as mm writes it
        y *= sign
        y += 1.0
        x *= y
        x *= 0.5                                # x/2 (the same rounding, NaN kept)
        return x
    if name == "sigmoid":
        np.negative(x, out=x)
        np.exp(x, out=x)
        x += 1.0
        return np.divide(1.0, x, out=x)
    if name == "silu":
        s = _pointwise(x.copy(), "sigmoid", k, textbook)
        x *= s
        return x
    if name == "tanh":
        return np.tanh(x, out=x)
    if name == "x**2":
        return np.multiply(x, x, out=x)
    if name == "x/k":
        x /= k
        return x
    if "x/sqrt(k)" in name:
        x /= math.sqrt(k)
        return x
    if "x/8" in name:
        x /= 8.0
        return x
    return x


def _softmax_rows(x: np.ndarray, masked: np.ndarray | None, textbook: bool) -> np.ndarray:
    """Row softmax of float32 ``x`` computed in double; ``masked`` True = an entry left out (-inf).

    mm: row max starts at 0 and a NaN output becomes 0. Textbook: max from -inf, NaN kept.
    """
    xd = x.astype(np.float64)
    if masked is not None:
        np.copyto(xd, -np.inf, where=masked)
    rmax = xd.max(axis=1, keepdims=True, initial=-np.inf)
    if not textbook:
        np.maximum(rmax, 0.0, out=rmax)  # mm's row max starts at 0 (NaN still propagates)
    xd -= rmax
    _exp_in_place(xd)
    sums = xd.sum(axis=1, keepdims=True)
    xd /= sums
    # a NaN output needs a NaN in its row (then the row's sum is NaN) or a row summing to 0
    # (each entry is exp(x - max) <= 1, so no sum is inf): when every sum is > 0, there is none
    if not textbook and not (sums > 0).all():
        xd[np.isnan(xd)] = 0.0
    return xd


#: exp(x) is exactly +0.0 for x <= -746 (e^-746 = 1.0e-324, below half the smallest subnormal, 2.5e-324),
#: in every libm and in numpy's own SIMD exp; numpy's SIMD exp is several times slower there (its
#: underflow path), and attention logits over sqrt(k) are mostly that far below their row's maximum.
_EXP_ZERO_BELOW = -746.0


def _exp_in_place(x: np.ndarray) -> None:
    """``np.exp(x, out=x)``, with the entries <= -746 (and -inf) set to 0.0 without calling exp when
    they are most of the array (the same bits: exp gives +0.0 there)."""
    live = ~(x <= _EXP_ZERO_BELOW)             # the larger entries and NaN: computed by exp
    n_live = int(np.count_nonzero(live))
    if n_live * 2 > x.size:
        np.exp(x, out=x)
        return
    flat = x.reshape(-1)
    keep = np.flatnonzero(live.reshape(-1))
    values = np.exp(flat[keep])
    flat.fill(0.0)
    flat[keep] = values


def _above_diagonal(h: int, w: int) -> np.ndarray:
    """(h, w) bool, True where j > i: the entries a causal softmax leaves out (one array for all
    the row blocks: ~4x faster than a mask built and inverted per block).

    >>> _above_diagonal(2, 3).astype(int).tolist()
    [[0, 1, 1], [0, 0, 1]]
    """
    return ~np.tri(h, w, dtype=bool)


def _softmax_tril_overread(x: np.ndarray, out: np.ndarray) -> None:
    """mm's causal softmax for rows i >= W (W < H), writing ``out[i]``.

    Row i reads n = i + 1 consecutive entries of the row-major array starting at row i: they run
    into the following rows (still un-normalised, since mm works row by row in place) and, near
    the end, past the end of the array, which gives NaN and so a row of zeros.
    """
    h, w = x.shape
    flat = x.reshape(-1)
    for i in range(w, h):
        start, stop = i * w, i * w + i + 1
        if stop > flat.size:
            out[i:] = 0.0  # reads past the end: NaN max, NaN denominator, the row becomes 0
            return
        window = flat[start:stop].astype(np.float64)
        rmax = np.maximum(window.max(), 0.0)
        denom = np.exp(window - rmax).sum()
        row = np.exp(window[:w] - rmax) / denom
        row[np.isnan(row)] = 0.0
        out[i] = row


def _chunk_rows(w: int, chunk: int | None = None) -> int:
    return max(1, (chunk or _CHUNK) // max(w, 1))


def _row_chunks(h: int, w: int, chunk: int | None = None):
    """Row slices of about ``chunk`` (default ``_CHUNK``) elements, so temporaries stay in cache."""
    step = _chunk_rows(w, chunk)
    for r in range(0, h, step):
        yield slice(r, min(h, r + step))


def apply_epilog(acc: np.ndarray, name: str, k: int, *, textbook: bool = False,
                 nan_to_zero: bool = False, overwrite: bool = False, f64_into_acc: bool = False) -> np.ndarray:
    """Apply mm epilog ``name`` to the float64 accumulator ``acc`` (I, J) of a matmul of depth
    ``k``; returns float32 (I, J).

    The pointwise part runs in double and is stored as float32, then the in-place part (softmax
    variants, layernorm) runs over that float32 array. mm's quirks (default): softmax row max
    starts at 0; a NaN softmax output becomes 0; the ``tril`` variants over-read the flat array
    when W < H; layernorm is matrix-wide (squares rounded to float32, like mm's
    Float32Array.map); GELU uses the A&S 7.1.26 erf. ``textbook=True``: per-row layernorm,
    causal softmax with -inf masking (no over-read) and max from -inf, GELU with an exact erf.
    ``nan_to_zero``: NaN sums become 0 first (mm's matmul); ``overwrite``: ``acc`` (float64,
    C-contiguous) may be used as scratch, saving a copy; ``f64_into_acc`` (with ``overwrite``):
    ``acc`` ends holding the float32 result widened to float64 (the next matmul's argument,
    written while each chunk is in cache instead of by a later ``astype``).

    >>> apply_epilog(np.array([[0.0, 0.0]]), "softmax", k=1).tolist()
    [[0.5, 0.5]]
    """
    if name not in EPILOG_NAMES:
        raise MMError(f"unknown epilog {name!r}: expected one of {', '.join(EPILOG_NAMES)}")
    acc = np.asarray(acc)
    if acc.ndim != 2:
        raise MMError(f"epilog {name!r}: expected a 2-D accumulator, got shape {acc.shape}")
    h, w = acc.shape
    x = np.empty((h, w), dtype=np.float32)
    scratch = overwrite and acc.dtype == np.float64 and acc.flags.c_contiguous and acc.flags.writeable
    if f64_into_acc and not scratch:
        raise MMError("apply_epilog: f64_into_acc needs overwrite=True and a writable C-contiguous float64 acc")
    in_place = name in _SOFTMAX or name in _SOFTMAX_TRIL or name == "layernorm"
    buffers = None
    if name == "gelu" and not textbook:
        buffers = [np.empty(min(h, _chunk_rows(w, _POINTWISE_CHUNK)) * w) for _ in range(4)]
    with np.errstate(all="ignore"):
        for rows in _row_chunks(h, w, _POINTWISE_CHUNK):
            chunk = acc[rows] if scratch else np.array(acc[rows], dtype=np.float64)
            finite = False
            if nan_to_zero:
                total = chunk.sum()
                finite = bool(np.isfinite(total))       # then the chunk holds no NaN and no ±inf
                if np.isnan(total):                     # a NaN makes the sum NaN (so may inf - inf):
                    np.copyto(chunk, 0.0, where=np.isnan(chunk))   # one pass instead of two when none
            x[rows] = _pointwise(chunk, name, k, textbook, buffers, no_nan=nan_to_zero, finite=finite)
            if f64_into_acc and not in_place:
                chunk[...] = x[rows]
        if name in _SOFTMAX or name in _SOFTMAX_TRIL:
            # in place, row by row like mm: a row reads only its own entries and (the causal
            # over-read, rows >= W) the rows after it, not yet normalised
            tril = name in _SOFTMAX_TRIL
            top = h if textbook or not tril else min(h, w)
            masked = _above_diagonal(top, w) if tril else None
            for rows in _row_chunks(top, w):
                x[rows] = _softmax_rows(x[rows], masked[rows] if tril else None, textbook)
            if top < h:
                _softmax_tril_overread(x, x)
        elif name == "layernorm":
            x = _layernorm(x, textbook)
    if f64_into_acc and in_place:
        np.copyto(acc, x)
    return x


def _layernorm(x: np.ndarray, textbook: bool) -> np.ndarray:
    """mm: mean and variance over the whole matrix; textbook: per row, var = mean((x - m)^2).
    Written over float32 ``x`` (returned)."""
    h, w = x.shape
    if x.size == 0:
        return x
    if textbook:
        for rows in _row_chunks(h, w):
            xd = x[rows].astype(np.float64)
            xd -= xd.mean(axis=1, keepdims=True)
            var = np.square(xd).mean(axis=1, keepdims=True)
            xd /= np.sqrt(var + 1e-5)
            x[rows] = xd
        return x
    total = total2 = 0.0
    for rows in _row_chunks(h, w):
        xs = x[rows]
        total += float(xs.sum(dtype=np.float64))
        total2 += float(np.square(xs).sum(dtype=np.float64))  # float32 squares, double sum
    mean, mean2 = total / x.size, total2 / x.size
    var = mean2 - mean * mean
    denom = math.sqrt(var + 1e-5) if var + 1e-5 >= 0 else math.nan
    for rows in _row_chunks(h, w):
        xd = x[rows].astype(np.float64)
        xd -= mean
        xd /= denom
        x[rows] = xd
    return x


def _matmul64(left: np.ndarray, right: np.ndarray, left64: np.ndarray | None = None,
              right64: np.ndarray | None = None, *, lower_only: bool = False) -> np.ndarray:
    """``left @ right`` of float32 arrays in float64 (the products are exact).

    With BLAS (CPython), dgemm of float64 copies (``left64``/``right64`` when given: the same
    values, already widened). Without it (Pyodide), ``matmul_f32_in_order``
    (``mmcore.values.inorder``): the bits of numpy's own loop there, faster.
    ``lower_only``: only entries j <= i are read (a causal softmax's), so the product may skip
    most of the rest (``mmcore.values.causal``; those hold 0.0).

    >>> _matmul64(np.ones((2, 3), np.float32), np.ones((3, 2), np.float32)).tolist()
    [[3.0, 3.0], [3.0, 3.0]]
    """
    if NO_BLAS:
        got = lower_rows_in_order(left, right, matmul_f32_in_order) if lower_only else None
        return matmul_f32_in_order(left, right) if got is None else got
    a = left.astype(np.float64) if left64 is None else left64
    b = right.astype(np.float64) if right64 is None else right64
    if lower_only:
        got = lower_rows_matmul(a, b)
        if got is not None:
            return got
    return np.matmul(a, b)


def matmul_values(left: np.ndarray, right: np.ndarray, epilog: str = "none", *,
                  textbook: bool = False) -> np.ndarray:
    """mm's result values of ``left @ right`` with ``epilog``: float64 accumulation over the
    float32 arguments, NaN sums -> 0, then the epilog; float32 (I, J).

    >>> matmul_values(np.ones((2, 3), np.float32), np.ones((3, 1), np.float32)).tolist()
    [[3.0], [3.0]]
    """
    return _matmul_values(left, right, epilog, textbook, None, None, f64=False)[0]


def matmul_values_and_f64(left: np.ndarray, right: np.ndarray, epilog: str = "none", *,
                          textbook: bool = False, left64: np.ndarray | None = None,
                          right64: np.ndarray | None = None,
                          result64: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """``matmul_values`` and (``result64``; else None) its result widened to float64, made in
    the matmul's own float64 accumulator: what the next matmul multiplies.

    ``left64``/``right64``: the arguments as float64 when the caller has them (they must hold
    the same values; used only where ``F64_ARGUMENTS``), saving a copy of each.

    >>> a = np.ones((2, 3), np.float32)
    >>> v32, v64 = matmul_values_and_f64(a, a.T, "x/k", left64=a.astype(np.float64))
    >>> v32.tolist(), v64.dtype.name
    ([[1.0, 1.0], [1.0, 1.0]], 'float64')
    """
    return _matmul_values(left, right, epilog, textbook, left64, right64, f64=result64)


def _matmul_values(left, right, epilog: str, textbook: bool, left64, right64, *, f64: bool):
    left = np.asarray(left, dtype=np.float32)
    right = np.asarray(right, dtype=np.float32)
    if left.ndim != 2 or right.ndim != 2:
        raise MMError(f"matmul needs 2-D arguments, got shapes {left.shape} and {right.shape}")
    if left.shape[1] != right.shape[0]:
        raise MMError(
            f"cannot multiply {left.shape[0]}×{left.shape[1]} by {right.shape[0]}×{right.shape[1]}: "
            f"inner dimensions {left.shape[1]} and {right.shape[0]} differ")
    for arg, arg64 in ((left, left64), (right, right64)):
        if arg64 is not None and (arg64.shape != arg.shape or arg64.dtype != np.float64):
            raise MMError(f"matmul: a float64 copy of a {arg.shape} argument must be float64 "
                          f"{arg.shape}, got {arg64.dtype} {arg64.shape}")
    # float64 products of float32 numbers are exact; dgemm sums them in double as mm does
    # (sgemm differs from it in most float32 results for k in the hundreds, so it is no shortcut).
    # a causal softmax that reads no row past its own sets every entry j > i to -inf: not computed
    lower_only = epilog in _SOFTMAX_TRIL and (textbook or left.shape[0] <= right.shape[1])
    with np.errstate(invalid="ignore"):      # inf·0 sums are NaN, which become 0 below
        acc = _matmul64(left, right, left64, right64, lower_only=lower_only)
    if f64:
        acc = np.require(acc, np.float64, ["C_CONTIGUOUS", "WRITEABLE"])
    out = apply_epilog(acc, epilog, left.shape[1], textbook=textbook, nan_to_zero=True, overwrite=True,
                       f64_into_acc=f64)
    return out, (acc if f64 else None)
