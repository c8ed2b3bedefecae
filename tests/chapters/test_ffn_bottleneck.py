"""The FFN and bottleneck chapter: its essay figures are mm's, its real-FFN cell matches the sorter.

Every cell is read from the page and run as the site build runs it.
"""

from __future__ import annotations

import pathlib
import re

import pytest

from mmcore.cell import run_cell
from tests.chapters._essay import check_matches_case, scene_of_cell
from ._pages import page_cells as read_cells

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "ffn-bottleneck.md"


def page_cells(page: pathlib.Path = PAGE) -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(page)


def output(cell_id: str, edit: tuple[str, str] | None = None) -> str:
    """What a cell prints (after replacing ``edit[0]`` by ``edit[1]`` in its source, if given)."""
    source = page_cells()[cell_id]
    if edit:
        assert edit[0] in source, f"{cell_id}: {edit[0]!r} not in the cell"
        source = source.replace(*edit)
    result = run_cell(source, cell_id=cell_id)
    return result.stdout


def test_page_cells():
    assert list(page_cells()) == ["blog11", "blog13", "blog15", "blog17", "sorter-ffn"]


@pytest.mark.parametrize("case_id", ["blog11", "blog13", "blog15", "blog17"])
def test_essay_figure_is_mms(case_id):
    check_matches_case(scene_of_cell(page_cells()[case_id], case_id), case_id)


def test_volumes_printed():
    assert output("blog11").count("196,608 multiply-adds") == 2
    assert output("blog13").count("196,608 multiply-adds") == 2
    out = output("blog15")
    assert out.count("393,216") == 2 and out.count("131,072") == 2


def test_try_it_bottleneck_and_brackets():
    cells = page_cells()
    narrow = cells["blog13"].replace('"B", 96, 32', '"B", 96, 8').replace('"C", 32, 96', '"C", 8, 96')
    out = run_cell(narrow, cell_id="x").stdout
    assert out.count("49,152 multiply-adds") == 2
    out = output("blog11", ("A @ B @ C, gap", "A @ (B @ C), gap"))
    assert "98,304 multiply-adds" in out and "65,536 multiply-adds" in out


def test_real_ffn_facts():
    out = output("sorter-ffn")
    assert "tokens read: CBABCAAABBC (11 tokens, 48 channels, 192 hidden units)" in out
    assert "equal to the model's MLP output (np.allclose, atol=1e-3): True" in out
    assert "hidden units with a negative input: 55%" in out
    assert "within 0.05 of zero: 54%" in out
    assert "34 of 192" in out
    assert "most negative GELU output: -0.170" in out
    diff = float(re.search(r"output (\S+)\n", out).group(1))
    assert 0 < diff < 1e-3                    # mm's erf GELU vs the model's tanh GELU: close, not equal
    assert "parameters in its MLP: 66%" in out


def test_try_it_layer_1():
    out = output("sorter-ffn", ("layer = 0 ", "layer = 1 "))
    assert "within 0.05 of zero: 61%" in out and "47 of 192" in out
    assert "np.allclose, atol=1e-3): True" in out


def test_real_ffn_figure():
    scene = scene_of_cell(page_cells()["sorter-ffn"], "sorter-ffn")
    assert scene.face("").shape == (11, 48)
    assert scene.face("L").shape == (11, 193)
    assert scene.face("L").epilog == "gelu"
    # the always-on unit: GELU(1) on every token
    assert abs(scene.face("L").values[:, -1] - 0.8413447).max() < 1e-6
