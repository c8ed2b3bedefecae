"""Evaluate an expression tree bottom-up: every distinct leaf and node once.

Leaves come from ``mmcore.values.inits.init_values`` (mm's init functions) or their own array; results from
``mmcore.values.epilogs.matmul_values`` (float64 accumulation of float32 inputs, NaN sum → 0, epilog, float32).
Random inits draw from a generator seeded by ``seed`` and the leaf's first-appearance index, so
the same figure always gets the same numbers, and a leaf used twice has one set of values.

Examples:
    >>> import mmcore
    >>> from mmcore.values.tree import evaluate
    >>> A = mmcore.matrix("A", 2, 3, init="rows"); B = mmcore.matrix("B", 3, 2, init="cols")
    >>> AB = A @ B
    >>> evaluate(AB).of(AB).tolist()
    [[3.0, -3.0], [-3.0, 3.0]]
"""

from __future__ import annotations

import numpy as np

from mmcore.values.epilogs import F64_ARGUMENTS, matmul_values_and_f64
from mmcore.geometry.expr import Expr, Leaf
from mmcore.values.inits import init_values
from mmcore.values.lazy_random import LazyRandom

__all__ = ["evaluate", "Values", "leaf_order"]


class Values:
    """Values of the nodes of one tree, computed on request (each distinct node once) and kept.

    A leaf's random draws come from ``default_rng([seed, index])`` with its first-appearance
    index in the whole tree, so asking for one face first or for all gives the same numbers (a
    ``LazyRandom``: ``numpy.random`` is imported only when a draw needs it).

    Where the matmul multiplies float64 copies of its arguments (``F64_ARGUMENTS``: CPython), a
    matmul computed for its parent hands the parent its result as float64 too, written into its
    own float64 accumulator while each block is in cache (``matmul_values_and_f64``): used once,
    not kept. Leaves, and nodes already computed, are widened by the parent's matmul, just before
    it reads them (a leaf's copy made while drawing it costs about what it saves, and is cold by
    the time the matmul reads it).
    """

    def __init__(self, expr: Expr, seed: int = 0, *, zeros: bool = False):
        self._index = {leaf.uid: i for i, leaf in enumerate(leaf_order(expr))}
        self._seed, self._zeros = seed, zeros
        self._by_key: dict = {}
        self._keep: list[Expr] = []           # keep nodes alive so ids stay unique

    @staticmethod
    def _key(node: Expr):
        return ("leaf", node.uid) if isinstance(node, Leaf) else id(node)

    def of(self, node: Expr | None) -> np.ndarray | None:
        """The values of ``node`` (computing its subtree if needed); None for None."""
        if node is None:
            return None
        return self._compute(node, want64=False)[0]

    def _compute(self, node: Expr, want64: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """``node``'s values (kept) and, when ``want64`` and they are computed now, the same as
        float64 (not kept: the caller's matmul uses it once); else None."""
        key = self._key(node)
        got = self._by_key.get(key)
        if got is not None:
            return got, None
        want64 = want64 and F64_ARGUMENTS
        arr64 = None
        if self._zeros:
            arr = np.broadcast_to(np.float32(0), node.shape)
        elif isinstance(node, Leaf):
            arr = _leaf_values(node, LazyRandom([self._seed, self._index[node.uid]]))
            arr.setflags(write=False)
        else:
            left, left64 = self._compute(node.left, True)
            right, right64 = self._compute(node.right, True)
            arr, arr64 = matmul_values_and_f64(left, right, node.epilog, textbook=node.textbook,
                                               left64=left64, right64=right64, result64=want64)
            arr.setflags(write=False)
        self._by_key[key] = arr
        self._keep.append(node)
        return arr, arr64


def leaf_order(expr: Expr) -> list[Leaf]:
    """Distinct leaves in left-to-right first-appearance order."""
    seen: dict[int, Leaf] = {}
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Leaf):
            seen.setdefault(node.uid, node)
        else:
            stack.append(node.right)
            stack.append(node.left)
    return list(seen.values())


def _leaf_values(leaf: Leaf, rng: LazyRandom) -> np.ndarray:
    if leaf.data is not None:
        return leaf.data
    arr = init_values(leaf.init, leaf.h, leaf.w, min=leaf.min, max=leaf.max, dropout=leaf.dropout,
                      expr=leaf.expr, url=leaf.url, rng=rng)
    return np.asarray(arr, dtype=np.float32)


def evaluate(expr: Expr, seed: int = 0, *, zeros: bool = False) -> Values:
    """Values of every node of ``expr`` (leaves and results, after epilogs), all computed now.

    ``zeros=True`` skips the arithmetic and gives read-only zero views (geometry-only scenes).
    """
    out = Values(expr, seed, zeros=zeros)
    out.of(expr)
    return out
