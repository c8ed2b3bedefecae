"""Compact face values for large still figures: float16 numbers that draw the same picture.

The renderer (``pyodide_app/js/render/face-colors.js``) does not draw a value itself: it draws the
texel of its *colour class*, which depends on the value only through its sign, whether it is 0,
NaN or ±Infinity, and the step ``floor(sqrt(rel) * 1023 + 0.5)`` of ``rel = (|x| - lo) / (hi - lo)``
in the face's colour range ``[lo, hi]`` (1024 steps; a value past ``hi`` is coloured exactly).
Each step holds at least two float16 numbers, so every float32 value has a float16 neighbour in
the same class. :func:`compact_values` picks it, for the face's own range *and* the ranges of the
four sensitivity rules the reader can switch to in the figure's menu, and gives up (the face stays
float32) when one element has no such neighbour or its value must stay exact (past a range's end,
or beyond float16's range).

Used by ``mmcore.wire.codec.scene_to_bytes`` for faces of at least ``MIN_FACE`` elements in still figures
of at least ``MIN_SCENE`` elements (a megabyte of float32 values): the scene format's versions 2 and 3
(``docs/reference/scene-format.md``). Animated figures stay float32: the player computes the product
planes, and their colour range, from the argument faces' values, which must be the exact ones.

The check is a table, not arithmetic per element: for the face's ranges, the float32 interval of |x|
that shares every colour class with each float16 magnitude (:func:`_same_class_bounds`, from the exact
starts of the classes, :func:`_class_starts`); each element is then a float16 rounding, two table
look-ups and two comparisons, a block at a time.

Examples:
    >>> x = np.array([[0.0, 0.5, -1.0, 0.123456]], dtype=np.float32)
    >>> h, exact_at, exact = compact_values(x, [(0.0, 1.0)])
    >>> h.dtype.name, h.tolist(), exact_at.tolist()
    ('float16', [[0.0, 0.5, -1.0, 0.12347412109375]], [])
    >>> bool(np.array_equal(color_classes(x, 0.0, 1.0), color_classes(h, 0.0, 1.0)))
    True
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["LUT_STEPS", "MIN_FACE", "MIN_SCENE", "color_classes", "sensitivity_ranges", "compact_values"]

#: Steps of the renderer's colour table per sign (face-colors.js ``LUT_STEPS``).
LUT_STEPS = 1024
#: A figure needs at least this many elements before any face is written compactly.
MIN_SCENE = 250_000
#: ... and a face at least this many.
MIN_FACE = 16_384

_F16_MAX = 65504.0
_ZERO, _NAN, _INF, _EXACT = 0, -(1 << 20), -(1 << 20) - 1, -(1 << 20) - 2


def color_classes(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The renderer's colour class of every value in the colour range ``[lo, hi]``, as int32:
    0 for zero, ±(step + 1) by sign, and codes for NaN, ±Infinity and "coloured exactly"
    (past the range by more than 1e-4). The same double arithmetic as ``faceColorBytes``.

    >>> color_classes(np.array([0.0, 1.0, -0.25, np.nan], dtype=np.float32), 0.0, 1.0).tolist()
    [0, 1024, -513, -1048576]
    """
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    lo, hi = float(lo), float(hi)
    inv = 1.0 / (hi - lo) if hi > lo else 0.0
    with np.errstate(all="ignore"):
        ax = np.abs(x)
        rel = (ax - lo) * inv
        step = np.floor(np.sqrt(np.clip(rel, 0.0, 1.0)) * (LUT_STEPS - 1) + 0.5)
        out = np.where(x < 0, -(step + 1), step + 1).astype(np.int32)
    out[rel > 1.0001] = _EXACT
    out[x == 0] = _ZERO
    out[np.isinf(ax)] = _INF
    out[np.isnan(x)] = _NAN
    return out.reshape(np.shape(values))


def sensitivity_ranges(absmax: float, absmin: float, global_absmax: float,
                       color_range: tuple[float, float] | None = None) -> list[tuple[float, float]]:
    """The colour ranges a face can be drawn with: its own, and those of the four sensitivity rules
    as the figure menu computes them (display-settings.js ``faceColorRanges``).

    >>> sensitivity_ranges(2.0, 0.5, 8.0)
    [(0.0, 8.0), (0.0, 2.0), (0.0, 4.0), (0.5, 2.0)]
    """
    g = global_absmax or 1.0
    own = absmax or 0.0
    ranges = [(0.0, g), (0.0, own), (0.0, math.sqrt(own * g)), (absmin or 0.0, own)]
    if color_range is not None:
        ranges.insert(0, (float(color_range[0]), float(color_range[1])))
    out: list[tuple[float, float]] = []
    for r in ranges:
        if r not in out:
            out.append(r)
    return out


_CHUNK = 1 << 16   # elements per block: the scratch arrays stay in the CPU cache
_F32 = np.float32
_NEAR = 1                         # float32 steps checked either side of a class start's estimate
_MAX_F32_BITS = 0x7F7FFFFF        # largest finite float32, as bits (positive float32 bits sort like the values)


def _steps(ax: np.ndarray, lo: float, hi: float, out: np.ndarray | None = None) -> np.ndarray:
    """Colour-table step of |x| (float64) in [lo, hi], written to ``out``: the renderer's
    ``floor(sqrt(clamp(rel, 0, 1)) * 1023 + 0.5)``, the same double operations."""
    inv = 1.0 / (hi - lo) if hi > lo else 0.0
    if lo:
        t = np.subtract(ax, lo, out=out)
        t *= inv
        np.maximum(t, 0.0, out=t)
    else:
        t = np.multiply(ax, inv, out=out)
    np.minimum(t, 1.0, out=t)
    np.sqrt(t, out=t)
    t *= LUT_STEPS - 1
    t += 0.5
    return np.floor(t, out=t)


def _past_end(ax: np.ndarray, ranges) -> bool:
    """True when a finite |x| lies past a range's end by more than the renderer's 1e-4 (coloured exactly)."""
    for lo, hi in ranges:
        inv = 1.0 / (hi - lo) if hi > lo else 0.0
        if (float(np.max(ax, initial=0.0)) - lo) * inv > 1.0001:
            return True
    return False


def _rank(ax: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Colour class of positive |x| (float64) as a rank that grows with |x|: step + 1 (1..1024), or
    1025 past the range's end by more than 1e-4 (coloured exactly)."""
    inv = 1.0 / (hi - lo) if hi > lo else 0.0
    rank = _steps(ax, lo, hi) + 1
    with np.errstate(invalid="ignore"):
        rank[(ax - lo) * inv > 1.0001] = LUT_STEPS + 1
    return rank


def _class_starts(lo: float, hi: float) -> np.ndarray:
    """``starts[k]`` = the smallest positive float32 whose rank (:func:`_rank`) is at least k, for
    k = 0..1026 (+inf where no float32 reaches it), on the renderer's own arithmetic (no rounding
    guessed): the formula's estimate, checked a few float32 steps either side; a binary search over
    float32 bit patterns for any k the check cannot settle."""
    if not hi > lo:                    # every positive number has rank 1
        return np.array([0.0, 1e-45] + [np.inf] * (LUT_STEPS + 1), dtype=_F32)
    k = np.arange(2, LUT_STEPS + 2, dtype=np.float64)      # ranks 0 and 1 start at 0 and the smallest float32
    span = hi - lo
    with np.errstate(all="ignore"):
        rel = np.square((k - 1.5) / (LUT_STEPS - 1))
        rel[-1] = 1.0001
        guess = np.clip(np.float32(lo + rel * span), np.float32(1e-45), np.float32(3.4e38))
    bits = guess.view(np.uint32).astype(np.int64)
    d = np.arange(-_NEAR, _NEAR + 1)
    cand = np.clip(bits[:, None] + d[None, :], 1, _MAX_F32_BITS)
    reached = _rank(cand.astype(np.uint32).view(_F32).astype(np.float64).reshape(-1), lo, hi).reshape(cand.shape) >= k[:, None]
    settled = ~reached[:, 0] & reached[:, -1]          # the start lies inside the window
    a = cand[np.arange(k.size), np.argmax(reached, axis=1)]
    todo = np.flatnonzero(~settled)                    # (a range narrower than float32 steps): search
    if todo.size:
        a[todo] = _search_starts(k[todo], lo, hi)
    found = np.minimum(a, _MAX_F32_BITS).astype(np.uint32).view(_F32)
    found = np.where(a > _MAX_F32_BITS, np.float32(np.inf), found)
    return np.concatenate([np.array([0.0, 1e-45], dtype=_F32), found, np.array([np.inf], dtype=_F32)])


def _search_starts(k: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Bits of the smallest positive float32 of rank >= k (one past the largest finite: none), by
    binary search over the bit patterns, all k at once."""
    a = np.ones(k.size, dtype=np.int64)
    b = np.full(k.size, _MAX_F32_BITS + 1, dtype=np.int64)
    while np.any(a < b):
        mid = (a + b) // 2
        v = np.minimum(mid, _MAX_F32_BITS).astype(np.uint32).view(_F32).astype(np.float64)
        open_ = a < b
        hit = _rank(v, lo, hi) >= k
        b = np.where(hit & open_, mid, b)
        a = np.where(~hit & open_, mid + 1, a)
    return a


def _same_class_bounds(ranges, cache: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For every float16 bit pattern (0..0xffff): the float32 interval ``[low, high]`` of x whose
    colour classes are the float16 number's under every range (negative numbers: the mirror of the
    positive ones); empty (low > high) where the float16 number must not stand for anything
    (coloured exactly, or past float16's largest). Zero stands only for zero of its sign, ±Infinity
    for itself; NaN compares with nothing, so a NaN is never out of its class. ``cache`` (a dict
    the caller keeps for one figure: its faces share the global range, and often more) keeps the
    tables and class starts already made.

    >>> low, high = _same_class_bounds([(0.0, 1.0)])
    >>> one, minus_one = (int(np.float16(v).view(np.uint16)) for v in (1.0, -1.0))
    >>> bool(low[one] <= 1.0 <= high[one]), bool(low[minus_one] <= -1.0 <= high[minus_one]), float(high[0])
    (True, True, 0.0)
    """
    cache = {} if cache is None else cache
    key = tuple((float(lo), float(hi)) for lo, hi in ranges)
    if key not in cache:
        starts = []
        for r in key:
            if r not in cache:
                cache[r] = _class_starts(*r)
            starts.append(cache[r])
        cache[key] = _bounds(starts)
    return cache[key]


_POS = slice(1, 0x7C00)            # the positive finite float16 bit patterns, in increasing order


def _positive_halves() -> np.ndarray:
    """The positive finite float16 numbers as float32, increasing (made once: the conversion is slow)."""
    global _HALVES
    if _HALVES is None:
        _HALVES = np.arange(0x8000, dtype=np.uint16).view(np.float16)[_POS].astype(_F32)
    return _HALVES


_HALVES = None


def _bounds(starts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    # Every range's class starts, merged: two magnitudes share all their classes when no start lies
    # in between; past the first "coloured exactly" start nothing may be rounded.
    edge = np.unique(np.concatenate([s[1:LUT_STEPS + 1] for s in starts] + [np.array([np.inf], _F32)]))
    exact_from = min(float(s[LUT_STEPS + 1]) for s in starts)
    cap = _F32(min(_F16_MAX, np.nextafter(_F32(exact_from), _F32(0))))
    before_edge = np.minimum(np.nextafter(edge, _F32(0)), cap)
    h = _positive_halves()
    h = h[:int(np.searchsorted(h, _F32(exact_from)))]   # past these, a float16 is coloured exactly
    ok = slice(_POS.start, _POS.start + h.size)
    # at[i] = how many edges are <= h[i] (both sorted: place the few edges among the many halves)
    at = np.cumsum(np.bincount(np.searchsorted(h, edge, side="left"), minlength=h.size + 1)[:h.size])
    low, high = np.empty(0x10000, dtype=_F32), np.empty(0x10000, dtype=_F32)
    low[0] = high[0] = 0.0                              # zero: only zero
    low[ok] = edge[at - 1]
    high[ok] = before_edge[at]
    low[ok.stop:_POS.stop], high[ok.stop:_POS.stop] = np.inf, -np.inf     # empty: may stand for nothing
    low[_POS.stop:0x8000] = high[_POS.stop:0x8000] = np.inf      # NaN, Infinity: only themselves
    low[0x8000:], high[0x8000:] = -high[:0x8000], -low[:0x8000]     # the sign bit mirrors the interval
    return low, high


def _in_class(x: np.ndarray, hbits: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """True where x (float32) lies in the same-class interval of the float16 number with bits ``hbits``."""
    i = hbits.astype(np.intp)
    return (x >= low[i]) & (x <= high[i])


def compact_values(values: np.ndarray, ranges: list[tuple[float, float]], cache: dict | None = None):
    """``(float16 values, indices, float32 values)``: float16 numbers in the same colour class as
    ``values`` (float32) for every range in ``ranges``, except at ``indices`` (int32, flat,
    usually about 1 %: the ranges' class boundaries leave no float16 between them), where the
    exact values follow; or None when the face must stay float32 (a value past float16's range
    or past a colour range's end, which the renderer colours exactly).

    Each element is rounded to the nearest float16; it keeps it when x lies in that number's
    same-class interval (a table over the 65536 float16 bit patterns, built once per set of ranges
    from their class boundaries), else takes the float16 neighbour on x's side if that one's interval
    holds x, else stays exact. A block of the face at a time: per element a float16 rounding, two
    table look-ups and two comparisons, whatever the number of ranges. ``cache``: see
    :func:`_same_class_bounds` (for the faces of one figure)."""
    x = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
    n = x.size
    low, high = _same_class_bounds(ranges, cache)
    with np.errstate(all="ignore"):
        h = x.astype(np.float16)
    hbits = h.view(np.uint16)
    size = min(n, _CHUNK)
    below, above = np.empty(size, dtype=bool), np.empty(size, dtype=bool)
    bad_parts = []
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        m = stop - start
        xs, lt, gt = x[start:stop], below[:m], above[:m]
        i = hbits[start:stop].astype(np.intp)       # numpy's fastest gather takes intp indices
        np.less(xs, low[i], out=lt)                 # outside the interval (NaN never is: it stays NaN)
        np.greater(xs, high[i], out=gt)
        lt |= gt
        if lt.any():
            bad_parts.append(np.flatnonzero(lt) + start)
    at = np.concatenate(bad_parts) if bad_parts else np.zeros(0, dtype=np.intp)
    if at.size:
        xb = x[at]
        ab = np.abs(xb)
        if np.any(np.isfinite(ab) & (ab > _F16_MAX)) or _past_end(ab[np.isfinite(ab)], ranges):
            return None
        hb = h[at]
        with np.errstate(all="ignore"):
            towards = np.where(hb.astype(np.float32) > xb, -np.inf, np.inf).astype(np.float16)
        other = np.nextafter(hb, towards)
        fits = _in_class(xb, other.view(np.uint16), low, high)
        h[at[fits]] = other[fits]
        at = at[~fits]
    return h.reshape(np.shape(values)), at.astype(np.int32), x[at]
