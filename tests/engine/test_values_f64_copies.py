"""The float64 copies a matmul's arguments are handed (instead of widening them itself) hold
exactly the float32 values, and using them changes no bit of any value.

``matmul_values_and_f64`` (the result widened into the matmul's own accumulator) and ``Values``,
which passes it from a node to its parent; plus the gaussian's shorter cos reduction for its draws.
"""

from __future__ import annotations

import numpy as np
import pytest

import mmcore
from mmcore.errors import MMError
from mmcore.values.epilogs import EPILOG_NAMES, apply_epilog, matmul_values, matmul_values_and_f64
from mmcore.values.inits import _cos_2pi_draws, cos_2pi, init_values
from mmcore.geometry.expr import Leaf
from mmcore.values.tree import Values, evaluate, leaf_order


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def test_cos_of_draws_has_the_bits_of_cos_2pi():
    """s = |v - 1/2| - 1/4 is the reduction's number exactly, for every draw of Generator.random,
    the edges included (1/4 and 3/4 give +0, 1/2 gives -1)."""
    v = np.concatenate([np.random.default_rng(5).random(100_000),
                        [0.0, 2.0 ** -53, 0.25, 0.5 - 2.0 ** -53, 0.5, 0.5 + 2.0 ** -53, 0.75, 1 - 2.0 ** -53]])
    want = cos_2pi(v.copy(), np.empty_like(v), np.empty_like(v))
    got = _cos_2pi_draws(v.copy(), np.empty_like(v), np.empty_like(v))
    assert _same_bits(got, want)
    assert got[-8] == 1.0 and got[-4] == -1.0
    assert got[[-6, -2]].tolist() == [0.0, 0.0] and not np.signbit(got[[-6, -2]]).any()


def _args(rng, i, k, j):
    left = (rng.standard_normal((i, k)) * 3).astype(np.float32)
    right = (rng.standard_normal((k, j)) * 3).astype(np.float32)
    left[0, 0] = np.inf                      # inf·0 sums to NaN, which mm turns into 0
    right[0, 0] = 0.0
    return left, right


@pytest.mark.parametrize("epilog", EPILOG_NAMES)
@pytest.mark.parametrize("shape", [(40, 30, 50), (90, 20, 30)])     # (90, 30): the causal over-read (W < H)
def test_matmul_copy_changes_no_bit_and_is_the_result_widened(epilog, shape):
    left, right = _args(np.random.default_rng(len(epilog)), *shape)
    want = matmul_values(left, right, epilog)
    for kw in ({}, dict(left64=left.astype(np.float64)), dict(right64=right.astype(np.float64)),
               dict(left64=left.astype(np.float64), right64=right.astype(np.float64))):
        got, got64 = matmul_values_and_f64(left, right, epilog, **kw)
        assert _same_bits(got, want), kw
        assert _same_bits(got64, want.astype(np.float64)), kw
    got, none = matmul_values_and_f64(left, right, epilog, result64=False)
    assert _same_bits(got, want) and none is None


def test_epilog_into_acc_textbook_too():
    acc = np.random.default_rng(3).standard_normal((50, 40)) * 10
    for name in ("gelu", "softmax(tril(x/sqrt(k)))", "layernorm"):
        want = apply_epilog(acc.copy(), name, 40, textbook=True)
        scratch = acc.copy()
        got = apply_epilog(scratch, name, 40, textbook=True, overwrite=True, f64_into_acc=True)
        assert _same_bits(got, want) and _same_bits(scratch, want.astype(np.float64))


def test_bad_copies_are_clear_errors():
    a = np.ones((2, 3), np.float32)
    with pytest.raises(MMError, match="float64 copy of a"):
        matmul_values_and_f64(a, a.T, left64=np.ones((3, 2)))
    with pytest.raises(MMError, match="float64 copy of a"):
        matmul_values_and_f64(a, a.T, right64=a.T.astype(np.float32))
    with pytest.raises(MMError, match="f64_into_acc needs overwrite"):
        apply_epilog(np.ones((2, 2)), "none", 2, f64_into_acc=True)


def _by_hand(expr, seed=0):
    """Every node's values with init_values and matmul_values only (no float64 copies passed)."""
    leaves = {leaf.uid: i for i, leaf in enumerate(leaf_order(expr))}
    memo = {}

    def visit(node):
        key = ("leaf", node.uid) if isinstance(node, Leaf) else id(node)
        if key not in memo:
            if isinstance(node, Leaf):
                memo[key] = init_values(node.init, node.h, node.w, min=node.min, max=node.max,
                                        rng=np.random.default_rng([seed, leaves[node.uid]]))
            else:
                memo[key] = matmul_values(visit(node.left), visit(node.right), node.epilog)
        return memo[key]
    visit(expr)
    return memo


def test_values_pass_copies_without_changing_a_value():
    """A leaf used twice, a node asked for before its parent (widened again then), leaves of
    several inits, and the root: all as computed without copies."""
    g = dict(init="gaussian")
    a = mmcore.matrix("A", 20, 30, **g)
    b = mmcore.matrix("B", 30, 20, init="uniform")
    ab = (a @ b).with_epilog("gelu")
    expr = ((ab @ a).with_epilog("layernorm") @ mmcore.matrix("C", 30, 10, **g)).with_epilog("softmax")
    want = _by_hand(expr)
    got = evaluate(expr)._by_key
    assert want.keys() == got.keys()
    for key in want:
        assert _same_bits(got[key], want[key]), key
    early = Values(expr)
    first = early.of(ab).copy()                # computed alone: the parent widens it later
    assert _same_bits(first, want[id(ab)]) and _same_bits(early.of(expr), want[id(expr)])
