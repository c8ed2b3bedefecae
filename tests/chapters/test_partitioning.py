"""The partitioning chapter: blog21/blog23 are mm's figures, partitions propagate as the prose
says, and the split-k cell's partial sums (numpy and the animation's planes) add up to the product."""

from __future__ import annotations

import pathlib
import re

import numpy as np

from mmcore.anim import state_at
from mmcore.scene import Scene
from tests.chapters._essay import check_matches_case, scene_of_cell
from ._pages import page_cells as read_cells, run_edited

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "partitioning.md"


def page_cells(page: pathlib.Path = PAGE) -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(page)


def run(cell_id: str, *edits: tuple[str, str]) -> tuple[Scene, str]:
    """Run one of the page's cells, after text edits; (scene, stdout)."""
    return run_edited(PAGE, cell_id, *edits)


def blocks(scene: Scene) -> dict[str, tuple[int, int, int]]:
    return {n.path: tuple(n.blocks) for n in scene.nodes}


def test_page_cells():
    assert list(page_cells()) == ["blog21", "blog23", "splitk-sorter"]


def test_essay_figures_are_mms():
    for case_id in ("blog21", "blog23"):
        check_matches_case(scene_of_cell(page_cells()[case_id], case_id), case_id)


def test_i_partition_runs_down_the_left_chain():
    scene, out = run("blog21")
    assert blocks(scene) == {"": (8, 1, 1), "L": (8, 1, 1), "LL": (8, 1, 1), "LLL": (8, 1, 1)}
    assert out.count("i blocks 8, k blocks 1, j blocks 1") == 4
    assert scene.face("R").blocks == {"i": [1, 64], "j": [1, 96]}        # the weights are not cut
    assert scene.face("LLLL").blocks["i"] == [8, 8]                       # A is cut into 8 row blocks


def test_k_partition_becomes_j_left_and_i_right():
    scene, out = run("blog23")
    assert blocks(scene) == {"": (1, 8, 1), "L": (1, 1, 8), "R": (8, 1, 1)}
    assert re.search(r"^L +A @ B +i blocks 1, k blocks 1, j blocks 8$", out, re.M)
    assert re.search(r"^R +C @ D +i blocks 8, k blocks 1, j blocks 1$", out, re.M)


def test_try_it_j_partition_stays_at_the_root():
    scene, _ = run("blog21", ("partition(i=8)", "partition(j=4)"))
    assert blocks(scene) == {"": (1, 1, 4), "L": (1, 1, 1), "LL": (1, 1, 1), "LLL": (1, 1, 1)}


def test_try_it_i_and_k():
    scene, _ = run("blog23", ("partition(k=8)", "partition(i=4, k=2)"))
    assert blocks(scene) == {"": (4, 2, 1), "L": (4, 1, 2), "R": (2, 1, 1)}
    scene, _ = run("blog23", ("partition(k=8)", "partition(i=4, k=2)"), (".partition(k=1)", ""))
    assert blocks(scene) == {"": (4, 2, 1), "L": (4, 2, 2), "R": (2, 2, 1)}


def test_split_k_partial_sums():
    scene, out = run("splitk-sorter")
    assert "4 k blocks of 48 units (the last one 48)" in out
    assert "the partial sums add up to h @ W: True" in out
    assert "smaller than one of their partial sums: 16%" in out
    assert blocks(scene) == {"": (1, 4, 1)}
    # the animation's partial-sum planes at the last step add up to the result face
    last = scene.anim["cycle"] - 1
    state = state_at(scene, last)[""]
    assert len(state.partials) == 4
    total = sum(p.values.astype(np.float64) for p in state.partials)
    np.testing.assert_allclose(total, scene.face("").values, atol=1e-5)


def test_try_it_uneven_blocks():
    scene, out = run("splitk-sorter", ("blocks = 4 ", "blocks = 5 "))
    assert "5 k blocks of 39 units (the last one 36)" in out and "add up to h @ W: True" in out
    assert scene.face("L").blocks["j"] == [5, 39]
