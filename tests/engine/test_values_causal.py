"""A causal softmax's logits computed only below the diagonal (``mmcore.values.causal``): the
entries it reads have the bits of the whole product, and every value after the epilog is the same
as with the whole product, for mm's rule and the textbook one, NaN and inf included.
"""

from __future__ import annotations

import numpy as np
import pytest

import mmcore.values.causal as causal
import mmcore.values.epilogs as epilogs
from mmcore.values.epilogs import matmul_values

TRIL = ("softmax(tril(x/sqrt(k)))", "softmax(tril(x/8))")


def _operands(h, k, w, seed=0, scale=4.0):
    rng = np.random.default_rng(seed)
    a = (rng.standard_normal((h, k)) * scale).astype(np.float32)
    b = (rng.standard_normal((k, w)) * scale).astype(np.float32)
    return a, b


def test_the_blas_here_tiles_blocks_like_the_whole_product():
    assert causal.blocks_agree()           # else the shortcut is off: a BLAS change to look at


@pytest.mark.parametrize("h,k,w", [(256, 64, 256), (512, 700, 512), (384, 1000, 640), (1024, 768, 1024),
                                   (640, 5, 384)])
def test_lower_entries_have_the_whole_products_bits(h, k, w):
    a, b = (x.astype(np.float64) for x in _operands(h, k, w))
    got = causal.lower_rows_matmul(a, b)
    whole = a @ b
    lower = np.tri(h, w, dtype=bool)
    assert got is not None and got.shape == (h, w)
    assert np.array_equal(got[lower].view(np.int64), whole[lower].view(np.int64))
    for r0, r1, c1 in causal._blocks(h, w):      # past each block's band: 0.0, not computed
        assert not got[r0:r1, c1:].any()
    computed = sum((r1 - r0) * c1 for r0, r1, c1 in causal._blocks(h, w))
    assert np.count_nonzero(got) <= computed < h * w


@pytest.mark.parametrize("shape", [((128, 8), (8, 128)), ((200, 8), (8, 256)), ((256, 8), (8, 200)),
                                   ((64, 8), (8, 64))])
def test_other_shapes_are_left_to_the_whole_product(shape):
    (h, k), (_, w) = shape
    assert causal.lower_rows_matmul(np.ones((h, k)), np.ones((k, w))) is None


def _whole_product_values(monkeypatch, a, b, name, textbook):
    with monkeypatch.context() as m:
        m.setattr(epilogs, "lower_rows_matmul", lambda *args: None)
        return matmul_values(a, b, name, textbook=textbook)


@pytest.mark.parametrize("name", TRIL)
@pytest.mark.parametrize("textbook", [False, True])
@pytest.mark.parametrize("h,k,w", [(256, 48, 256), (384, 300, 512), (640, 32, 384)])
def test_values_after_the_epilog_are_the_same(monkeypatch, name, textbook, h, k, w):
    a, b = _operands(h, k, w, seed=h + k, scale=0.5)
    a[3, 1], b[2, 7], a[200, 5] = np.inf, np.nan, -np.inf
    want = _whole_product_values(monkeypatch, a, b, name, textbook)
    got = matmul_values(a, b, name, textbook=textbook)
    assert got.tobytes() == want.tobytes()
    assert np.isfinite(got).all() or textbook


def test_used_only_where_no_row_reads_past_its_own(monkeypatch):
    calls = []
    real = epilogs.lower_rows_matmul

    def spy(a, b):
        calls.append(a.shape[0])
        return real(a, b)

    monkeypatch.setattr(epilogs, "lower_rows_matmul", spy)
    a, b = _operands(384, 16, 256)               # H > W: mm's rows past W read the next rows' entries
    mm_rule = matmul_values(a, b, TRIL[0])
    assert calls == []
    matmul_values(a, b, TRIL[0], textbook=True)  # the textbook rule masks every row: used
    assert calls == [384]
    matmul_values(a[:256], b, "softmax")         # no mask: the whole product
    assert calls == [384]
    assert mm_rule[300].any()                    # the over-read rows keep their values


@pytest.mark.parametrize("h,k,w", [(600, 30, 150), (512, 64, 512), (700, 17, 900), (513, 5, 129)])
def test_in_order_blocks_have_the_whole_products_bits(h, k, w):
    from mmcore.values.inorder import matmul_f32_in_order
    a, b = _operands(h, k, w, seed=k)
    got = causal.lower_rows_in_order(a, b, matmul_f32_in_order)
    whole = matmul_f32_in_order(a, b)
    lower = np.tri(h, w, dtype=bool)
    assert np.array_equal(got[lower].view(np.int64), whole[lower].view(np.int64))
    small = causal.IN_ORDER_MIN_ROWS - 1                       # too few rows to gain: the whole product
    assert causal.lower_rows_in_order(a[:small], b, matmul_f32_in_order) is None


@pytest.mark.parametrize("textbook", [False, True])
def test_without_blas_the_values_are_the_same(monkeypatch, textbook):
    monkeypatch.setattr(epilogs, "NO_BLAS", True)           # Pyodide's in-order matmul (einsum here)
    a, b = _operands(520, 40, 600, seed=3, scale=0.5)   # H <= W: no row reads past its own
    a[7, 2], b[1, 100] = np.inf, np.nan
    calls = []
    real = epilogs.lower_rows_in_order
    monkeypatch.setattr(epilogs, "lower_rows_in_order", lambda *args: calls.append(1) or real(*args))
    got = matmul_values(a, b, TRIL[0], textbook=textbook)
    assert calls == [1]
    monkeypatch.setattr(epilogs, "lower_rows_in_order", lambda *args: None)
    assert got.tobytes() == matmul_values(a, b, TRIL[0], textbook=textbook).tobytes()
