"""The Python API authors use in cells: leaves, @, names, epilogs, partitions, options, errors."""

import numpy as np
import pytest

import mmcore
from mmcore import MMError


def test_leaf_from_array_and_same_leaf_twice_has_one_set_of_values():
    x = mmcore.matrix("input", 6, 4, init="gaussian")
    wq = mmcore.matrix("wQ", 4, 3, init="uniform")
    wk = mmcore.matrix("wK", 4, 3, init="uniform")
    q = (x @ wq).named("Q")
    k = (x @ wk).named("K")
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    expr = q @ mmcore.matrix("K_t", arr)
    s = mmcore.layout(expr)
    np.testing.assert_array_equal(s.face("R").values, arr)
    def head():
        return q @ (mmcore.matrix("P", 3, 6, init="uniform") @ x)
    both = mmcore.layout(head(), seed=3)
    np.testing.assert_array_equal(both.face("LL").values, both.face("RR").values)   # `input` once
    assert not np.array_equal(both.face("LR").values[:3, :3], both.face("RL").values[:3, :3])
    again = mmcore.layout(head(), seed=3)
    np.testing.assert_array_equal(again.face("LL").values, both.face("LL").values)  # seeded
    other = mmcore.layout(head(), seed=4)
    assert not np.array_equal(other.face("LL").values, both.face("LL").values)
    assert k.shape == (6, 3)


def test_names_text_and_labels():
    A, B, C = (mmcore.matrix(n, 2, 2) for n in "ABC")
    assert (A @ (B @ C)).text() == "A @ (B @ C)"
    named = mmcore.name("attn", A @ B) @ C
    assert named.text() == "(attn = A @ B) @ C" and named.label() == "attn @ C"
    assert mmcore.layout(named).face("L").name == "attn"
    assert A.named("X").name == "X" and A.named("X") == A.named("X")


def test_epilog_changes_values():
    A = mmcore.matrix("A", 3, 4, init="rows")
    B = mmcore.matrix("B", 4, 2, init="cols")
    plain = mmcore.layout(A @ B).face("").values
    relu = mmcore.layout((A @ B).with_epilog("relu")).face("").values
    np.testing.assert_array_equal(relu, np.maximum(plain, 0))
    assert mmcore.layout((A @ B).with_epilog("relu")).face("").epilog == "relu"
    with pytest.raises(MMError, match="epilog"):
        (A @ B).with_epilog("swish")


def test_partition_gaps_and_propagation():
    A = mmcore.matrix("A", 32, 32)
    B = mmcore.matrix("B", 32, 32)
    s = mmcore.layout((A @ B).partition(i=4), gap=4, compute_values=False)   # mm-geometry.md, example 4
    assert s.face("").row_offsets[[0, 7, 8, 15, 16, 31]].tolist() == [0, 7, 12, 19, 24, 43]
    assert s.face("L").row_offsets.tolist() == s.face("").row_offsets.tolist()
    assert s.bbox_min[1] == -51
    s = mmcore.layout((A @ B).partition(k=4), gap=4, compute_values=False)
    assert s.face("L").p00 == (0.0, -4.0, -47.0) and s.node("").extent[2] == 51
    # a k partition becomes j of the left child's result and i of the right child's
    C = mmcore.matrix("C", 32, 16)
    s = mmcore.layout((A @ B @ C).partition(k=2), compute_values=False)
    assert s.face("L").blocks["j"] == [2, 16] and s.face("LR").blocks["j"] == [2, 16]
    assert s.face("R").blocks["i"] == [2, 16]


def test_layout_options_and_errors():
    A, B = mmcore.matrix("A", 4, 3), mmcore.matrix("B", 3, 2)
    s = mmcore.layout(A @ B, polarity="positive", left_placement="right", right_placement="bottom",
                      result_placement="back", gap=2, compute_values=False)
    assert s.node("").placement == "+RBB"
    with pytest.raises(MMError, match="scheme: expected one of blocks, zigzag, wheel, custom; got 'spiral'"):
        mmcore.layout(A @ B, scheme="spiral")
    with pytest.raises(MMError, match="polarity"):
        mmcore.layout(A @ B, polarity="up")
    with pytest.raises(MMError, match="layout option 'gapp'"):
        mmcore.layout(A @ B, gapp=3)
    with pytest.raises(MMError, match="h: expected a positive integer, got 0"):
        mmcore.matrix("A", 0, 3)
    with pytest.raises(MMError, match="init: expected one of"):
        mmcore.matrix("A", 2, 3, init="zeros")
    with pytest.raises(MMError, match="expected a non-empty 2-D array"):
        mmcore.matrix("A", np.zeros((2, 2, 2)))
    with pytest.raises(MMError, match=r"cannot multiply \(C = A @ B\) \(4×2\) by A \(4×3\)"):
        (A @ B).named("C") @ A


def test_custom_scheme_uses_each_nodes_placement():
    A, B, C = (mmcore.matrix(n, 4, 4) for n in "ABC")
    child = (A @ B).placed("negative", "right", "top", "front")
    s = mmcore.layout(child @ C, scheme="custom", compute_values=False)
    assert s.node("L").placement == "-RTF"
    s = mmcore.layout(child @ C, scheme="blocks", compute_values=False)
    assert s.node("L").placement == "+LBB"


def test_expressions_are_immutable():
    A = mmcore.matrix("A", 2, 2)
    node = A @ A
    with pytest.raises(Exception):
        node.epilog = "relu"
    assert node.with_epilog("relu") is not node and node.epilog == "none"


def test_textbook_epilog_is_a_separate_variant():
    A = mmcore.matrix("A", 4, 6, init="uniform")
    B = mmcore.matrix("B", 6, 5, init="uniform")
    mm = mmcore.layout((A @ B).with_epilog("layernorm"))
    tb = mmcore.layout((A @ B).with_epilog("layernorm", textbook=True))
    rows = tb.face("").values.astype(np.float64)
    np.testing.assert_allclose(rows.mean(axis=1), 0, atol=1e-5)           # per-row layernorm
    np.testing.assert_allclose(rows.std(axis=1), 1, atol=1e-3)
    assert not np.allclose(mm.face("").values.mean(axis=1), 0, atol=1e-3)  # mm's is matrix-wide
    assert tb.node("").textbook and not mm.node("").textbook
    assert mmcore.Scene.from_bytes(tb.to_bytes()).node("").textbook
    with pytest.raises(MMError, match="textbook"):
        mmcore.to_mm((A @ B).with_epilog("layernorm", textbook=True))


def test_leaf_from_file(tmp_path):
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.save(tmp_path / "w.npy", arr)
    np.savez(tmp_path / "ws.npz", first=arr, second=arr.T)
    np.testing.assert_array_equal(mmcore.layout(mmcore.matrix("w", tmp_path / "w.npy") @ mmcore.matrix("v", 3, 1))
                                  .face("L").values, arr)
    leaf = mmcore.matrix("s", str(tmp_path / "ws.npz"), key="second")
    assert leaf.shape == (3, 2)


def test_numpy_arrays_mix_with_expressions():
    A = mmcore.matrix("A", 2, 3, init="rows")
    left = np.eye(2) @ A
    right = A @ np.ones((3, 4))
    assert left.shape == (2, 3) and right.shape == (2, 4)
    np.testing.assert_array_equal(mmcore.layout(left).face("").values, mmcore.layout(left).face("R").values)
    np.testing.assert_array_equal(mmcore.layout(right).face("").values, [[-3] * 4, [3] * 4])
