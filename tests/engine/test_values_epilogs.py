"""mm's epilogs and their quirks, with hand-computed numbers, plus the textbook variants."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmcore.values.epilogs import EPILOG_NAMES, apply_epilog, erf_as, erf_exact, matmul_values
from mmcore.errors import MMError


def ep(x, name, k=4, **kw):
    return apply_epilog(np.asarray(x, dtype=np.float64), name, k, **kw)


def test_names_are_mms_fourteen():
    assert len(EPILOG_NAMES) == 14 and EPILOG_NAMES[0] == "none" and "x**2" in EPILOG_NAMES


def test_pointwise_epilogs():
    x = [[-2.0, 0.0, 3.0]]
    assert ep(x, "none").tolist() == [[-2, 0, 3]]
    assert ep(x, "relu").tolist() == [[0, 0, 3]]
    assert ep(x, "x**2").tolist() == [[4, 0, 9]]
    assert ep(x, "x/k", k=4).tolist() == [[-0.5, 0, 0.75]]
    assert ep(x, "x/sqrt(k)", k=4).tolist() == [[-1, 0, 1.5]]
    np.testing.assert_allclose(ep(x, "sigmoid"), [[1 / (1 + math.e ** 2), 0.5, 1 / (1 + math.e ** -3)]], rtol=1e-7)
    np.testing.assert_allclose(ep(x, "silu"), [[-2 / (1 + math.e ** 2), 0, 3 / (1 + math.e ** -3)]], rtol=1e-7)
    np.testing.assert_allclose(ep(x, "tanh"), [[math.tanh(-2), 0, math.tanh(3)]], rtol=1e-7)
    assert ep(x, "none").dtype == np.float32


def test_as_erf_is_mms_approximation_not_the_exact_erf():
    # A&S 7.1.26 at x = 0.5: t = 1/(1 + 0.3275911·0.5), polynomial by hand
    t = 1 / (1 + 0.3275911 * 0.5)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    assert erf_as(np.array(0.5)) == pytest.approx(1 - poly * math.exp(-0.25), abs=1e-15)
    assert erf_as(np.array(-0.5)) == pytest.approx(-(1 - poly * math.exp(-0.25)), abs=1e-15)
    assert 1e-9 < abs(float(erf_as(np.array(0.5))) - math.erf(0.5)) < 1.5e-7
    for v in (-3.0, -0.7, 0.0, 0.01, 0.5, 1.3, 4.0):
        assert float(erf_exact(np.array(v))) == pytest.approx(math.erf(v), abs=2e-7)


def test_gelu_uses_as_erf_and_textbook_uses_exact_erf():
    xs = np.array([[-1.5, -0.3, 0.0, 0.8, 2.0]])
    mm = np.array([[x * (1 + float(erf_as(np.array(x / math.sqrt(2))))) / 2 for x in xs[0]]])
    book = np.array([[x * (1 + math.erf(x / math.sqrt(2))) / 2 for x in xs[0]]])
    assert np.array_equal(ep(xs, "gelu"), mm.astype(np.float32))
    np.testing.assert_allclose(ep(xs, "gelu", textbook=True), book, rtol=3e-7, atol=1e-7)
    # far tail: textbook keeps the tiny negative values (x·erfc(-x/√2)/2), mm's A&S gives 0
    tail = ep([[-10.0, -12.0]], "gelu", textbook=True)[0]
    expect = [v * math.erfc(-v / math.sqrt(2)) / 2 for v in (-10.0, -12.0)]
    np.testing.assert_allclose(tail, expect, rtol=3e-7)
    assert ep([[-10.0]], "gelu")[0, 0] == 0


def test_softmax_row_max_starts_at_zero():
    # all-negative row: mm's max is 0, so exp(x)/Σexp(x) — same ratios, still sums to 1
    out = ep([[-1000.0, -1000.0]], "softmax")
    # exp(-1000) underflows to 0, 0/0 = NaN, which mm turns into 0
    assert out.tolist() == [[0.0, 0.0]]
    # textbook: max from -inf, so the row is [0.5, 0.5]
    assert ep([[-1000.0, -1000.0]], "softmax", textbook=True).tolist() == [[0.5, 0.5]]
    np.testing.assert_allclose(ep([[1.0, 2.0, 3.0]], "softmax"),
                               [np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum()], rtol=1e-6)


def test_softmax_scaled_variants():
    x = [[0.0, 4.0]]   # k = 4: x/sqrt(k) = [0, 2]; x/8 = [0, 0.5]
    e2 = math.exp(2)
    np.testing.assert_allclose(ep(x, "softmax(x/sqrt(k))"), [[1 / (1 + e2), e2 / (1 + e2)]], rtol=1e-6)
    np.testing.assert_allclose(ep([[0.0, 4.0], [1, 1]], "softmax(tril(x/8))"),
                               [[1, 0], [0.5, 0.5]], rtol=1e-6)


def test_softmax_tril_square_masks_the_future():
    out = ep([[1.0, 9.0], [2.0, 2.0]], "softmax(tril(x/sqrt(k)))", k=1)
    assert out.tolist() == [[1.0, 0.0], [0.5, 0.5]]


def test_softmax_tril_over_read_when_w_less_than_h():
    # H=4, W=2, k=1. flat = [1,2, 3,4, 5,6, 7,8].
    x = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]
    out = ep(x, "softmax(tril(x/sqrt(k)))", k=1)
    assert out[0].tolist() == [1, 0]
    np.testing.assert_allclose(out[1], [1 / (1 + math.e), math.e / (1 + math.e)], rtol=1e-6)
    # row 2 reads 3 entries from flat[4]: [5, 6, 7] (7 is row 3, not yet normalised): max 7
    d = math.exp(-2) + math.exp(-1) + 1
    np.testing.assert_allclose(out[2], [math.exp(-2) / d, math.exp(-1) / d], rtol=1e-6)
    # row 3 reads 4 entries from flat[6]: past the end -> NaN -> zeros
    assert out[3].tolist() == [0, 0]
    # textbook: a plain causal mask, rows >= W see the whole row
    book = ep(x, "softmax(tril(x/sqrt(k)))", k=1, textbook=True)
    np.testing.assert_allclose(book[2:], [[1 / (1 + math.e), math.e / (1 + math.e)]] * 2, rtol=1e-6)


def test_softmax_of_infinite_row_is_zero_in_mm():
    out = ep([[np.inf, 1.0], [1.0, 1.0]], "softmax")
    assert out[0].tolist() == [0, 0] and out[1].tolist() == [0.5, 0.5]


def test_layernorm_is_matrix_wide_in_mm_and_per_row_in_textbook():
    x = [[1.0, 2.0], [3.0, 4.0]]
    # mean 2.5, mean of squares 7.5, var 1.25
    expect = (np.array(x) - 2.5) / math.sqrt(1.25 + 1e-5)
    np.testing.assert_allclose(ep(x, "layernorm"), expect, rtol=1e-6)
    per_row = np.array([[-1.0, 1.0], [-1.0, 1.0]]) * 0.5 / math.sqrt(0.25 + 1e-5)
    np.testing.assert_allclose(ep(x, "layernorm", textbook=True), per_row, rtol=1e-6)


def test_layernorm_squares_are_rounded_to_float32_like_mm():
    x = np.array([[1.0001, 3.0], [2.0, 16777217.0]], dtype=np.float32).astype(np.float64)
    xs = x.astype(np.float32)
    mean = xs.astype(np.float64).sum() / 4
    mean2 = (xs * xs).astype(np.float64).sum() / 4      # float32 squares, double sum
    expect = ((xs.astype(np.float64) - mean) / math.sqrt(mean2 - mean * mean + 1e-5)).astype(np.float32)
    assert np.array_equal(ep(x, "layernorm"), expect)


def test_matmul_accumulates_in_double_and_nan_sums_become_zero():
    left = np.array([[1e8, 1.0, -1e8]], dtype=np.float32)
    right = np.array([[1.0], [1.0], [1.0]], dtype=np.float32)
    assert matmul_values(left, right).tolist() == [[1.0]]   # float32 summation would give 0
    nan = np.array([[np.nan, 1.0]], dtype=np.float32)
    assert matmul_values(nan, np.ones((2, 2), np.float32), "none").tolist() == [[0, 0]]
    assert matmul_values(np.ones((2, 3), np.float32), np.ones((3, 2), np.float32), "x/k").tolist() == [[1, 1], [1, 1]]


def test_large_layer_is_chunked_but_identical_to_one_block():
    rng = np.random.default_rng(0)
    acc = rng.standard_normal((300, 700)) * 3
    for name in ("gelu", "softmax(tril(x/sqrt(k)))", "layernorm"):
        whole = ep(acc, name, k=64)
        rows = [ep(acc[i:i + 1], name, k=64) for i in (0, 150, 299)]
        if name == "gelu":   # pointwise: any row alone gives the same numbers
            assert all(np.array_equal(r[0], whole[i]) for r, i in zip(rows, (0, 150, 299)))
        assert np.isfinite(whole).all()
    sm = ep(acc, "softmax(tril(x/sqrt(k)))", k=64)
    np.testing.assert_allclose(sm.sum(axis=1), 1, rtol=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda: ep([[1.0]], "softmax2"), "unknown epilog 'softmax2': expected one of none, relu"),
    (lambda: ep([1.0], "relu"), "expected a 2-D accumulator, got shape (1,)"),
    (lambda: matmul_values(np.ones((3, 4), np.float32), np.ones((5, 2), np.float32)),
     "cannot multiply 3×4 by 5×2: inner dimensions 4 and 5 differ"),
])
def test_errors_say_what_was_wrong(call, message):
    with pytest.raises(MMError) as e:
        call()
    assert message in str(e.value)


def test_erf_tail_clamp_changes_no_bit():
    """Past |x| = 6.5 the A&S tail is below 2^-54, so clamping exp's argument there (to keep
    numpy's exp off its underflow path) leaves 1 - y, erf and GELU exactly as the plain formula."""
    from mmcore.values.epilogs import _AS_A, _AS_P

    def plain_erf(z):
        az = np.abs(z)
        t = 1 / (1 + _AS_P * az)
        poly = ((((_AS_A[4] * t + _AS_A[3]) * t + _AS_A[2]) * t + _AS_A[1]) * t + _AS_A[0]) * t
        return np.sign(z) * (1 - poly * np.exp(-az * az))

    x = np.concatenate([np.linspace(-60, 60, 240_001), [6.5, -6.5, 1e300, -1e300, np.inf, 0.0]])
    with np.errstate(all="ignore"):
        assert np.array_equal(erf_as(x), plain_erf(x))
        gelu = ((x * (1 + plain_erf(x / math.sqrt(2)))) / 2).astype(np.float32)
    assert float(np.abs(erf_as(np.array([6.5, 7.0, 30.0])) - 1).max()) == 0.0
    assert np.array_equal(ep(x[None, :], "gelu"), gelu[None, :], equal_nan=True)


@pytest.mark.parametrize("scale", [0.5, 3.0, 27.0, 1e3])
def test_gelu_far_tail_shortcut_gives_the_same_bits(scale):
    """Past |x/√2| = 6.5 mm's erf is exactly ±1, so GELU computes A&S only for the nearer entries
    when most are far out: the bits are those of the whole formula (erf_as over every entry)."""
    rng = np.random.default_rng(int(scale))
    x = rng.standard_normal((64, 700)) * scale
    x[0, :12] = [0.0, -0.0, 6.5 * math.sqrt(2), -6.5 * math.sqrt(2), 9.19, -9.2, 1e300, -1e300, 1e-300, -5e-324, 38.0, np.inf]
    with np.errstate(all="ignore"):
        want = ((x * (1.0 + erf_as(x / math.sqrt(2)))) * 0.5).astype(np.float32)
    got = apply_epilog(x.copy(), "gelu", k=1)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
    got = apply_epilog(x.copy(), "gelu", k=1, nan_to_zero=True)      # no NaN: the sign by copysign
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))


def test_exp_is_zero_at_and_below_minus_746_so_softmax_may_skip_it():
    """Softmax sets exp(x - max) to 0.0 without calling exp where x - max <= -746 (most attention
    logits at GPT-2 size): that is what exp gives there (e^-746 is below half the smallest subnormal)."""
    from mmcore.values.epilogs import _EXP_ZERO_BELOW, _exp_in_place
    x = np.concatenate([np.linspace(-1e5, _EXP_ZERO_BELOW, 200_001), [-np.inf, -1e308]])
    e = np.exp(x)
    assert (e == 0).all() and not np.signbit(e).any()
    rows = np.random.default_rng(3).standard_normal((50, 300)) * 900 - 800
    rows[0, :3] = [np.nan, -np.inf, 0.0]
    got = rows.copy()
    with np.errstate(over="ignore"):
        _exp_in_place(got)
        assert np.array_equal(got, np.exp(rows), equal_nan=True)


def test_softmax_skipping_underflowing_exps_gives_the_same_bits():
    rng = np.random.default_rng(4)
    for scale in (3.0, 900.0, 1e5):
        acc = rng.standard_normal((96, 96)) * scale
        for name in ("softmax", "softmax(tril(x/sqrt(k)))"):
            got = apply_epilog(acc.copy(), name, k=64)
            xd = (acc / (8.0 if "sqrt" in name else 1.0)).astype(np.float32).astype(np.float64)
            if "tril" in name:
                xd[np.triu(np.ones(xd.shape, bool), 1)] = -np.inf
            xd -= np.maximum(xd.max(axis=1, keepdims=True), 0.0)
            with np.errstate(all="ignore"):
                e = np.exp(xd)
                want = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
            assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
