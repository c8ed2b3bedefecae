"""A laid-out scene remembers what it was laid out from, so a cell ending in ``mmcore.layout(...)`` gets an mm
link (the figure's "mm" button) like a bare expression; ``to_mm`` takes layout's animation keywords."""

import numpy as np

import mmcore
from mmcore.cell import run_cell
from mmcore.wire.codec import read_header

BANDS = ('L = mmcore.matrix("L", 32, 24, expr="-2 * (Math.trunc(i / 8) % 2) + 1")\n'
         'R = mmcore.matrix("R", 24, 32, expr="-2 * (Math.trunc(j / 8) % 2) + 1")\n')


def test_to_mm_takes_the_animation_keywords_of_layout():
    L = mmcore.matrix("L", 32, 24, expr="-2 * (Math.trunc(i / 8) % 2) + 1")
    R = mmcore.matrix("R", 24, 32, expr="-2 * (Math.trunc(j / 8) % 2) + 1")
    options = dict(gap=5, sensitivity="semilocal", anim="mvprod", anim_speed=12)
    link = mmcore.to_mm(L @ R, **options)
    assert mmcore.layout(mmcore.from_mm(link)).to_bytes() == mmcore.layout(L @ R, **options).to_bytes()


def test_a_cell_ending_in_layout_carries_the_link_of_the_same_picture():
    scene = run_cell(BANDS + 'mmcore.layout(L @ R, gap=5, scheme="zigzag", anim="mvprod", anim_speed=12)',
                     cell_id="t").scene
    link = read_header(scene)["mm_link"]
    assert link.startswith("https://bhosmer.github.io/mm/")
    drawn, opened = mmcore.Scene.from_bytes(scene), mmcore.layout(mmcore.from_mm(link))
    assert [f.path for f in drawn.faces] == [f.path for f in opened.faces]
    for a, b in zip(drawn.faces, opened.faces):
        np.testing.assert_array_equal(a.values, b.values)
        np.testing.assert_allclose(a.positions(), b.positions(), atol=1e-9)
    assert drawn.anim == opened.anim


def test_a_decoded_scene_has_no_source_and_no_link():
    scene = run_cell(BANDS + "mmcore.Scene.from_bytes(mmcore.layout(L @ R).to_bytes())", cell_id="t").scene
    assert "mm_link" not in read_header(scene)
    assert mmcore.Scene.from_bytes(scene).source is None
