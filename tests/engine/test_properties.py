"""Property tests on random expression trees: the geometry contract of DESIGN section 4."""

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mmcore
from mmcore import Leaf, MatMul

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_names = itertools.count()


@st.composite
def trees(draw, h=None, w=None, depth=0, max_depth=3, leafy=2):
    """Random trees of matmuls up to ``max_depth``; a child is a leaf with probability 1/leafy."""
    h = h or draw(st.integers(1, 9))
    w = w or draw(st.integers(1, 9))
    if depth > 0 and (depth >= max_depth or draw(st.integers(1, leafy)) == 1):
        return mmcore.matrix(f"M{next(_names)}", h, w, init="rows")
    k = draw(st.integers(1, 9))
    left = draw(trees(h, k, depth + 1, max_depth, leafy))
    right = draw(trees(k, w, depth + 1, max_depth, leafy))
    node = left @ right
    if draw(st.integers(0, 3)) == 0:
        node = node.partition(i=draw(st.integers(1, 4)), j=draw(st.integers(1, 4)), k=draw(st.integers(1, 4)))
    return node


placements = st.fixed_dictionaries({
    "polarity": st.sampled_from(["negative", "positive"]), "left_placement": st.sampled_from(["left", "right"]),
    "right_placement": st.sampled_from(["top", "bottom"]), "result_placement": st.sampled_from(["front", "back"])})


def _walk(expr, path=""):
    yield path, expr
    if isinstance(expr, MatMul):
        yield from _walk(expr.left, path + "L")
        yield from _walk(expr.right, path + "R")


def _project(face, axis):
    """Projection of every element onto ``axis``, (H, W)."""
    return face.positions() @ np.asarray(axis, dtype=float)


@SETTINGS
@given(expr=trees(), scheme=st.sampled_from(["blocks", "zigzag", "wheel"]), gap=st.integers(1, 5),
       scatter=st.sampled_from([0, 0, 3]), place=placements)
def test_shared_edges_and_planar_faces(expr, scheme, gap, scatter, place):
    scene = mmcore.layout(expr, scheme=scheme, gap=gap, scatter=scatter, compute_values=False, **place)
    for face in scene.faces:
        n = face.normal()
        assert abs(np.dot(face.row_dir, face.col_dir)) < 1e-12 and np.isclose(np.linalg.norm(n), 1)
        depth = face.positions() @ n
        np.testing.assert_allclose(depth, depth.flat[0], atol=1e-9)          # planar
    for node in scene.nodes:
        res, left, right = scene.face(node.path), scene.face(node.left), scene.face(node.right)
        ax, ay, az = node.axes
        # L and the result share their i rows; R and the result their j columns; L and R share k
        np.testing.assert_allclose(_project(left, ay)[:, :1], _project(res, ay)[:, :1], atol=1e-9)
        np.testing.assert_allclose(_project(right, ax)[:1, :], _project(res, ax)[:1, :], atol=1e-9)
        np.testing.assert_allclose(_project(left, az)[:1, :].T, _project(right, az)[:, :1], atol=1e-9)
        # and every face lies on its cube (or on a scattered slot outside it along the slot axis)
        I, K, J = node.shape
        assert res.shape == (I, J) and left.shape == (I, K) and right.shape == (K, J)


@SETTINGS
@given(expr=trees(), scheme=st.sampled_from(["blocks", "zigzag"]), gap=st.integers(1, 5), place=placements)
def test_child_result_is_parent_argument_face(expr, scheme, gap, place):
    scene = mmcore.layout(expr, scheme=scheme, gap=gap, compute_values=False, **place)
    nodes = {n.path: n for n in scene.nodes}
    for node in scene.nodes:
        ex, ey, ez = node.extent
        ax, ay, _ = (np.asarray(a) for a in node.axes)
        origin = np.asarray(node.origin)
        for side, path in (("L", node.left), ("R", node.right)):
            face = scene.face(path)
            assert face.kind == ("result" if path in nodes else "leaf")
            axis, pl = (ax, node.placement[1]) if side == "L" else (ay, node.placement[2])
            plane = 0.0 if pl in ("L", "T") else (ex if side == "L" else ey)
            np.testing.assert_allclose(_project(face, axis) - origin @ axis, plane, atol=1e-9)


def _boxes(scene):
    out = []
    for node in scene.nodes:
        a, b = node.corners()
        out.append((node.path, np.minimum(a, b), np.maximum(a, b)))
    return out


def _collision(scene):
    for (p, lo1, hi1), (q, lo2, hi2) in itertools.combinations(_boxes(scene), 2):
        if np.all(np.minimum(hi1, hi2) - np.maximum(lo1, lo2) > 1e-9):
            return p, q
    return None


@SETTINGS
@given(expr=trees(max_depth=3, leafy=6), gap=st.integers(1, 5), place=placements)
def test_blocks_scheme_cubes_do_not_intersect(expr, gap, place):
    scene = mmcore.layout(expr, scheme="blocks", gap=gap, compute_values=False, **place)
    assert _collision(scene) is None


def test_collision_check_finds_zigzag_overlap():
    """The same check does find overlaps: a saturated binary tree collides under zigzag and wheel."""
    m = [mmcore.matrix(n, 4, 4) for n in "ABCDEFGH"]
    expr = ((m[0] @ m[1]) @ (m[2] @ m[3])) @ ((m[4] @ m[5]) @ (m[6] @ m[7]))
    assert _collision(mmcore.layout(expr, scheme="zigzag", compute_values=False)) == ("LR", "RL")
    assert _collision(mmcore.layout(expr, scheme="wheel", compute_values=False)) == ("LR", "RL")
    assert _collision(mmcore.layout(expr, scheme="blocks", compute_values=False)) is None


@SETTINGS
@given(expr=trees(), seed=st.integers(0, 3))
def test_bytes_deterministic_and_round_trip(expr, seed):
    scene = mmcore.layout(expr, seed=seed)
    a = scene.to_bytes()
    assert a == mmcore.layout(expr, seed=seed).to_bytes()
    back = mmcore.Scene.from_bytes(a)
    assert back.to_bytes() == a
    for path, _ in _walk(expr):
        np.testing.assert_array_equal(back.face(path).values, scene.face(path).values)
        np.testing.assert_array_equal(back.face(path).positions(), scene.face(path).positions())
