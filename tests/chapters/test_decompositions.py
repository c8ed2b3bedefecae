"""The "Dot product and other ways to multiply" chapter: blog04..blog10 are mm's figures with mm's
animations, the printed facts hold, and the "Try it" edits do what the page says.

Every cell is read from the page and run as the site build runs it.
"""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

from mmcore.cell import run_cell
from tests.chapters._essay import cases, check_matches_case, scene_of_cell
from ._pages import page_cells as read_cells

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "decompositions.md"

#: essay case -> (animation, speed) as the page plays it (mm-features.md §6, 2b-2d)
ESSAY = {"blog04": ("mvprod", 12), "blog05": ("mvprod", 6), "blog06": ("vmprod", 12), "blog07": ("vmprod", 6),
         "blog08": ("vmprod", 12), "blog09": ("vvprod", 12), "blog10": ("vvprod", 6)}


def page_cells(page: pathlib.Path = PAGE) -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(page)


def edited(cell_id: str, *edits: tuple[str, str]) -> str:
    source = page_cells()[cell_id]
    for old, new in edits:
        assert old in source, f"{cell_id}: {old!r} not in the cell"
        source = source.replace(old, new)
    return source


def stdout(source: str) -> str:
    return run_cell(source, cell_id="x").stdout


def test_page_cells_and_title():
    assert list(page_cells()) == ["dotprod", "blog04", "blog05", "blog06", "blog07", "blog08", "blog09", "blog10",
                                  "rank-accumulation"]
    assert PAGE.read_text().splitlines()[0] == "# Dot product and other ways to multiply"


@pytest.mark.parametrize("case_id", sorted(ESSAY))
def test_essay_figure_is_mms_with_its_animation(case_id):
    scene = scene_of_cell(page_cells()[case_id], case_id)
    check_matches_case(scene, case_id)
    alg, speed = ESSAY[case_id]
    params = cases()[case_id]["params"]
    assert (params["anim"]["alg"], params["anim"]["speed"]) == (alg, speed)     # the table above is mm's
    assert [t["alg"] for t in scene.anim["tracks"]] == [alg]
    assert scene.anim["speed"] == speed
    i, k, j = scene.anim["tracks"][0]["shape"]
    assert scene.anim["cycle"] == {"mvprod": j, "vmprod": i, "vvprod": k}[alg]
    # mm's colour sensitivity of the case
    assert scene.viz["sensitivity"] == params["viz"]["sensitivity"]


def test_dotprod_cell():
    scene = scene_of_cell(page_cells()["dotprod"], "dotprod")
    assert [t["alg"] for t in scene.anim["tracks"]] == ["dotprod (col major)"]
    assert scene.anim["cycle"] == 1024 and scene.anim["speed"] == 48
    out = stdout(page_cells()["dotprod"])
    assert "result[9, 3] = -24.0\nrow 9 of L · column 3 of R = -24.0" in out
    assert set(np.unique(scene.face("").values)) == {-24.0, 24.0}


def test_printed_checks_are_true():
    assert "column 5 of the result is the slab summed over k: True" in stdout(page_cells()["blog05"])
    assert "row 3 of the result is the slab summed over k: True" in stdout(page_cells()["blog07"])
    assert "the result equals R: True" in stdout(page_cells()["blog08"])


def _ranks(out: str) -> list[int]:
    line = next(x for x in out.splitlines() if x.startswith("rank after each step:"))
    return ast.literal_eval(line.rsplit(":", 1)[1].strip())


def _running_ranks(l: np.ndarray, r: np.ndarray) -> list[int]:
    sums = np.cumsum([np.outer(l[:, k], r[k]) for k in range(l.shape[1])], axis=0)
    return [int(np.linalg.matrix_rank(m)) for m in sums.astype(np.float64)]


def test_rank_accumulation():
    """Random layers raise the rank by one per step up to K = 24, on the values of the blog10 figure."""
    out = stdout(page_cells()["rank-accumulation"])
    assert _ranks(out) == list(range(1, 25))
    assert "all layers add up to L @ R: True" in out
    scene = scene_of_cell(page_cells()["rank-accumulation"], "rank-accumulation")
    assert scene.face("").shape == (32, 32) and scene.face("L").shape == (32, 4)
    sv = np.linalg.svd(scene.face("").values.astype(np.float64), compute_uv=False)
    assert sv[3] > 1e-2 * sv[0] and sv[4] < 1e-5 * sv[0]           # rank 4, up to float32 rounding
    blog10 = scene_of_cell(page_cells()["blog10"], "blog10")
    np.testing.assert_array_equal(scene.face("L").values, blog10.face("L").values[:, :4])
    np.testing.assert_array_equal(scene.face("R").values, blog10.face("R").values[:4, :])


def test_banded_running_sum_stays_rank_one():
    """The prose: blog09's running sum never gets past rank 1."""
    scene = scene_of_cell(page_cells()["blog09"], "blog09")
    assert _running_ranks(scene.face("L").values, scene.face("R").values) == [1] * 24


def test_try_it_identity_replaced():
    out = stdout(edited("blog08", ('init="eye"', 'init="gaussian"')))
    assert "the result equals R: False" in out


def test_try_it_small_inner_size():
    source = edited("rank-accumulation", ('mmcore.matrix("L", 32, 24,', 'mmcore.matrix("L", 32, 6,'),
                    ('mmcore.matrix("R", 24, 32,', 'mmcore.matrix("R", 6, 32,'))
    assert _ranks(stdout(source)) == [1, 2, 3, 4, 5, 6]


def test_try_it_rows_gives_rank_one():
    source = edited("rank-accumulation", ('mmcore.matrix("L", 32, 24, init="gaussian")', 'mmcore.matrix("L", 32, 24, init="rows")'))
    assert _ranks(stdout(source)) == [1] * 24


def test_banded_results_come_in_blocks_of_eight():
    """The prose: with the bands, result columns (mvprod) and rows (vmprod) repeat in blocks of eight,
    and each slab is the argument itself or its negative."""
    scene = scene_of_cell(page_cells()["blog04"], "blog04")
    c, l, r = (scene.face(p).values for p in ("", "L", "R"))
    for b in range(4):
        block = c[:, 8 * b:8 * b + 8]
        assert (block == block[:, :1]).all() and (c[:8 * b + 8, 8 * b] != c[:8 * b + 8, (8 * b + 8) % 32]).any()
        assert (c[8 * b:8 * b + 8] == c[8 * b]).all()
    for j in range(32):
        assert np.array_equal(l * r[:, j], l) or np.array_equal(l * r[:, j], -l)
    for i in range(32):
        assert np.array_equal(l[i, :, None] * r, r) or np.array_equal(l[i, :, None] * r, -r)
