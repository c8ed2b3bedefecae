"""Matmul in float64 with every dot product summed in order k = 0, 1, ...: what numpy computes
without BLAS (Pyodide), the bits of mm's own loop, and the engine's matmul in Pyodide.

Examples:
    >>> import numpy as np
    >>> from mmcore.values.inorder import matmul_in_order
    >>> matmul_in_order(np.array([[1e16, 1.0, -1e16, 1.0]]), np.ones((4, 2))).tolist()
    [[1.0, 1.0]]
"""

from __future__ import annotations

import sys

import numpy as np

from mmcore.values.wasm_matmul import MIN_WORK, disable_kernel, matmul_f32_wasm, pyodide_kernel

__all__ = ["NO_BLAS", "matmul_f32_in_order", "matmul_in_order"]

#: numpy without BLAS (Pyodide): its matmul is a plain triple loop that sums each dot product in
#: order k = 0, 1, ... and strides down the right argument's column; see ``matmul_f32_in_order``.
NO_BLAS = sys.platform == "emscripten"


def matmul_f32_in_order(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left @ right`` of float32 arrays in float64, every dot product summed in order k = 0, 1, ...
    (the products of float32 numbers are exact in float64): Pyodide's matmul.

    In Pyodide with wasm SIMD, products of at least ``MIN_WORK`` multiply-adds go through the
    WebAssembly kernel of ``mmcore.values.wasm_matmul`` (same bits, ~3.5× faster); everything else
    (CPython, other dtypes or dimensions, small products, no kernel) through ``matmul_in_order``.
    Should the kernel ever fail (a trap: a bug), the einsum path takes over for good.

    >>> matmul_f32_in_order(np.ones((2, 3), np.float32), np.ones((3, 2), np.float32)).tolist()
    [[3.0, 3.0], [3.0, 3.0]]
    """
    if (left.ndim == right.ndim == 2 and left.dtype == right.dtype == np.float32
            and left.shape[1] == right.shape[0] and left.shape[0] * left.shape[1] * right.shape[1] >= MIN_WORK):
        kernel = pyodide_kernel()
        if kernel is not None:
            try:
                return matmul_f32_wasm(left, right, kernel)
            except MemoryError:
                raise
            except Exception:             # noqa: BLE001  (the einsum path below gives the answer)
                disable_kernel()
    return matmul_in_order(left.astype(np.float64), right.astype(np.float64))


def matmul_in_order(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` of float64 arrays with every dot product summed from 0.0 in order k = 0, 1, ...:
    the same bits as numpy's matmul without BLAS (``out[i, j] = 0; out[i, j] += a[i, k]·b[k, j]``).

    It runs as ``einsum("ik,kj->ij")`` (no ``optimize``, so no BLAS): einsum's iterator orders
    the axes i, k, j (j innermost, since only ``b`` strides both j and k, and by 8 < 8·J bytes),
    so its kernel is ``out[i, :] += a[i, k]·b[k, :]`` over a contiguous row, one k after the
    other: each sum in order, and the products of float32 numbers are exact, so a fused
    multiply-add gives the same bits too. Contiguous rows stream through the cache, where
    numpy's loop strides down b's columns: about 3× faster in Pyodide. With one column (J = 1)
    einsum would sum the column in a dot-product kernel with several accumulators (another
    order): that case keeps numpy's loop. Results wider than 1024 columns are computed in tiles of
    columns (about 1.7× faster at 3072: the rows being summed stay in the L1 cache), large
    products a block of rows at a time (einsum's iterator size i·k·j must fit Pyodide's 32-bit intp).

    >>> matmul_in_order(np.array([[1e16, 1.0, -1e16, 1.0]]), np.ones((4, 2))).tolist()
    [[1.0, 1.0]]
    """
    if a.ndim != 2 or b.ndim != 2 or b.shape[1] < 2 or a.dtype != np.float64 or b.dtype != np.float64:
        return np.matmul(a, b)
    (i, k), j = a.shape, b.shape[1]
    a = np.ascontiguousarray(a)
    if j <= _WIDE:
        return _einsum_rows(a, np.ascontiguousarray(b))
    out = np.empty((i, j), dtype=np.float64)
    tiles = -(-j // _TILE)                        # tiles of at most _TILE columns, and more than _TILE / 2
    edges = [t * j // tiles for t in range(tiles + 1)]
    for c0, c1 in zip(edges, edges[1:]):
        out[:, c0:c1] = _einsum_rows(a, np.ascontiguousarray(b[:, c0:c1]))
    return out


def _einsum_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``einsum("ik,kj->ij")`` a block of whole rows at a time (the order of every sum unchanged):
    einsum's iterator counts i·k·j in an intp, 32 bits in Pyodide."""
    (i, k), j = a.shape, b.shape[1]
    rows = _ITER_BUDGET // max(k * j, 1)
    if rows < 1 or j < 2:                         # one column: einsum would sum it in another order
        return np.matmul(a, b)
    if rows >= i:
        return np.einsum("ik,kj->ij", a, b)
    out = np.empty((i, j), dtype=np.float64)
    for r in range(0, i, rows):
        np.einsum("ik,kj->ij", a[r:r + rows], b, out=out[r:r + rows])
    return out


_ITER_BUDGET = 1 << 28   # i·k·j per einsum call, well inside a 32-bit iterator size
_WIDE, _TILE = 1024, 512  # wider results go in tiles of columns: a row of the tile stays in the L1 cache
