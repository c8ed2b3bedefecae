"""The worked examples of the reference geometry notes (mm-geometry.md section 9), rebuilt in Python."""

import numpy as np

import mmcore

m = mmcore.matrix


def test_single_matmul_blog00():
    s = mmcore.layout(m("L", 32, 24) @ m("R", 24, 32), gap=3, compute_values=False)
    assert s.node("").extent == (37.0, 37.0, 29.0)
    assert (s.face("").p00, s.face("L").p00, s.face("R").p00) == ((3, -3, 0), (0, -3, -26), (3, 0, -26))
    assert s.face("L").col_dir == (0, 0, 1) and s.face("R").row_dir == (0, 0, 1)
    assert s.center == (-18.5, 18.5, 14.5)


def test_blocks_and_back_result_random52():
    e = (m("A", 4, 26, init="eye") @ m("B", 26, 30, init="triu mask")).partition(i=6, k=3, j=1).with_epilog("x/k")
    s = mmcore.layout(e, gap=4, polarity="positive", result_placement="back")
    assert s.face("").row_offsets.tolist() == [0, 5, 10, 15]
    assert s.face("L").col_offsets[[0, 8, 9, 17, 18, 25]].tolist() == [0, 8, 13, 21, 26, 33]
    assert s.node("").extent == (37.0, 23.0, 41.0)
    assert s.face("").p00 == (4, -4, -41)
    assert (s.face("L").p00, s.face("L").row_dir, s.face("L").col_dir) == ((0, -4, -4), (0, -1, 0), (0, 0, -1))
    assert (s.face("R").p00, s.face("R").row_dir, s.face("R").col_dir) == ((4, 0, -4), (0, 0, -1), (1, 0, 0))
    assert s.center == (-18.5, 11.5, 20.5)
    i, j = np.indices((4, 30))
    np.testing.assert_allclose(s.face("").values, (j >= i) / 26, rtol=1e-7)


def test_left_chain_blocks_scheme_ref_block_ex():
    e = m("A", 16, 32) @ m("B", 32, 64) @ m("C", 64, 64) @ m("D", 64, 32)
    s = mmcore.layout(e, gap=4, compute_values=False)
    assert [n.placement for n in s.nodes] == ["-LTF", "+LBB", "-LTF"]
    assert (s.face("L").p00, s.face("L").col_dir) == ((0, -4, -67), (0, 0, 1))
    assert (s.face("LL").p00, s.face("LL").col_dir) == ((-67, -4, -71), (1, 0, 0))
    assert s.face("LLL").p00 == (-71, -4, -106)
    assert (s.face("LR").p00, s.face("LR").row_dir) == ((-67, -23, -67), (1, 0, 0))
    assert s.face("R").p00 == (4, 0, -67)
    assert s.center == (16, 11.5, 55)


def test_scatter_random09():
    e = m("A", 4, 9) @ (m("B", 9, 5) @ m("C", 5, 4))
    opts = dict(scheme="wheel", result_placement="back", gap=2, compute_values=False)
    assert mmcore.layout(e, **opts).face("R").p00 == (2, 0, -10)
    assert mmcore.layout(e, scatter=1, molecule=1, blast=0.55, **opts).face("R").p00 == (2, 1, -10)
    assert mmcore.layout(e, scatter=1, molecule=2, blast=0.55, **opts).face("R").p00 == (2, 0, -10)   # below molecule
