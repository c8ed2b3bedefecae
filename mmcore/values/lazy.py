"""Values of a laid-out scene, computed once on first use: face values, |x| ranges, colour ranges.

``mmcore.layout`` builds the geometry at once and hands every face a :class:`LazyFaceData`. A
face's values compute its subtree (each distinct node once, kept); a colour range needs the
global |x| maximum, so every face. A figure whose leaves cannot be loaded (an mm link with
``init: url`` and no network) still gives its positions; values that need them raise.

Examples:
    >>> import mmcore
    >>> A = mmcore.matrix("A", 2, 3, init="rows"); B = mmcore.matrix("B", 3, 2, init="cols")
    >>> s = mmcore.layout(A @ B, sensitivity="local")
    >>> s.face("").color_range, s.viz["global_absmax"]
    ((0.0, 3.0), 3.0)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mmcore.geometry.expr import Expr, Leaf
from mmcore.values.tree import Values
from mmcore.color import color_range

__all__ = ["Evaluation", "LazyFaceData", "LazyViz", "abs_range", "node_key"]


def node_key(node: Expr):
    """Identity of a node's values: a leaf's uid (a leaf used twice has one set), else the node object."""
    return ("leaf", node.uid) if isinstance(node, Leaf) else id(node)


def _min_nonzero_abs(values: np.ndarray) -> float:
    """Smallest non-zero |x| of a finite float32 array, by one integer pass over the bits."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32) & np.uint32(0x7FFFFFFF)
    bits -= np.uint32(1)                  # 0 wraps to the largest value and is never the minimum
    smallest = np.uint32(bits.min()) + np.uint32(1)
    return float(np.array([smallest], dtype=np.uint32).view(np.float32)[0]) if smallest else 0.0


_RANGE_CHUNK = 1 << 18   # elements per step: the passes after the first read a chunk from the CPU cache
_ABS_BITS, _INF_BITS, _SIGN_BIT = np.uint32(0x7FFFFFFF), 0x7F800000, 0x80000000


def _abs_bits_without_zeros(part: np.ndarray) -> tuple[int, int] | None:
    """(max |x|, min |x|)'s bits of a flat float32 array holding no ±0, by four reductions that
    only read it; None when it holds a zero. As uint32, the positive entries' bits (|x|'s) are all
    below the negative ones' (sign bit set); as int32, the negative ones are below zero and rise
    with |x|. So the uint32 min is the smallest positive |x| and the uint32 max, less the sign bit,
    the largest negative |x|; the int32 max is the largest positive |x| and the int32 min, plus
    2^31, the smallest negative |x| (NaN and inf land on top, as in ``_abs_bits_of_chunk``).

    >>> _abs_bits_without_zeros(np.array([-3.0, 0.5, 2.0], np.float32)) == (0x40400000, 0x3F000000)
    True
    """
    as_unsigned, as_signed = part.view(np.uint32), part.view(np.int32)
    umin, imin = int(as_unsigned.min()), int(as_signed.min())
    if umin == 0 or imin == -_SIGN_BIT:       # +0 or -0
        return None
    umax, imax = int(as_unsigned.max()), int(as_signed.max())
    top, low = 0, 0xFFFFFFFF
    if imax >= 0:                             # positive entries
        top, low = imax, umin
    if umax >= _SIGN_BIT:                     # negative entries
        top, low = max(top, umax - _SIGN_BIT), min(low, imin + _SIGN_BIT)
    return top, low


def _abs_bits_of_chunk(part: np.ndarray, buf: np.ndarray) -> tuple[int, int]:
    """(max |x|, min non-zero |x|)'s bits of flat float32 ``part`` (2^32 - 1 for the min when all
    are zero): ``_abs_bits_without_zeros``, or when it holds a zero, passes over |x|'s bits (their
    order is |x|'s order): max, and min of bits - 1, where 0 wraps to the top (``buf``: scratch)."""
    got = _abs_bits_without_zeros(part)
    if got is not None:
        return got
    bits = np.bitwise_and(part.view(np.uint32), _ABS_BITS, out=buf[:part.size])
    top = int(bits.max())
    bits -= np.uint32(1)
    return top, (int(bits.min()) + 1) & 0xFFFFFFFF or 0xFFFFFFFF


def _abs_range_f32(values: np.ndarray) -> tuple[float, float] | None:
    """``abs_range`` of a float32 array by integer passes over its bits, a cache-sized chunk at a
    time (``_abs_bits_of_chunk``); None when an entry is not finite (bits >= inf's)."""
    flat = np.ascontiguousarray(values).reshape(-1)
    buf = np.empty(min(flat.size, _RANGE_CHUNK), dtype=np.uint32)
    top, low = 0, 0xFFFFFFFF
    for start in range(0, flat.size, _RANGE_CHUNK):
        chunk_top, chunk_low = _abs_bits_of_chunk(flat[start:start + _RANGE_CHUNK], buf)
        top, low = max(top, chunk_top), min(low, chunk_low)
    if top >= _INF_BITS:
        return None
    if top == 0:
        return 0.0, 0.0
    as_float = np.array([top, low], dtype=np.uint32).view(np.float32)
    return float(as_float[0]), float(as_float[1])


def abs_range(values: np.ndarray) -> tuple[float, float]:
    """(max |x|, min non-zero |x|) over the finite entries; (0, 0) when there are none.

    Examples:
        >>> abs_range(np.array([[0.0, -2.0], [0.5, np.nan]], dtype=np.float32))
        (2.0, 0.5)
    """
    if values.size == 0:
        return 0.0, 0.0
    if values.dtype == np.float32:
        got = _abs_range_f32(values)
        if got is not None:
            return got
    hi, lo = float(np.max(values)), float(np.min(values))
    if np.isfinite(hi) and np.isfinite(lo):
        absmax = max(abs(hi), abs(lo))
        if absmax == 0:
            return 0.0, 0.0
        if lo > 0:
            return absmax, lo
        if hi < 0:
            return absmax, -hi
        return absmax, _min_nonzero_abs(values)
    a = np.abs(values[np.isfinite(values)])
    nz = a[a > 0]
    if nz.size == 0:
        return 0.0, 0.0
    return float(nz.max()), float(nz.min())


class Evaluation:
    """The values of one laid-out tree: a face's values need only its subtree; colour ranges
    (which depend on the global |x| maximum) need every face."""

    def __init__(self, expr: Expr, nodes: list[Expr], *, seed: int, sensitivity: str, zeros: bool = False):
        self._values = Values(expr, seed, zeros=zeros)
        self._nodes = {}
        for node in nodes:
            self._nodes.setdefault(node_key(node), node)
        self._sensitivity = sensitivity
        self._ranges: dict = {}
        self._global: float | None = None

    @property
    def done(self) -> bool:
        return self._global is not None

    def values(self, key) -> np.ndarray:
        return self._values.of(self._nodes[key])

    def ranges(self, key) -> tuple[float, float]:
        if key not in self._ranges:
            self._ranges[key] = abs_range(self.values(key))
        return self._ranges[key]

    def global_absmax(self) -> float:
        if self._global is None:
            self._global = max((self.ranges(key)[0] for key in self._nodes), default=0.0)
        return self._global

    def color_range(self, key, sensitivity: str | None = None) -> tuple[float, float]:
        absmax, absmin = self.ranges(key)
        lo, hi = color_range(sensitivity or self._sensitivity, absmax, absmin, self.global_absmax())
        return float(lo), float(hi)


class LazyFaceData:
    """A face's values and ranges, read from its :class:`Evaluation` on first use."""

    def __init__(self, evaluation: Evaluation, key, sensitivity: str | None = None):
        self._ev, self._key, self._sensitivity = evaluation, key, sensitivity

    @property
    def values(self) -> np.ndarray:
        return self._ev.values(self._key)

    @property
    def absmax(self) -> float:
        return self._ev.ranges(self._key)[0]

    @property
    def absmin(self) -> float:
        return self._ev.ranges(self._key)[1]

    @property
    def color_range(self) -> tuple[float, float]:
        return self._ev.color_range(self._key, self._sensitivity)


class LazyViz(Mapping):
    """The scene's ``viz`` settings; ``global_absmax`` is filled in from the evaluation when read."""

    def __init__(self, settings: dict, evaluation: Evaluation):
        self._settings, self._ev = dict(settings), evaluation

    def __getitem__(self, key):
        if key == "global_absmax":
            return self._ev.global_absmax()
        return self._settings[key]

    def __iter__(self):
        yield from self._settings
        yield "global_absmax"

    def __len__(self) -> int:
        return len(self._settings) + 1

    def __repr__(self) -> str:
        shown = dict(self._settings, global_absmax=self._ev.global_absmax() if self._ev.done else "…")
        return f"LazyViz({shown!r})"
