"""from_mm / to_mm: params, JSON text, links, settings carried along, errors naming key paths."""

import copy
import json
import urllib.parse

import numpy as np
import pytest

import mmcore
from mmcore import MMError

from ._reference import blog_cases


def _small_params():
    return {"expr": "C = A @ B", "name": "C", "epilog": "relu",
            "left": {"name": "A", "matmul": False, "h": 4, "w": 3, "init": "rows", "min": -1, "max": 1},
            "right": {"name": "B", "matmul": False, "h": 3, "w": 5, "init": "eye"},
            "block": {"i blocks": 2, "j blocks": 1, "k blocks": 1},
            "layout": {"scheme": "blocks", "gap": 2, "polarity": "positive", "left placement": "left",
                       "right placement": "top", "result placement": "back"},
            "viz": {"sensitivity": "local", "hue gap": 0.7}, "deco": {"legends": 3}}


def test_params_dict_json_and_link_agree():
    p = _small_params()
    link = "https://bhosmer.github.io/mm/index.html?params=" + urllib.parse.quote(json.dumps(p))
    scenes = [mmcore.layout(mmcore.from_mm(src)) for src in (p, json.dumps(p), link)]
    blobs = {s.to_bytes() for s in scenes}
    assert len(blobs) == 1
    s = scenes[0]
    assert s.title == "C = A @ B" and s.gap == 2 and s.viz["sensitivity"] == "local"
    assert s.viz["hue_gap"] == 0.7 and s.node("").placement == "+LTB" and s.face("").blocks["i"] == [2, 2]
    np.testing.assert_array_equal(s.face("").values, np.maximum(s.face("").values, 0))
    assert s.face("").epilog == "relu"


@pytest.mark.parametrize("path, value, message", [
    (("left", "h"), "x", 'params.left.h: expected a positive integer, got "x"'),
    (("left", "w"), -2, "params.left.w: expected a positive integer, got -2"),
    (("right", "init"), "zeros", 'params.right.init: expected one of'),
    (("layout", "gap"), "wide", 'params.layout.gap: expected a number, got "wide"'),
    (("layout", "polarity"), "up", 'params.layout.polarity: expected one of "negative", "positive", got "up"'),
    (("block", "k blocks"), 0, "params.block.k blocks: expected a positive integer, got 0"),
    (("viz", "sensitivity"), "loud", "params.viz.sensitivity: expected one of"),
    (("left",), 7, "params.left: expected an object, got 7"),
    (("epilog",), "swish", "params.epilog: expected one of"),
])
def test_malformed_params_name_the_key_path(path, value, message):
    p = _small_params()
    target = p
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(MMError) as err:
        mmcore.from_mm(p)
    assert message in str(err.value)


def test_nested_key_paths_and_bad_text():
    p = _small_params()
    p["left"] = {"matmul": True, "left": {"name": "X", "h": 4, "w": 2},
                 "right": {"name": "Y", "h": 2, "w": "three"}}
    with pytest.raises(MMError, match='params.left.right.w: expected a positive integer, got "three"'):
        mmcore.from_mm(p)
    with pytest.raises(MMError, match="params: expected JSON text"):
        mmcore.from_mm("{not json")
    with pytest.raises(MMError, match="from_mm: expected mm params"):
        mmcore.from_mm(42)


def test_right_leaf_height_follows_the_left_width_as_in_mm():
    p = _small_params()
    p["right"]["h"] = 9       # mm ignores a right leaf's disagreeing h
    assert mmcore.from_mm(p).right.shape == (3, 5)


def test_to_mm_round_trip_keeps_picture():
    x = mmcore.matrix("x", 6, 5, init="row major")
    expr = ((x @ mmcore.matrix("w", 5, 4, init="col major")).named("h").with_epilog("gelu")
            @ (mmcore.matrix("u", 4, 3, expr="i - j") @ mmcore.matrix("v", 3, 7, init="diff"))).partition(k=2)
    opts = dict(gap=3, scheme="zigzag", sensitivity="semilocal", polarity="positive", scatter=2)
    ours = mmcore.layout(expr, **opts)
    link = mmcore.to_mm(expr, **opts)
    assert link.startswith("https://bhosmer.github.io/mm/index.html?")
    back = mmcore.layout(mmcore.from_mm(link))
    assert back.title == ours.title
    for f in ours.faces:
        g = back.face(f.path)
        assert (g.name, g.shape, g.blocks) == (f.name, f.shape, f.blocks)
        np.testing.assert_allclose(g.positions(), f.positions(), atol=1e-9)
        np.testing.assert_array_equal(g.values, f.values)
    assert back.viz == ours.viz


def test_to_mm_of_array_leaves_and_limits():
    table = np.array([[1.5, -2.0, np.nan], [0.1, 3.0, -np.inf]], dtype=np.float32)
    a = mmcore.matrix("a", table)
    b = mmcore.matrix("b", 3, 2, init="eye")
    back = mmcore.layout(mmcore.from_mm(mmcore.to_mm(a @ b)))
    np.testing.assert_array_equal(back.face("L").values, table)
    big = mmcore.matrix("big", np.ones((100, 100)))
    with pytest.raises(MMError, match="at most 4096"):
        mmcore.to_mm(big @ mmcore.matrix("c", 100, 2))


def test_blog_params_round_trip_through_to_mm():
    case = next(c for c in blog_cases() if c["id"] == "blog25")
    expr = mmcore.from_mm(case["params"])
    first = mmcore.layout(expr, compute_values=False)
    again = mmcore.layout(mmcore.from_mm(mmcore.to_mm(expr)), compute_values=False)
    for f in first.faces:
        np.testing.assert_allclose(again.face(f.path).position(0, 0), f.position(0, 0))
        assert again.face(f.path).name == f.name
    assert again.title == first.title


def test_positions_need_no_values_and_values_fail_clearly():
    """An mm link whose leaves load from an unreachable URL still lays out; its values raise MMError."""
    p = _small_params()
    p["left"].update(init="url", url="http://127.0.0.1:9/missing.csv")
    scene = mmcore.layout(mmcore.from_mm(p))
    assert scene.face("L").positions().shape == (4, 3, 3)
    assert scene.face("").position(3, 4).tolist() == mmcore.layout(mmcore.from_mm(_small_params())).face("").position(3, 4).tolist()
    with pytest.raises(MMError, match="url init"):
        scene.face("").values
    with pytest.raises(MMError, match="url init"):
        scene.to_bytes()


def test_child_layout_gap_and_scatter_merge_over_the_parents():
    """mm merges a child's ``layout`` group over its parent's: a child's own gap sizes its cube."""
    p = _small_params()
    p["left"] = {"matmul": True, "name": "X", "layout": {"polarity": "negative", "left placement": "left",
                                                          "right placement": "top", "result placement": "front",
                                                          "gap": 1},
                 "left": {"name": "P", "h": 4, "w": 6}, "right": {"name": "Q", "h": 6, "w": 3}}
    e = mmcore.from_mm(p)
    s = mmcore.layout(e, compute_values=False)
    assert s.node("").extent == (5 + 3, 4 + 2 + 3, 3 + 3)       # root gap 2: W=5, H=4 in 2 blocks, D=3
    assert s.node("L").extent == (3 + 1, 4 + 1 + 1, 6 + 1)      # child gap 1 (its i blocks come from the root)
    assert s.face("LL").row_offsets.tolist() == [0, 1, 3, 4]
    assert s.face("LL").p00 != mmcore.layout(mmcore.from_mm(_small_params() | {"left": p["left"] | {
        "layout": {k: v for k, v in p["left"]["layout"].items() if k != "gap"}}}), compute_values=False).face("LL").p00
    back = mmcore.layout(mmcore.from_mm(mmcore.to_mm(e)), compute_values=False)
    for f in s.faces:
        np.testing.assert_allclose(back.face(f.path).positions(), f.positions())
