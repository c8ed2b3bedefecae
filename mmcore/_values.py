"""Evaluate an expression tree bottom-up: every distinct leaf and node once.

Leaves come from ``_inits.init_values`` (mm's init functions) or their own array; results from
``_epilogs.matmul_values`` (float64 accumulation of float32 inputs, NaN sum → 0, epilog, float32).
Random inits draw from a generator seeded by ``seed`` and the leaf's first-appearance index, so
the same figure always gets the same numbers, and a leaf used twice has one set of values.

Example:
    >>> import mmcore
    >>> from mmcore._values import evaluate
    >>> A = mmcore.matrix("A", 2, 3, init="rows"); B = mmcore.matrix("B", 3, 2, init="cols")
    >>> AB = A @ B
    >>> evaluate(AB).of(AB).tolist()
    [[3.0, -3.0], [-3.0, 3.0]]
"""

from __future__ import annotations

import numpy as np

from ._epilogs import matmul_values
from ._expr import Expr, Leaf, MatMul
from ._inits import init_values

__all__ = ["evaluate", "Values", "leaf_order"]


class Values:
    """Values of every node of one tree, looked up by node identity."""

    def __init__(self):
        self._by_id: dict[int, np.ndarray] = {}
        self._keep: list[Expr] = []           # keep nodes alive so ids stay unique

    def of(self, node: Expr | None) -> np.ndarray | None:
        if node is None:
            return None
        key = ("leaf", node.uid) if isinstance(node, Leaf) else id(node)
        return self._by_id.get(key)

    def _put(self, node: Expr, arr: np.ndarray) -> None:
        key = ("leaf", node.uid) if isinstance(node, Leaf) else id(node)
        self._by_id[key] = arr
        self._keep.append(node)


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


def _leaf_values(leaf: Leaf, rng: np.random.Generator) -> np.ndarray:
    if leaf.data is not None:
        return leaf.data
    arr = init_values(leaf.init, leaf.h, leaf.w, min=leaf.min, max=leaf.max, dropout=leaf.dropout,
                      expr=leaf.expr, url=leaf.url, rng=rng)
    return np.asarray(arr, dtype=np.float32)


def _matmul(left: np.ndarray, right: np.ndarray, epilog: str, textbook: bool) -> np.ndarray:
    return matmul_values(left, right, epilog, textbook=textbook)


def evaluate(expr: Expr, seed: int = 0, *, zeros: bool = False) -> Values:
    """Values of every node of ``expr`` (leaves and results, after epilogs).

    ``zeros=True`` skips the arithmetic and gives read-only zero views (geometry-only scenes).
    """
    out = Values()
    if zeros:
        stack = [expr]
        while stack:
            node = stack.pop()
            if out.of(node) is None:
                out._put(node, np.broadcast_to(np.float32(0), node.shape))
            if isinstance(node, MatMul):
                stack += [node.left, node.right]
        return out
    for index, leaf in enumerate(leaf_order(expr)):
        rng = np.random.default_rng([seed, index])
        arr = _leaf_values(leaf, rng)
        arr.setflags(write=False)
        out._put(leaf, arr)

    def visit(node: Expr) -> np.ndarray:
        got = out.of(node)
        if got is not None:
            return got
        left = visit(node.left)
        right = visit(node.right)
        arr = _matmul(left, right, node.epilog, node.textbook)
        arr.setflags(write=False)
        out._put(node, arr)
        return arr

    visit(expr)
    return out
