"""The float64 scratch pool of one evaluation (``mmcore.values.pool``): buffers are reused, the
values computed through it are the same bits as without it, and no kept value shares its memory."""

from __future__ import annotations

import numpy as np
import pytest

import mmcore
from mmcore.values import epilogs
from mmcore.values.epilogs import matmul_values, matmul_values_and_f64
from mmcore.values.pool import BufferPool
from mmcore.values.tree import Values, evaluate

needs_blas = pytest.mark.skipif(not epilogs.F64_ARGUMENTS, reason="the pool is used where matmuls widen (BLAS)")


def test_a_buffer_given_back_is_taken_again_reshaped():
    pool = BufferPool()
    a = pool.take((4, 6))
    pool.give(a)
    b = pool.take((3, 8))
    assert b.shape == (3, 8) and b.dtype == np.float64 and b.flags.c_contiguous
    assert np.shares_memory(a, b)


def test_the_smallest_free_buffer_that_fits_is_taken():
    pool = BufferPool()
    big, small, tiny = pool.take((100,)), pool.take((40,)), pool.take((10,))
    for arr in (big, small, tiny):
        pool.give(arr)
    got = pool.take((30,))
    assert np.shares_memory(got, small) and not np.shares_memory(got, big)
    assert pool.idle == 2


def test_a_buffer_out_is_never_handed_out_twice():
    pool = BufferPool()
    a = pool.take((5,))
    b = pool.take((5,))
    assert not np.shares_memory(a, b)
    pool.give(a)
    pool.give(a)                       # twice: the second is ignored
    c, d = pool.take((5,)), pool.take((5,))
    assert not np.shares_memory(c, d)


def test_arrays_not_from_take_are_ignored():
    pool = BufferPool()
    pool.give(np.zeros(8))
    pool.give(None)
    pool.give(np.zeros((2, 4))[:, :2])
    assert pool.idle == 0


def test_too_small_buffers_are_not_reused():
    pool = BufferPool()
    a = pool.take((10,))
    pool.give(a)
    b = pool.take((11,))
    assert not np.shares_memory(a, b) and pool.idle == 1


def _tree(epilog: str):
    """A tree with a leaf used twice (``x``) and a node used twice (``s``, both sides of a matmul)."""
    g = dict(init="gaussian")
    x = mmcore.matrix("x", 37, 29, **g)
    h = (x @ mmcore.matrix("w1", 29, 51, **g)).with_epilog(epilog)
    y = (h @ mmcore.matrix("w2", 51, 29, min=-3, max=2, init="gaussian")).with_epilog("layernorm")
    s = y @ mmcore.matrix("xt", 29, 37, **g)
    return (s @ s).with_epilog(epilog) @ x


@needs_blas
@pytest.mark.parametrize("epilog", ["none", "gelu", "softmax(tril(x/sqrt(k)))", "relu", "x/k"])
def test_values_through_the_pool_are_the_bits_of_each_matmul_alone(epilog):
    root = _tree(epilog)
    values = evaluate(root)
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, mmcore.MatMul):
            alone = matmul_values(values.of(node.left), values.of(node.right), node.epilog,
                                  textbook=node.textbook)
            assert alone.tobytes() == values.of(node).tobytes()
            stack += [node.left, node.right]


@needs_blas
def test_kept_values_never_share_memory():
    root = _tree("gelu")
    values = evaluate(root)
    kept = []
    stack = [root]
    while stack:
        node = stack.pop()
        kept.append(values.of(node))
        if isinstance(node, mmcore.MatMul):
            stack += [node.left, node.right]
    distinct = {id(a): a for a in kept}.values()
    for i, a in enumerate(distinct):
        for b in list(distinct)[i + 1:]:
            assert not np.shares_memory(a, b)


@needs_blas
def test_a_chain_reuses_buffers(monkeypatch):
    fresh, taken = [], []

    class CountingPool(BufferPool):
        def take(self, shape):
            idle = self.idle
            got = super().take(shape)
            taken.append(shape)
            if self.idle == idle:
                fresh.append(shape)
            return got

    monkeypatch.setattr("mmcore.values.tree.BufferPool", CountingPool)
    g = dict(init="gaussian")
    node = mmcore.matrix("a0", 64, 64, **g)
    for i in range(6):
        node = node @ mmcore.matrix(f"w{i}", 64, 64, **g)
    evaluate(node)
    # the first matmul: a copy of each leaf and its result; then a copy of the new leaf and the result
    assert len(taken) == 3 + 5 * 2
    assert len(fresh) == 3             # everything after the first matmul runs on reused memory


@needs_blas
def test_the_result_returned_in_float64_is_the_callers_until_given_back():
    pool = BufferPool()
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    v32, v64 = matmul_values_and_f64(a, a.T, "none", pool=pool)
    assert pool.idle == 2              # the two widened copies came back, the result did not
    assert v64.tobytes() == v32.astype(np.float64).tobytes()
    again = pool.take(v64.shape)
    assert not np.shares_memory(again, v64)


def test_values_without_blas_use_no_pool(monkeypatch):
    monkeypatch.setattr("mmcore.values.tree.F64_ARGUMENTS", False)
    root = _tree("none")
    made = []
    monkeypatch.setattr("mmcore.values.tree.BufferPool", lambda: made.append(1))
    Values(root).of(root)
    assert made == []
