"""Limits that hold at build time: the figure size limit (same rule as in the browser) and the time
limit per cell that stops a runaway cell, naming the page and the cell."""

from __future__ import annotations

import pathlib
import textwrap
import time

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

import mmcore
from mmcore.geometry.limits import MAX_ELEMENTS, check_figure, figure_size
from mmcore.cell import run_cell

HOOK = pathlib.Path(__file__).resolve().parents[2] / "pyodide_app" / "hook.py"


def _failure(tmp_path, monkeypatch, page: str) -> str:
    (tmp_path / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: limits test
        hooks: ["{HOOK.as_posix()}"]
        markdown_extensions: [pymdownx.superfences]
        """))
    (tmp_path / "docs" / "guide").mkdir(parents=True)
    (tmp_path / "docs" / "index.md").write_text("# Home\n")
    (tmp_path / "docs" / "guide" / "loop.md").write_text(page)
    monkeypatch.setenv("MM_RUNTIME_ASSETS", "skip")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Abort) as e:
        build(load_config(str(tmp_path / "mkdocs.yml")))
    assert e.value.__context__ is not None, "the build failed without the hook's error"
    return str(e.value.__context__)


def test_a_runaway_cell_stops_the_build_naming_page_and_cell(tmp_path, monkeypatch):
    monkeypatch.setenv("MM_CELL_TIMEOUT", "1.5")
    page = "# Loop\n\n```mm\nprint('fine')\n```\n\n```mm id=\"spin\"\nn = 0\nwhile True:\n    try:\n        n += 1\n    except Exception:\n        pass\n```\n"
    t0 = time.monotonic()
    msg = _failure(tmp_path, monkeypatch, page)
    took = time.monotonic() - t0
    assert msg.startswith("docs/guide/loop.md, cell 2 (id 'spin') line "), msg
    assert "CellTimeout: the cell ran longer than 1.5 s, the build's limit per cell (MM_CELL_TIMEOUT)" in msg
    assert took < 30, f"the build took {took:.1f} s to stop"


def test_a_sleeping_cell_is_stopped_too(tmp_path, monkeypatch):
    monkeypatch.setenv("MM_CELL_TIMEOUT", "1")
    msg = _failure(tmp_path, monkeypatch, "# S\n\n```mm\nimport time\ntime.sleep(3600)\n```\n")
    assert msg.startswith("docs/guide/loop.md, cell 1 (id 'loop-1') line 2 raised CellTimeout"), msg


def test_too_big_a_figure_is_refused_before_memory_is_spent():
    t0 = time.perf_counter()
    with pytest.raises(mmcore.MMError) as e:
        run_cell('mmcore.matrix("A", 30000, 30000)', cell_id="big")
    assert time.perf_counter() - t0 < 1.0
    assert str(e.value) == ("figure too big: 900,000,000 elements (largest matrix A, 30000×30000);"
                            f" the limit is {MAX_ELEMENTS:,} elements per figure")
    # a product whose faces together pass the limit, though each matrix alone would not
    with pytest.raises(mmcore.MMError, match=r"figure too big: 20,390,000 elements .* limit is 20,000,000"):
        run_cell('A = mmcore.matrix("A", 5000, 3900)\nB = mmcore.matrix("B", 3900, 100)\nA @ B', cell_id="prod")
    # ... and the same expression drawn by layout directly, or built from an mm link
    with pytest.raises(mmcore.MMError, match="figure too big"):
        mmcore.layout(mmcore.matrix("A", 3000, 3000) @ mmcore.matrix("B", 3000, 3000) @ mmcore.matrix("C", 3000, 3000))


def test_the_largest_figures_of_the_site_fit():
    A = mmcore.matrix("A", 1024, 1024)
    assert figure_size(A @ A) == (2 * 1024 * 1024, 2)
    check_figure(A @ A)   # 2.1 M elements: allowed
    assert figure_size(mmcore.matrix("x", 1024, 3072) @ mmcore.matrix("W", 3072, 3072))[0] < MAX_ELEMENTS
    assert MAX_ELEMENTS == 20_000_000
