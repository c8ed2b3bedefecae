"""mmcore.cell.run_cell: namespace, figure rule, stdout, errors named after the cell."""

from __future__ import annotations

import pytest

import mmcore
from mmcore.cell import CellResult, cell_filename, format_cell_error, run_cell, with_header_key
from mmcore.wire.codec import read_header

AB = 'A = mmcore.matrix("A", 6, 4, init="rows")\nB = mmcore.matrix("B", 4, 5, init="cols")\n'


def _scene_of(expr) -> bytes:
    """What run_cell shows for an expression: its scene, with mm's link for it in the header."""
    return with_header_key(mmcore.layout(expr).to_bytes(), "mm_link", mmcore.to_mm(expr))


def test_plain_code_has_no_figure_and_captures_stdout():
    result = run_cell("for i in range(3):\n    print(i, end=' ')\nprint()\n", cell_id="t")
    assert result == CellResult(scene=None, stdout="0 1 2 \n")


def test_namespace_has_mmcore_np_show_and_is_fresh_each_run():
    out = run_cell("print(mmcore.__name__, np.__name__, show.__name__)\nleak = 1", cell_id="t").stdout
    assert out == "mmcore numpy show\n"
    with pytest.raises(NameError):
        run_cell("leak", cell_id="t2")


def test_last_expression_is_the_figure():
    result = run_cell(AB + "A @ B", cell_id="t")
    assert result.scene[:4] == b"MMSC"
    A = mmcore.matrix("A", 6, 4, init="rows")
    B = mmcore.matrix("B", 4, 5, init="cols")
    assert result.scene == _scene_of(A @ B)


def test_last_expression_may_be_a_scene():
    result = run_cell(AB + "mmcore.layout(A @ B)", cell_id="t")
    A = mmcore.matrix("A", 6, 4, init="rows")
    B = mmcore.matrix("B", 4, 5, init="cols")
    from mmcore.wire.codec import scene_to_bytes

    assert result.scene == scene_to_bytes(mmcore.layout(A @ B), {"mm_link": mmcore.to_mm(A @ B)})
    # a scene remembers the expression and options it was laid out from, so it gets mm's link too
    assert read_header(run_cell(AB + "A @ B", cell_id="u").scene)["mm_link"] == mmcore.to_mm(A @ B)


def test_show_sets_the_figure_when_the_last_line_is_not_one():
    shown = run_cell(AB + "show(A @ B)\nx = 3\nprint(x)", cell_id="t")
    plain = run_cell(AB + "A @ B", cell_id="u")
    assert shown.scene == plain.scene and shown.stdout == "3\n"


def test_last_show_wins_and_final_expression_beats_earlier_show():
    two = run_cell(AB + "show(B)\nshow(A @ B)\nNone", cell_id="t")
    assert two.scene == run_cell(AB + "A @ B", cell_id="u").scene
    last = run_cell(AB + "show(A @ B)\nA", cell_id="t")
    assert last.scene == run_cell(AB + "A", cell_id="u").scene
    assert last.scene != two.scene


def test_non_figure_last_expression_is_printed_like_a_notebook():
    result = run_cell("x = [1, 2]\nx + [3]", cell_id="t")
    assert result == CellResult(scene=None, stdout="[1, 2, 3]\n")
    assert run_cell("None", cell_id="t").stdout == ""


def test_show_rejects_what_is_not_a_figure():
    with pytest.raises(mmcore.MMError, match="show\\(\\) expects an mmcore expression or scene, got int"):
        run_cell("show(3)", cell_id="t")


def test_exception_propagates_with_the_cell_filename_and_line():
    with pytest.raises(ZeroDivisionError) as e:
        run_cell("a = 1\n\nb = a / 0\n", cell_id="intro-3")
    frames = [f for f in __import__("traceback").extract_tb(e.value.__traceback__)]
    assert frames[-1].filename == cell_filename("intro-3") == "<cell intro-3>"
    assert frames[-1].lineno == 3
    assert frames[-1].line == "b = a / 0"  # source registered, so tracebacks show the cell's lines


def test_syntax_error_names_the_cell():
    with pytest.raises(SyntaxError) as e:
        run_cell("x = (1,\ny = 2\n", cell_id="bad")
    assert e.value.filename == "<cell bad>"
    err = format_cell_error(e.value)
    assert err.line in (1, 2) and err.message.startswith("SyntaxError:")


def test_format_cell_error_keeps_only_the_cells_frames():
    src = AB + "def f(m):\n    return m @ m\n\nf(A)\n"   # A is 6x4: A @ A fails inside mmcore
    with pytest.raises(mmcore.MMError) as e:
        run_cell(src, cell_id="deep")
    message, tb, line = format_cell_error(e.value)
    assert message.startswith("MMError: ") and "6×4" in message
    assert line == 4  # `return m @ m` is the last frame that belongs to the cell
    assert tb.startswith("Traceback (most recent call last):\n")
    assert 'File "<cell deep>", line 6, in <module>' in tb
    assert 'File "<cell deep>", line 4, in f' in tb
    assert "mmcore/" not in tb and "cell.py" not in tb
    assert tb.splitlines()[-1].endswith(message)  # "mmcore.errors.MMError: cannot multiply ..."


def test_echo_streams_stdout_as_it_is_written():
    seen = []
    result = run_cell("print('a')\nprint('b')", cell_id="t", echo=seen.append)
    assert "".join(seen) == result.stdout == "a\nb\n"


def test_show_outside_a_cell_returns_its_argument():
    A = mmcore.matrix("A", 2, 2, init="rows")
    assert mmcore.cell.show(A) is A
