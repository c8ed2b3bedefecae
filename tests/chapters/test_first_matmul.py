"""The matmul cube chapter: the essay's first two figures are mm's, the adjacency cell's facts hold,
and the page's "Try it" edits do what the page says.

Every cell is read from the page and run as the site build runs it.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from mmcore.cell import run_cell
from mmcore.errors import MMError
from tests.chapters._essay import check_matches_case, scene_of_cell
from ._pages import page_cells as read_cells

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "first-matmul.md"


def page_cells(page: pathlib.Path = PAGE) -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(page)


def edited(cell_id: str, *edits: tuple[str, str]) -> str:
    source = page_cells()[cell_id]
    for old, new in edits:
        assert old in source, f"{cell_id}: {old!r} not in the cell"
        source = source.replace(old, new)
    return source


def test_page_cells_and_title():
    assert list(page_cells()) == ["blog00", "first-matmul-1", "cube-guides", "blog02"]
    assert PAGE.read_text().splitlines()[0] == "# The matmul cube"


@pytest.mark.parametrize("case_id", ["blog00", "blog02"])
def test_essay_figures_are_mms(case_id):
    scene = scene_of_cell(page_cells()[case_id], case_id)
    check_matches_case(scene, case_id)


def test_blog00_result_is_plus_minus_24():
    """The prose quotes the two values the banded product holds."""
    result = run_cell(page_cells()["blog00"], cell_id="blog00")
    assert "values in L @ R: [-24.  24.]" in result.stdout
    scene = scene_of_cell(page_cells()["blog00"], "blog00")
    c = scene.face("").values
    assert c[0, 0] == 24 and c[0, 8] == -24 and c[8, 8] == 24
    assert scene.gap == 3
    # semilocal colour scale quoted by the prose: sqrt(1 * 24) for the arguments, 24 for the result
    for path in ("L", "R"):
        assert scene.face(path).color_range[1] == pytest.approx(24 ** 0.5) and round(24 ** 0.5, 1) == 4.9
    assert scene.face("").color_range[1] == pytest.approx(24)


def test_blog02_plays_the_row_major_dot_product():
    scene = scene_of_cell(page_cells()["blog02"], "blog02")
    assert scene.anim["cycle"] == 32 * 32 and scene.anim["speed"] == 48
    assert [t["alg"] for t in scene.anim["tracks"]] == ["dotprod (row major)"]
    assert scene.gap == 5


def test_adjacency_cell_shapes_and_error():
    result = run_cell(page_cells()["first-matmul-1"], cell_id="first-matmul-1")
    assert "A is (24, 12) B is (12, 32) A @ B is (24, 32)" in result.stdout
    assert "inner dimensions 12 and 10 differ" in result.stdout
    scene = scene_of_cell(page_cells()["first-matmul-1"], "first-matmul-1")
    left, top, front = (scene.face(p) for p in ("L", "R", ""))
    # L and the result share i (same heights), R and the result share j (same x), L and R share k (same depth)
    np.testing.assert_allclose(left.positions()[:, 0, 1], front.positions()[:, 0, 1])
    np.testing.assert_allclose(top.positions()[0, :, 0], front.positions()[0, :, 0])
    np.testing.assert_allclose(left.positions()[0, :, 2], top.positions()[:, 0, 2])
    rows, cols = np.linspace(-1, 1, 24), np.linspace(-1, 1, 32)        # init="rows" / "cols", as the page says
    np.testing.assert_allclose(left.values[:, 3], rows, atol=1e-6)
    np.testing.assert_allclose(top.values[3, :], cols, atol=1e-6)
    np.testing.assert_allclose(front.values, 12 * np.outer(rows, cols), atol=1e-4)


def test_guides_cell_draws_guides_and_vanes():
    scene = scene_of_cell(page_cells()["cube-guides"], "cube-guides")
    assert {g.face for g in scene.guides} == {"", "L", "R"}
    assert len(scene.arrows) == 2
    bare = scene_of_cell(edited("cube-guides", ("row_guides=1, flow_guides=1", "row_guides=0, flow_guides=0")), "x")
    assert not bare.guides and not bare.arrows


def test_try_it_narrow_b():
    source = edited("first-matmul-1", ('mmcore.matrix("B", 12, 32', 'mmcore.matrix("B", 12, 8'))
    scene = scene_of_cell(source, "x")
    assert scene.face("").shape == (24, 8) and scene.face("R").shape == (12, 8) and scene.face("L").shape == (24, 12)


def test_try_it_mismatch_stops_with_both_shapes():
    source = edited("first-matmul-1", ('mmcore.matrix("A", 24, 12, init="rows")', 'mmcore.matrix("A", 24, 10, init="rows")'))
    with pytest.raises(MMError) as err:
        run_cell(source, cell_id="x")
    assert "A (24×10)" in str(err.value) and "B (12×32)" in str(err.value) and "10 and 12 differ" in str(err.value)
