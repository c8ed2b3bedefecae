"""A causal softmax's logits computed only where it reads them: below and on the diagonal.

mm's ``softmax(tril(...))`` epilogs set every entry j > i to -inf before the softmax, whatever it
held, whenever no row reads past its own (H <= W, or the textbook variant; see
``mmcore.values.epilogs``). So the matmul under them only needs the lower triangle:
``lower_rows_matmul`` computes it a block of ``BLOCK_ROWS`` rows at a time, each block against
the columns up to its last row (for a square product about 56% of the multiply-adds at 1024 rows),
and writes 0 over the rest.

Every block is a dgemm over the full inner dimension, so each entry is the same dot product in
the same order as in the whole product, provided the BLAS tiles the rows and columns the same
way: OpenBLAS does when both dimensions are multiples of ``ALIGN`` (no edge tiles, whose kernels
sum in another order) and blocks are large enough not to take its small-matrix path (measured
with one and two OpenBLAS threads; unaligned shapes or 32-row blocks do differ). The shapes
are checked, and ``blocks_agree`` compares a product both ways once per process before the first
use; when either fails the caller does the whole product. Without BLAS (Pyodide) every dot product
is summed in order k = 0, 1, ... (``mmcore.values.inorder``), the same for any blocks:
``lower_rows_in_order`` needs no such conditions.

Example:
    >>> a = np.arange(256 * 3, dtype=np.float64).reshape(256, 3) % 7
    >>> b = np.arange(3 * 256, dtype=np.float64).reshape(3, 256) % 5
    >>> got = lower_rows_matmul(a, b)
    >>> bool(np.array_equal(np.tril(got), np.tril(a @ b))), float(got[0, 255])
    (True, 0.0)
"""

from __future__ import annotations

import numpy as np

__all__ = ["ALIGN", "BLOCK_ROWS", "IN_ORDER_MIN_ROWS", "blocks_agree", "lower_rows_in_order", "lower_rows_matmul"]

#: rows per block: 128 measured fastest for 1024×768 @ 768×1024 (19 ms against 31 ms whole; 64: 20, 256: 21)
BLOCK_ROWS = 128
#: both output dimensions must be multiples of this (BLAS tiles without edges)
ALIGN = 64
#: in-order products (Pyodide) from this many rows: each block packs its operands again, which the
#: saved multiply-adds pay for at 512 rows and more (Pyodide under Node, with the epilog: 1024 × 768
#: @ 768 × 1024 121 -> 83 ms, 512 × 192 @ 192 × 512 28 -> 22 ms; blog49's 256 rows within noise)
IN_ORDER_MIN_ROWS = 4 * BLOCK_ROWS

_AGREE: list[bool] = []        # the self-check's answer, once computed


def _blocks(h: int, w: int):
    """(first row, end row, end column) of each block of ``BLOCK_ROWS`` rows of an (h, w) product."""
    for r0 in range(0, h, BLOCK_ROWS):
        r1 = min(h, r0 + BLOCK_ROWS)
        yield r0, r1, min(w, r1)


def _blocked(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    h, w = a.shape[0], b.shape[1]
    out = np.empty((h, w), dtype=np.float64)
    for r0, r1, c1 in _blocks(h, w):
        np.matmul(a[r0:r1], b[:, :c1], out=out[r0:r1, :c1])
        out[r0:r1, c1:] = 0.0
    return out


def blocks_agree() -> bool:
    """True when this process's BLAS gives every lower entry of a blocked product the same bits
    as the whole product (checked once: 256 × 640 @ 640 × 256, inner dimension past OpenBLAS's
    k-blocking, operands from integer arithmetic).

    >>> isinstance(blocks_agree(), bool)
    True
    """
    if not _AGREE:
        n, k = 2 * BLOCK_ROWS, 640
        i = np.arange(n * k, dtype=np.int64)
        a = ((i * 7919 % 2003) - 1001).reshape(n, k) / 97.0
        b = ((i * 104729 % 1999) - 999).reshape(k, n) / 89.0
        whole, blocked = a @ b, _blocked(a, b)
        lower = np.tri(n, n, dtype=bool)
        _AGREE.append(bool(np.array_equal(whole[lower].view(np.int64), blocked[lower].view(np.int64))))
    return _AGREE[0]


def lower_rows_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``a @ b`` (float64, 2-D) where j <= i, 0.0 above the diagonal band of each block (entries a
    causal softmax never reads); None when the shapes or the BLAS do not allow it (then the caller
    computes the whole product): the rows must be more than one block, both output dimensions
    multiples of ``ALIGN``, and ``blocks_agree()`` true.

    >>> lower_rows_matmul(np.ones((64, 2)), np.ones((2, 64))) is None     # one block: no gain
    True
    """
    h, w = a.shape[0], b.shape[1]
    if (a.ndim != 2 or b.ndim != 2 or a.dtype != np.float64 or b.dtype != np.float64
            or h <= BLOCK_ROWS or h % ALIGN or w % ALIGN or not blocks_agree()):
        return None
    return _blocked(a, b)


def lower_rows_in_order(left: np.ndarray, right: np.ndarray, matmul) -> np.ndarray | None:
    """``lower_rows_matmul`` for an in-order ``matmul`` of float32 arrays (``matmul_f32_in_order``:
    each entry summed in order k = 0, 1, ..., so any block of rows and columns gives its bits);
    None below ``IN_ORDER_MIN_ROWS`` rows (too little to gain).

    >>> a, b = np.ones((600, 3), np.float32), np.ones((3, 150), np.float32)
    >>> got = lower_rows_in_order(a, b, lambda l, r: l.astype(np.float64) @ r.astype(np.float64))
    >>> float(got[599, 149]), float(got[0, 149]), float(got[0, 127])
    (3.0, 0.0, 3.0)
    """
    h, w = left.shape[0], right.shape[1]
    if left.ndim != 2 or right.ndim != 2 or h < IN_ORDER_MIN_ROWS:
        return None
    out = np.empty((h, w), dtype=np.float64)
    for r0, r1, c1 in _blocks(h, w):
        out[r0:r1, :c1] = matmul(left[r0:r1], np.ascontiguousarray(right[:, :c1]))
        out[r0:r1, c1:] = 0.0
    return out
