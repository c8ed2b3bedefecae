"""Compact face values for very large still figures: float16 numbers that draw the same picture.

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
(no animation, whose product planes are computed from the argument values) of at least
``MIN_SCENE`` elements: the scene format's version 2 (``docs/reference/scene-format.md``).

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
MIN_SCENE = 1_000_000
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


_CHUNK = 1 << 15   # elements per block: the float64 scratch stays in the CPU cache


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


def compact_values(values: np.ndarray, ranges: list[tuple[float, float]]):
    """``(float16 values, indices, float32 values)``: float16 numbers in the same colour class as
    ``values`` (float32) for every range in ``ranges``, except at ``indices`` (int32, flat,
    usually about 1 %: the ranges' class boundaries leave no float16 between them), where the
    exact values follow; or None when the face must stay float32 (a value past float16's range
    or past a colour range's end, which the renderer colours exactly). Works a cache-sized block
    at a time with reused scratch arrays (no temporaries the size of the face)."""
    x = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
    n = x.size
    with np.errstate(all="ignore"):
        ax32 = np.abs(x)
        fin = np.isfinite(ax32)
        all_finite = bool(fin.all())
        top = float(np.max(ax32, where=fin, initial=0.0))
        if top > _F16_MAX or _past_end(np.array([top]), ranges):
            return None
        h = x.astype(np.float16)
        size = min(n, _CHUNK)
        ax, ah, sx, sh = (np.empty(size) for _ in range(4))
        neq = np.empty(size, dtype=bool)
        bad_parts = []
        for start in range(0, n, _CHUNK):
            stop = min(n, start + _CHUNK)
            m = stop - start
            a, b, s1, s2, ne = ax[:m], ah[:m], sx[:m], sh[:m], neq[:m]
            np.abs(x[start:stop], out=a)
            np.abs(h[start:stop], out=b)
            if not all_finite:
                keep = fin[start:stop]
                a[~keep] = 0.0
                b[~keep] = 0.0
            bad = np.not_equal(a == 0, b == 0)
            b_top = float(b.max())
            for lo, hi in ranges:
                np.not_equal(_steps(a, lo, hi, s1), _steps(b, lo, hi, s2), out=ne)
                bad |= ne
                inv = 1.0 / (hi - lo) if hi > lo else 0.0
                if (b_top - lo) * inv > 1.0001:       # rounded up past the range's end: coloured exactly
                    bad |= (b - lo) * inv > 1.0001
            found = np.flatnonzero(bad)
            if found.size:
                bad_parts.append(found + start)
        idx = np.concatenate(bad_parts) if bad_parts else np.zeros(0, dtype=np.intp)
        if idx.size:
            xb, hb = x[idx], h[idx]
            towards = np.where(hb.astype(np.float32) > xb, -np.inf, np.inf).astype(np.float16)
            other = np.nextafter(hb, towards)
            ok = np.ones(idx.size, dtype=bool)
            for lo, hi in ranges:
                ok &= color_classes(other, lo, hi) == color_classes(xb, lo, hi)
            h[idx[ok]] = other[ok]
            idx = idx[~ok]
    return h.reshape(np.shape(values)), idx.astype(np.int32), x[idx]
