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

from ._expr import Expr, Leaf, MatMul
from .errors import MMError

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


def _fallback_init(leaf: Leaf, rng: np.random.Generator) -> np.ndarray:  # pragma: no cover
    i = np.arange(leaf.h, dtype=np.float64)[:, None]
    j = np.arange(leaf.w, dtype=np.float64)[None, :]
    h, w = leaf.h, leaf.w
    table = {
        "rows": lambda: np.broadcast_to(i / (h - 1) if h > 1 else 0 * i, (h, w)),
        "cols": lambda: np.broadcast_to(j / (w - 1) if w > 1 else 0 * j, (h, w)),
        "row major": lambda: (i * w + j) / (h * w - 1) if h * w > 1 else 0 * (i + j),
        "col major": lambda: (j * h + i) / (h * w - 1) if h * w > 1 else 0 * (i + j),
        "eye": lambda: (i == j) * 1.0, "tril mask": lambda: (j <= i) * 1.0,
        "triu mask": lambda: (j >= i) * 1.0, "diff": lambda: (i == j) * 1.0 - (i == j + 1),
        "uniform": lambda: rng.random((h, w)), "gaussian": lambda: rng.normal(0.5, 0.5, (h, w)),
        "pt linear": lambda: (2 * rng.random((h, w)) - 1) / np.sqrt(w),
    }
    if leaf.init not in table:
        return np.zeros((h, w), np.float32)   # temporary until mmcore._inits lands
    v = np.asarray(table[leaf.init](), dtype=np.float64)
    if leaf.init in ("rows", "cols", "row major", "col major", "uniform", "gaussian") and \
            (leaf.min != 0 or leaf.max != 1):
        v = leaf.min + max(0.0, leaf.max - leaf.min) * v
    return np.ascontiguousarray(v, dtype=np.float32)


def _leaf_values(leaf: Leaf, rng: np.random.Generator) -> np.ndarray:
    if leaf.data is not None:
        return leaf.data
    try:
        from ._inits import init_values
    except ImportError:  # pragma: no cover - until the values module lands
        return _fallback_init(leaf, rng)
    arr = init_values(leaf.init, leaf.h, leaf.w, min=leaf.min, max=leaf.max, dropout=leaf.dropout,
                      expr=leaf.expr, url=leaf.url, rng=rng)
    return np.asarray(arr, dtype=np.float32)


def _matmul(left: np.ndarray, right: np.ndarray, epilog: str) -> np.ndarray:
    try:
        from ._epilogs import matmul_values
    except ImportError:  # pragma: no cover
        acc = left.astype(np.float64) @ right.astype(np.float64)
        acc[np.isnan(acc)] = 0.0
        return acc.astype(np.float32)
    return matmul_values(left, right, epilog)


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
        arr = _matmul(left, right, node.epilog)
        arr.setflags(write=False)
        out._put(node, arr)
        return arr

    visit(expr)
    return out
