"""mm's init functions, range and dropout rules, the url (CSV) init, with hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pytest

from mmcore.values.inits import INIT_NAMES, init_values, is_random, parse_csv_text
from mmcore.errors import MMError


def test_names_are_mms_thirteen():
    assert INIT_NAMES == ("rows", "cols", "row major", "col major", "pt linear", "uniform", "gaussian",
                          "tril mask", "triu mask", "eye", "diff", "url", "expr")


def test_deterministic_inits_unit_range():
    kw = dict(min=0, max=1)
    assert init_values("rows", 3, 2, **kw).tolist() == [[0, 0], [0.5, 0.5], [1, 1]]
    assert init_values("cols", 2, 3, **kw).tolist() == [[0, 0.5, 1], [0, 0.5, 1]]
    assert init_values("row major", 2, 3, **kw).tolist() == pytest.approx(
        np.array([[0, 1, 2], [3, 4, 5]]) / 5)
    assert init_values("col major", 2, 3, **kw).tolist() == pytest.approx(
        np.array([[0, 2, 4], [1, 3, 5]]) / 5)
    assert init_values("tril mask", 2, 3).tolist() == [[1, 0, 0], [1, 1, 0]]
    assert init_values("triu mask", 2, 3).tolist() == [[1, 1, 1], [0, 1, 1]]
    assert init_values("eye", 2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert init_values("diff", 3, 2).tolist() == [[1, 0], [-1, 1], [0, -1]]


def test_single_row_or_element_is_zero_before_range():
    assert init_values("rows", 1, 3, min=0, max=1).tolist() == [[0, 0, 0]]
    assert init_values("cols", 3, 1, min=0, max=1).tolist() == [[0], [0], [0]]
    assert init_values("row major", 1, 1, min=0, max=1).tolist() == [[0]]
    # with mm's default range (-1, 1) the zero maps to min
    assert init_values("row major", 1, 1).tolist() == [[-1]]


def test_range_is_affine_and_only_for_range_inits():
    assert init_values("rows", 3, 1).ravel().tolist() == [-1, 0, 1]            # defaults -1..1
    assert init_values("rows", 3, 1, min=2, max=4).ravel().tolist() == [2, 3, 4]
    assert init_values("rows", 3, 1, min=2, max=1).ravel().tolist() == [2, 2, 2]  # max < min: min
    # eye, masks, diff ignore min/max
    assert init_values("eye", 2, 2, min=5, max=9).tolist() == [[1, 0], [0, 1]]
    assert init_values("diff", 2, 2, min=5, max=9).tolist() == [[1, 0], [-1, 1]]


def test_values_are_float32_of_the_double_formula():
    v = init_values("row major", 7, 3, min=0, max=1)
    assert v.dtype == np.float32 and v.flags.c_contiguous
    assert v[1, 0] == np.float32(3 / 20)


def test_random_inits_are_deterministic_given_the_generator():
    a = init_values("gaussian", 50, 40, rng=np.random.default_rng(7))
    b = init_values("gaussian", 50, 40, rng=np.random.default_rng(7))
    c = init_values("gaussian", 50, 40, rng=np.random.default_rng(8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(init_values("uniform", 4, 4, rng=3), init_values("uniform", 4, 4, rng=3))
    assert np.array_equal(init_values("uniform", 4, 4), init_values("uniform", 4, 4))  # None: seed 0


def test_gaussian_is_box_muller_mean_half_sd_half_then_range():
    rng = np.random.default_rng(1)
    raw = init_values("gaussian", 200, 200, min=0, max=1, rng=rng)
    assert abs(raw.mean() - 0.5) < 0.01 and abs(raw.std() - 0.5) < 0.01
    # the same draws through the default range -1..1: -1 + 2·f, so N(0, 1)
    ranged = init_values("gaussian", 200, 200, rng=np.random.default_rng(1))
    np.testing.assert_allclose(ranged, -1 + 2 * raw.astype(np.float64), atol=1e-6)
    # the formula, element by element, from the same generator stream (u then v per block)
    g = np.random.default_rng(5)
    u, v = 1 - g.random((3, 4)), g.random((3, 4))
    expect = 0.5 + 0.5 * np.sqrt(-2 * np.log(u)) * np.cos(2 * np.pi * v)
    np.testing.assert_allclose(init_values("gaussian", 3, 4, min=0, max=1, rng=5), expect, rtol=1e-6)


def test_uniform_and_pt_linear_ranges():
    u = init_values("uniform", 100, 100, min=0, max=1, rng=2)
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    p = init_values("pt linear", 100, 64, min=5, max=9, rng=2)  # range does not apply
    assert np.abs(p).max() <= 1 / 8 and p.min() < -0.1 and p.max() > 0.1


def test_dropout_zeroes_about_that_fraction_and_only_where_mm_applies_it():
    v = init_values("rows", 200, 200, min=1, max=2, dropout=0.3, rng=4)
    zero = (v == 0).mean()
    assert 0.27 < zero < 0.33
    kept = v[v != 0]
    assert kept.min() >= 1 and kept.max() <= 2
    assert init_values("eye", 3, 3, dropout=0.9).tolist() == np.eye(3).tolist()   # no dropout
    assert (init_values("pt linear", 100, 100, dropout=0.5, rng=1) == 0).mean() > 0.4
    assert is_random("rows", 0.3) and not is_random("rows", 0) and is_random("gaussian")
    assert not is_random("eye", 0.5)


def test_expr_init_evaluates_js_formula_over_indices():
    v = init_values("expr", 32, 2, expr="-2 * (Math.trunc(i / 8) % 2) + 1")
    assert v[:, 0].tolist() == [1] * 8 + [-1] * 8 + [1] * 8 + [-1] * 8
    assert init_values("expr", 2, 3, expr="h * 10 + w + j").tolist() == [[23, 24, 25], [23, 24, 25]]
    assert init_values("expr", 2, 2, expr="i < j").tolist() == [[0, 1], [0, 0]]
    nan_inf = init_values("expr", 1, 2, expr="j / 0")
    assert np.isnan(nan_inf[0, 0]) and nan_inf[0, 1] == np.inf


def test_url_init_wraps_rows_and_columns_like_mm(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text("1,2,3\n4,5,6\n")
    v = init_values("url", 2, 5, url=str(f))
    assert v.tolist() == [[1, 2, 3, 1, 2], [4, 5, 6, 4, 5]]
    assert init_values("url", 5, 2, url=str(f)).tolist() == [[1, 2], [4, 5], [1, 2], [4, 5], [1, 2]]
    # other formats through mmcore.io
    np.save(tmp_path / "m.npy", np.array([[0.5, -1.0]], dtype=np.float32))
    assert init_values("url", 2, 3, url=str(tmp_path / "m.npy")).tolist() == [[0.5, -1, 0.5]] * 2
    # pre-loaded data (the browser path): CSV text or an array
    assert init_values("url", 1, 3, data="7,8").tolist() == [[7, 8, 7]]
    assert init_values("url", 3, 1, data=np.array([[1.5], [2.5]])).tolist() == [[1.5], [2.5], [1.5]]


def test_mm_csv_reading_fallback_keeps_mms_quirks():
    # without mmcore.io: mm's own reading, where a trailing newline is one more row [0]
    rows = parse_csv_text("1,2\n4,5\n")
    assert [r.tolist() for r in rows] == [[1, 2], [4, 5], [0]]


def test_csv_cells_convert_like_javascript_numbers():
    rows = parse_csv_text(" 1.5 ,,abc,-Infinity,0x10,1e3\r\n2")
    assert rows[0][[0, 1, 3, 4, 5]].tolist() == [1.5, 0, -np.inf, 16, 1000]
    assert np.isnan(rows[0][2]) and rows[1].tolist() == [2]


@pytest.mark.parametrize("call, message", [
    (lambda: init_values("zeros", 2, 2), "unknown init 'zeros': expected one of rows"),
    (lambda: init_values("rows", 0, 2), "h must be a positive integer, got 0"),
    (lambda: init_values("rows", 2, 2.5), "w must be a positive integer, got 2.5"),
    (lambda: init_values("rows", 2, 2, min="a"), "min, max and dropout must be numbers"),
    (lambda: init_values("url", 2, 2), "url init: no url given"),
    (lambda: init_values("url", 2, 2, url="missing/nothing.csv"), "url init: cannot load a matrix from 'missing/nothing.csv'"),
    (lambda: init_values("url", 2, 2, data=np.zeros((2, 2, 2))), "url init: expected 2-D data, got shape (2, 2, 2)"),
    (lambda: init_values("expr", 2, 2, expr="i +"), "expr init: end of text at char 3"),
    (lambda: init_values("uniform", 2, 2, rng="seed"), "rng: expected a numpy Generator"),
])
def test_errors_say_what_was_wrong(call, message):
    with pytest.raises(MMError, match=None) as e:
        call()
    assert message in str(e.value)


def _gaussian_by_the_formula(h, w, seed, lo=-1.0, hi=1.0):
    """The gaussian init written plainly (float64 arrays, np.cos), drawing in the same order:
    blocks of 32768 // w rows, all u of a block before its v."""
    g = np.random.default_rng(seed)
    step = max(1, (1 << 15) // w)
    out = np.empty((h, w))
    for r in range(0, h, step):
        rows = min(step, h - r)
        u = 1 - g.random((rows, w))
        v = g.random((rows, w))
        out[r:r + rows] = 0.5 + 0.5 * np.sqrt(-2 * np.log(u)) * np.cos(2 * np.pi * v)
    return (lo + (hi - lo) * out).astype(np.float32)


@pytest.mark.parametrize("h, w, lo, hi", [(300, 200, -1, 1), (70, 40000, 0, 1), (5, 3, -3, 5), (1000, 1, 2, 2)])
def test_gaussian_equals_the_plain_formula_to_float32_precision(h, w, lo, hi):
    """The blocked float32 path (range folded in, polynomial cos) gives the formula's float32
    values: at most one float32 ulp apart, and almost always identical."""
    got = init_values("gaussian", h, w, min=lo, max=hi, rng=11)
    want = _gaussian_by_the_formula(h, w, 11, lo, hi)
    assert got.dtype == np.float32 and got.shape == (h, w) and got.flags.c_contiguous
    ulps = np.abs(got.view(np.int32).astype(np.int64) - want.view(np.int32).astype(np.int64))
    assert ulps.max() <= 1 and (ulps > 0).mean() < 1e-4


def test_gaussian_with_dropout_draws_the_same_values_then_drops():
    kept = init_values("gaussian", 40, 30, dropout=0.25, rng=4)
    full = init_values("gaussian", 40, 30, rng=4)
    nz = kept != 0
    assert 0.6 < nz.mean() < 0.9 and np.array_equal(kept[nz], full[nz])


def test_cos_2pi_is_accurate_to_double_precision():
    from mmcore.values.inits import cos_2pi
    v = np.concatenate([np.random.default_rng(3).random(200_000), [0.0, 0.25, 0.5, 0.75, 0.125, 1 - 2 ** -53]])
    got = cos_2pi(v.copy(), np.empty_like(v), np.empty_like(v))
    exact = np.cos(2 * np.pi * v.astype(np.longdouble))
    assert float(np.abs(got - exact).max()) < 3.5e-16
    assert got[-6:-2].tolist() == [1.0, 0.0, -1.0, 0.0]


@pytest.mark.parametrize("h, w, lo, hi, seed, sha", [
    (300, 200, -1, 1, 1, "066d6c2344081118"),     # mm's default range (span 2)
    (70, 1000, 0, 1, 2, "b43f32d594265402"),      # no range
    (33, 17, -3, 5, 3, "466340150c3b52b2"),
    (1000, 1, 2, 2, 4, "15ba732238928bf5"),       # span 0
    (5, 40000, 1, -1, 5, "baad73f8c7ebc303"),     # max < min: span 0, rows past one block
])
def test_gaussian_bytes_are_pinned(h, w, lo, hi, seed, sha):
    """Every random figure keeps its numbers: the float32 bytes of these draws are fixed (any
    change to the draw order or the arithmetic, even one that is "as accurate", fails here)."""
    import hashlib
    got = init_values("gaussian", h, w, min=lo, max=hi, rng=seed)
    assert hashlib.sha256(got.tobytes()).hexdigest()[:16] == sha
