"""state_at: revealed result cells, product planes, partial sums and highlights against numpy."""

import doctest

import numpy as np
import pytest

import mmcore
import mmcore.anim
from mmcore.anim import Animation, schedule_of, state_at


def setup(I=6, K=5, J=4, **part):
    L = mmcore.matrix("L", I, K, init="gaussian")
    R = mmcore.matrix("R", K, J, init="gaussian")
    e = L @ R
    if part:
        e = e.partition(**part)
    return e


def faces(scene, path=""):
    return (scene.face(path + "L").values.astype(np.float32), scene.face(path + "R").values.astype(np.float32),
            scene.face(path).values)


def test_vmprod_step_n_reveals_rows_0_to_n_and_shows_row_n_products():
    scene = mmcore.layout(setup(), anim="vmprod")
    L, R, res = faces(scene)
    for n in range(6):
        st = state_at(scene, n)[""]
        assert st.phase == "active"
        assert np.array_equal(st.revealed, np.arange(6)[:, None].repeat(4, 1) <= n)
        np.testing.assert_allclose(st.values[: n + 1], (L.astype(np.float64) @ R)[: n + 1], rtol=1e-5)
        assert np.isnan(st.values[n + 1:]).all()
        (plane,) = st.products
        assert plane.kind == "kj" and plane.fixed == n
        assert np.array_equal(plane.values, L[n][:, None] * R)
        assert st.left_highlight[n].all() and st.left_highlight.sum() == 5 and not st.right_highlight.any()
    assert state_at(scene, 6)[""].local == 0        # the cycle repeats


def test_mvprod_sweeps_columns_with_a_vertical_plane():
    scene = mmcore.layout(setup(), anim="mvprod")
    L, R, res = faces(scene)
    st = state_at(scene, 2)[""]
    assert np.array_equal(st.revealed.all(axis=0), [True, True, True, False])
    (plane,) = st.products
    assert plane.kind == "ik" and plane.fixed == 2
    assert np.array_equal(plane.values, L * R[:, 2][None, :])
    assert st.right_highlight[:, 2].all() and st.right_highlight.sum() == 5


@pytest.mark.parametrize("alg", ["dotprod (row major)", "dotprod (col major)"])
def test_dot_products_reveal_one_cell_per_step(alg):
    scene = mmcore.layout(setup(), anim=alg)
    L, R, res = faces(scene)
    full = L.astype(np.float64) @ R
    for n in (0, 5, 13, 23):
        st = state_at(scene, n)[""]
        assert st.revealed.sum() == n + 1
        i, j = (n // 4, n % 4) if alg.endswith("(row major)") else (n % 6, n // 6)
        assert st.revealed[i, j] and np.isclose(st.values[i, j], full[i, j], rtol=1e-5)
        (plane,) = st.products
        shown = plane.values[plane.mask]
        assert np.array_equal(shown, L[i] * R[:, j])          # the K×1 line L[i, k] R[k, j]
        assert st.left_highlight[i].all() and st.right_highlight[:, j].all()


def test_vvprod_accumulates_outer_products_with_the_epilog_reapplied():
    e = setup().with_epilog("relu")
    scene = mmcore.layout(e, anim="vvprod")
    L, R, _ = faces(scene)
    L64, R64 = L.astype(np.float64), R.astype(np.float64)
    for n in range(5):
        st = state_at(scene, n)[""]
        assert st.revealed.all()
        np.testing.assert_allclose(st.values, np.maximum(L64[:, : n + 1] @ R64[: n + 1], 0), rtol=1e-5, atol=1e-6)
        (plane,) = st.products
        assert plane.kind == "ij" and np.array_equal(plane.values, L[:, n][:, None] * R[n][None, :])
        assert st.left_highlight[:, n].all() and st.right_highlight[n].all()


def test_axpy_sweeps_k_within_each_column():
    scene = mmcore.layout(setup(), anim="axpy")
    L, R, _ = faces(scene)
    L64, R64 = L.astype(np.float64), R.astype(np.float64)
    st = state_at(scene, 5 * 2 + 3)[""]                 # column 2, k = 3
    expect = np.zeros((6, 4))
    expect[:, :2] = L64 @ R64[:, :2]
    expect[:, 2] = L64[:, :4] @ R64[:4, 2]
    np.testing.assert_allclose(st.values, expect, rtol=1e-5, atol=1e-6)
    (plane,) = st.products
    assert np.array_equal(plane.values[plane.mask], L[:, 3] * R[3, 2])
    assert st.right_highlight.sum() == 1 and st.right_highlight[3, 2]


def test_i_and_j_blocks_animate_in_parallel():
    scene = mmcore.layout(setup(12, 5, 8, i=3, j=2), anim="vmprod")
    L, R, _ = faces(scene)
    st = state_at(scene, 1)[""]
    rows = np.nonzero(st.revealed.all(axis=1))[0].tolist()
    assert rows == [0, 1, 4, 5, 8, 9]
    assert len(st.products) == 3 * 2
    for p in st.products:
        bi, bk, bj = p.block
        assert p.fixed == bi * 4 + 1
        assert np.array_equal(p.values, L[p.fixed][:, None] * R[:, bj * 4:(bj + 1) * 4])


def test_k_partitions_show_split_k_partial_sum_planes():
    scene = mmcore.layout(setup(6, 8, 4, k=2), anim="vmprod")
    L, R, res = faces(scene)
    st = state_at(scene, 2)[""]
    assert not st.revealed.any()                      # the partial planes stand in for the result
    assert len(st.partials) == 2 and len(st.products) == 2
    total = np.zeros((6, 4))
    for bk, p in enumerate(st.partials):
        part = L[:, bk * 4:(bk + 1) * 4].astype(np.float64) @ R[bk * 4:(bk + 1) * 4]
        np.testing.assert_allclose(p.values, part, rtol=1e-5, atol=1e-6)
        assert np.array_equal(p.mask.all(axis=1), [True, True, True, False, False, False])
        total += p.values
    np.testing.assert_allclose(total, res, rtol=1e-4, atol=1e-5)
    done = state_at(scene, 5)[""]
    assert done.phase == "active" and state_at(mmcore.layout(setup(6, 8, 4, k=2) @ mmcore.matrix("Z", 4, 2),
                                                             anim="vmprod"), 6)["L"].phase == "done"


def test_unfused_chain_pending_parent_is_hidden_and_done_child_is_whole():
    A, B, C = mmcore.matrix("A", 3, 4), mmcore.matrix("B", 4, 5), mmcore.matrix("C", 5, 2)
    scene = mmcore.layout(A @ B @ C, anim="vmprod")
    st = state_at(scene, 1)
    assert st[""].phase == "pending" and not st[""].revealed.any() and not st[""].products
    assert st["L"].phase == "active"
    st = state_at(scene, 3)                            # the child's idle step
    assert st["L"].phase == "done" and st["L"].revealed.all() and st[""].phase == "pending"
    st = state_at(scene, 4)
    assert st[""].phase == "active" and st[""].revealed[0].all() and not st[""].revealed[1:].any()


def test_hide_inputs_turns_off_highlights():
    scene = mmcore.layout(setup(), anim=Animation("vmprod", hide_inputs=True))
    st = state_at(scene, 0)[""]
    assert not st.left_highlight.any() and scene.anim["hidden"] == ["L", "R"]


def test_state_at_takes_an_expression_too():
    st = state_at(setup(), 0, anim="mvprod")[""]
    assert st.alg == "mvprod"
    with pytest.raises(mmcore.MMError, match="has no animation"):
        state_at(setup(), 0)


def test_same_step_same_picture():
    scene = mmcore.layout(setup(), anim="vvprod")
    a, b = state_at(scene, 3)[""], state_at(scene, 3 + 5 * 7)[""]
    assert np.array_equal(a.values, b.values) and np.array_equal(a.products[0].values, b.products[0].values)


@pytest.mark.parametrize("name", ["mmcore.anim", "mmcore.anim._spec", "mmcore.anim._timeline",
                                  "mmcore.anim._state", "mmcore.anim._attach"])
def test_docstring_examples(name):
    import importlib
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_product_planes_colour_by_the_parents_sensitivity():
    L = mmcore.matrix("L", np.array([[1.0, -3.0], [2.0, 0.5]]))
    R = mmcore.matrix("R", np.array([[4.0, 1.0], [0.5, -2.0]]))
    products = np.abs(L.data[:, :, None] * R.data[None, :, :])
    local = float(products.max())                      # 8 = 2 * 4
    assert local == 8.0
    ranges = {s: mmcore.layout(L @ R, anim="vmprod", sensitivity=s).anim["tracks"][0]["product_range"]
              for s in ("global", "local", "semilocal", "superlocal")}
    gmax = mmcore.layout(L @ R).viz["global_absmax"]
    assert ranges["global"] == [0.0, gmax]
    assert ranges["local"] == ranges["superlocal"] == [0.0, local]
    assert np.isclose(ranges["semilocal"][1], np.sqrt(local * gmax))
