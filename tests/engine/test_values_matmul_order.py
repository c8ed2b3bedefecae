"""The no-BLAS matmul (Pyodide's path) sums every dot product from 0.0 in order k = 0, 1, ...

``matmul_in_order`` must give the bits of numpy's own matmul loop without BLAS (what Pyodide
computed before it): checked here against a plain Python loop in that order, on values chosen so
that any other order (pairwise, several accumulators, BLAS blocking) changes the result.
"""

from __future__ import annotations

import numpy as np
import pytest

from mmcore.values.inorder import matmul_in_order


def _in_order(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """numpy's matmul without BLAS, written out: out = 0.0; out += a[i, k] * b[k, j] for k = 0, 1, ..."""
    out = np.zeros((a.shape[0], b.shape[1]))
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            acc = 0.0
            for k in range(a.shape[1]):
                acc += float(a[i, k]) * float(b[k, j])
            out[i, j] = acc
    return out


def _cancelling(rng, h: int, w: int) -> np.ndarray:
    """float32 values spanning 2^-30 .. 2^30 with both signs: the order of the sum shows in the bits."""
    mant = rng.standard_normal((h, w)).astype(np.float32)
    return (mant * np.float32(2.0) ** rng.integers(-30, 31, (h, w))).astype(np.float32).astype(np.float64)


@pytest.mark.parametrize("shape", [(1, 1, 2), (3, 1, 5), (1, 7, 2), (5, 9, 3), (4, 33, 17), (16, 64, 40), (2, 300, 2)])
def test_same_bits_as_the_sum_in_order(shape):
    i, k, j = shape
    rng = np.random.default_rng(sum(shape))
    a, b = _cancelling(rng, i, k), _cancelling(rng, k, j)
    got, want = matmul_in_order(a, b), _in_order(a, b)
    assert got.dtype == np.float64 and got.shape == (i, j)
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


def test_order_matters_for_these_values():
    """The check above can fail: the same products summed in another order give other bits."""
    rng = np.random.default_rng(7)
    a, b = _cancelling(rng, 16, 64), _cancelling(rng, 64, 40)
    products = np.ascontiguousarray((a[:, :, None] * b[None, :, :]).transpose(0, 2, 1))
    pairwise = products.sum(axis=-1)                    # numpy's pairwise sum along a contiguous axis
    backwards = _in_order(a[:, ::-1], b[::-1])
    assert not np.array_equal(pairwise, _in_order(a, b))
    assert not np.array_equal(backwards, _in_order(a, b))
    assert matmul_in_order(np.array([[1e16, 1.0, -1e16, 1.0]]), np.ones((4, 2))).tolist() == [[1.0, 1.0]]


def test_signed_zero_infinity_and_nan_as_numpys_loop():
    a = np.array([[-0.0, -0.0], [np.inf, 1.0], [np.nan, 0.0], [1.0, -1.0]])
    b = np.array([[1.0, 0.0, 2.0], [1.0, -0.0, 3.0]])
    got, want = matmul_in_order(a, b), _in_order(a, b)
    assert np.array_equal(np.signbit(got), np.signbit(want))       # the sum starts at +0.0
    assert np.array_equal(got, want, equal_nan=True)
    assert not np.signbit(got[0, 0])                                # (-0·1) + (-0·1) from +0.0 is +0.0


def test_one_column_and_other_dtypes_fall_back_to_matmul():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(3.0).reshape(3, 1)
    assert matmul_in_order(a, b).tolist() == [[5.0], [14.0]]
    assert matmul_in_order(a.astype(np.float32), np.ones((3, 2), np.float32)).dtype == np.float32


def test_large_products_run_in_blocks_of_rows_with_the_same_bits(monkeypatch):
    """einsum's iterator size i·k·j is a 32-bit number in Pyodide: big products go a few rows at a time."""
    import mmcore.values.inorder as inorder
    rng = np.random.default_rng(5)
    a, b = _cancelling(rng, 11, 11), _cancelling(rng, 11, 7)
    monkeypatch.setattr(inorder, "_ITER_BUDGET", 3 * 11 * 7)       # 3 rows per block, then 2
    got = matmul_in_order(a, b)
    assert np.array_equal(got.view(np.int64), _in_order(a, b).view(np.int64))
    monkeypatch.setattr(inorder, "_ITER_BUDGET", 10)                 # not one row: numpy's own loop
    assert np.array_equal(matmul_in_order(a, b), a @ b)


@pytest.mark.parametrize("j", [9, 10, 13])
def test_wide_results_run_in_tiles_of_columns_with_the_same_bits(monkeypatch, j):
    import mmcore.values.inorder as inorder
    rng = np.random.default_rng(j)
    a, b = _cancelling(rng, 6, 20), _cancelling(rng, 20, j)
    monkeypatch.setattr(inorder, "_WIDE", 8)
    monkeypatch.setattr(inorder, "_TILE", 4)                         # 3 or 4 tiles of 3 or 4 columns
    got = matmul_in_order(a, b)
    assert np.array_equal(got.view(np.int64), _in_order(a, b).view(np.int64))


def test_the_wasm_kernel_takes_large_float32_products_only(monkeypatch):
    """matmul_f32_in_order hands float32 2-D products of at least MIN_WORK multiply-adds to the wasm
    kernel when there is one (Pyodide); the others, and everything in CPython, take the einsum path."""
    import mmcore.values.inorder as inorder
    from mmcore.values.wasm_matmul import MIN_WORK
    assert inorder.pyodide_kernel() is None                         # CPython: no kernel
    taken = []
    monkeypatch.setattr(inorder, "pyodide_kernel", lambda: "kernel")
    monkeypatch.setattr(inorder, "matmul_f32_wasm", lambda a, b, k: taken.append((a.shape, b.shape, k)) or "wasm")
    big = np.ones((64, 32), np.float32), np.ones((32, 32), np.float32)
    assert 64 * 32 * 32 >= MIN_WORK and inorder.matmul_f32_in_order(*big) == "wasm"
    assert taken == [((64, 32), (32, 32), "kernel")]
    small = np.ones((8, 8), np.float32)
    assert inorder.matmul_f32_in_order(small, small).tolist() == np.full((8, 8), 8.0).tolist()
    assert inorder.matmul_f32_in_order(*(x.astype(np.float64) for x in big)).dtype == np.float64
    assert len(taken) == 1


def test_a_failing_kernel_hands_over_to_einsum_for_good(monkeypatch):
    """A kernel that fails (a trap in wasm would be a bug) gives no answer: the einsum path gives it,
    and the kernel is not used again."""
    import mmcore.values.inorder as inorder
    import mmcore.values.wasm_matmul as wm

    def trap(*args):
        raise RuntimeError("RuntimeError: memory access out of bounds")
    monkeypatch.setattr(wm, "_KERNEL", [wm.Kernel(trap, {4: lambda *a: None})])
    rng = np.random.default_rng(9)
    a, b = _cancelling(rng, 64, 40), _cancelling(rng, 40, 33)
    got = inorder.matmul_f32_in_order(a.astype(np.float32), b.astype(np.float32))
    assert np.array_equal(got.view(np.int64), _in_order(a, b).view(np.int64))
    assert wm._KERNEL == [None] and wm.pyodide_kernel() is None
