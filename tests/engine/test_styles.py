"""Per-node colour and legend settings: mm merges a child's own ``viz``/``deco`` over its parent's."""

import numpy as np

import mmcore

from ._reference import blog_cases


def _expr():
    A, B, C = (mmcore.matrix(n, 6, 6, init="rows") for n in "ABC")
    return ((A @ B).styled(sensitivity="local", min_size=0.1, legends=3) @ C).styled(row_guides=0.25)


def test_styled_subtree_faces_carry_their_differences():
    s = mmcore.layout(_expr(), sensitivity="global")
    assert s.face("L").style == {"sensitivity": "local", "min_size": 0.1, "legends": 3.0, "row_guides": 0.25}
    assert s.face("LL").style == s.face("L").style                    # the subtree inherits
    assert s.face("R").style == {"row_guides": 0.25}                  # the root's own style reaches all
    local = s.face("L")
    assert local.color_range == (0.0, local.absmax)                   # local, not the global maximum
    assert s.face("R").color_range == (0.0, s.viz["global_absmax"])
    names = {lb.face: lb.size for lb in s.labels if lb.kind == "name"}
    assert np.isclose(names["LL"], 3 * np.cbrt(36) / 10, atol=1e-6) and np.isclose(names["R"], 6 * np.cbrt(36) / 10, atol=1e-6)
    assert {g.alpha for g in s.guides} == {0.25}
    back = mmcore.Scene.from_bytes(s.to_bytes())
    assert back.face("L").style == s.face("L").style and back.face("R").style == {"row_guides": 0.25}


def test_styles_travel_through_mm_links():
    expr = _expr()
    back = mmcore.layout(mmcore.from_mm(mmcore.to_mm(expr, sensitivity="global")))
    ours = mmcore.layout(expr, sensitivity="global")
    for f in ours.faces:             # the root's own style becomes the figure's settings in the link
        assert back.face(f.path).color_range == f.color_range, f.path
    assert [(lb.text, lb.size) for lb in back.labels] == [(lb.text, lb.size) for lb in ours.labels]
    assert [g.alpha for g in back.guides] == [g.alpha for g in ours.guides]
    assert back.face("L").style == {"sensitivity": "local", "min_size": 0.1, "legends": 3.0}


def test_essay_link_with_a_nested_viz():
    case = next(c for c in blog_cases() if c["id"] == "blog21")
    s = mmcore.layout(mmcore.from_mm(case["url"]))
    assert s.face("LL").style["min_size"] == 0.2 and s.face("LL").style["elem_scale"] == 1.25
    assert s.face("LLL").style == s.face("LL").style and s.face("LR").style is None
    names = {lb.face: lb.size for lb in s.labels if lb.kind == "name"}
    h, w = s.face("LR").shape            # root legends 5.28; the LL subtree's own deco says 6
    assert np.isclose(names["LR"], 5.28 * np.cbrt(h * w) / 10, atol=1e-5)
    h, w = s.face("LLR").shape
    assert np.isclose(names["LLR"], 6 * np.cbrt(h * w) / 10, atol=1e-5)
