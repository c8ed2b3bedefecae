"""Legends, row guides and flow vanes follow mm's deco rules."""

import numpy as np

import mmcore


def _scene(**opts):
    A = mmcore.matrix("A", 32, 24)
    B = mmcore.matrix("B", 24, 32)
    C = mmcore.matrix("a_long_name", 32, 16)
    return mmcore.layout((A @ B).partition(i=2) @ C, compute_values=False, **opts)


def test_legends_names_sizes_and_shape_texts():
    s = _scene(legends=6)
    names = {lb.face: lb for lb in s.labels if lb.kind == "name"}
    assert set(names) == {f.path for f in s.faces}
    assert np.isclose(names["LL"].size, 6 * np.cbrt(32 * 24) / 10, atol=1e-6)
    assert np.isclose(names["R"].size, 6 * np.cbrt(32 * 16) / 10 * 8 / 11, atol=1e-6)   # long name shrinks
    shapes = sorted((lb.face, lb.text) for lb in s.labels if lb.kind == "shape")
    assert shapes == [("", "I = 32 / 2"), ("", "J = 16"), ("LL", "I = 32 / 2"), ("LL", "K = 24"),
                      ("LR", "J = 32"), ("LR", "K = 24"), ("R", "J = 16"), ("R", "K = 32")]
    for lb in s.labels:               # every legend lies in (or one unit off) its face's plane
        f = s.face(lb.face)
        depth = abs(np.dot(np.asarray(lb.position) - np.asarray(f.p00), f.normal()))
        assert np.isclose(depth, 1.0) and abs(np.dot(lb.right, f.normal())) < 1e-9
    assert _scene(legends=0).labels == ()
    assert all(lb.kind == "name" for lb in _scene(shape_legends=False).labels)


def test_row_guides_per_block():
    s = _scene()
    g = {x.face: x for x in s.guides}
    # 32 rows in 2 blocks of 16: per block 2 column borders + rows every 15/8 (9 lines) + corner diagonal
    assert g["LL"].lines.shape == (2 * (2 + 9 + 1), 2, 3)
    # row lines run along the face's columns, through element centres
    face = s.face("LL")
    first_row = g["LL"].lines[2]
    np.testing.assert_allclose(first_row[0], face.position(0, 0), atol=1e-6)
    np.testing.assert_allclose(first_row[1], face.position(0, 23), atol=1e-6)
    assert _scene(row_guides=0).guides == ()


def test_flow_vanes_point_into_the_result():
    s = _scene(flow_guides=0.5)
    for node in s.nodes:
        res = s.face(node.path)
        n = res.normal()
        plane = np.dot(res.p00, n)
        for arrow in (a for a in s.arrows if a.node == node.path):
            start, mid, tip = (np.asarray(p) for p in arrow.points)
            assert abs(np.dot(tip, n) - plane) < abs(np.dot(mid, n) - plane)   # the tip is nearer the result
            arg = s.face(node.left if arrow.side == "left" else node.right)
            m = arg.normal()
            arg_plane = np.dot(arg.p00, m)
            assert abs(np.dot(start, m) - arg_plane) < abs(np.dot(mid, m) - arg_plane)   # starts toward its argument
    assert len(s.arrows) == 2 * len(s.nodes)
    assert _scene(flow_guides=0).arrows == ()
