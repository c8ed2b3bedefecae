"""The scene header's optional `mm_link` (run_cell adds mmcore.to_mm of an expression figure). No browser."""

from __future__ import annotations

import numpy as np

import mmcore
from mmcore.scene import Scene
from mmcore.wire.codec import read_header
from mmcore.cell import run_cell

AB = 'A = mmcore.matrix("A", 6, 4, init="rows")\nB = mmcore.matrix("B", 4, 5, init="cols")\n'


def test_expression_figure_carries_its_mm_link_and_unchanged_arrays():
    scene = run_cell(AB + "A @ B", cell_id="t").scene
    header = read_header(scene)
    A = mmcore.matrix("A", 6, 4, init="rows")
    B = mmcore.matrix("B", 4, 5, init="cols")
    assert header["mm_link"] == mmcore.to_mm(A @ B)
    plain = mmcore.layout(A @ B).to_bytes()
    got, want = Scene.from_bytes(scene), Scene.from_bytes(plain)
    assert len(got.faces) == len(want.faces)
    for f, g in zip(got.faces, want.faces):
        np.testing.assert_array_equal(f.values, g.values)
    rest = {k: v for k, v in header.items() if k not in ("mm_link", "_data_start")}
    assert rest == {k: v for k, v in read_header(plain).items() if k != "_data_start"}


def test_scene_figure_carries_the_link_of_what_it_was_laid_out_from():
    scene = run_cell(AB + "mmcore.layout(A @ B, gap=3)", cell_id="t").scene
    A = mmcore.matrix("A", 6, 4, init="rows")
    B = mmcore.matrix("B", 4, 5, init="cols")
    assert read_header(scene)["mm_link"] == mmcore.to_mm(A @ B, gap=3)


def test_a_decoded_scene_figure_has_no_mm_link():
    scene = run_cell(AB + "mmcore.Scene.from_bytes(mmcore.layout(A @ B).to_bytes())", cell_id="t").scene
    assert "mm_link" not in read_header(scene)


def test_failing_to_mm_means_no_link(monkeypatch):
    def refuse(expr, **options):
        raise mmcore.MMError("mm cannot show this expression")

    monkeypatch.setattr(mmcore, "to_mm", refuse)
    scene = run_cell(AB + "A @ B", cell_id="t").scene
    header = read_header(scene)
    assert "mm_link" not in header and header["title"]
