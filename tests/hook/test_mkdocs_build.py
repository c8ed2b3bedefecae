"""The ``matmul-atlas`` plugin (and the plain hook it wraps) inside a real (tiny, temporary) MkDocs build:
cells in pages and admonitions, scenes beside the pages, and builds that fail naming the page, the cell
and the problem."""

from __future__ import annotations

import pathlib
import shutil
import textwrap

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

import mmcore
from mmcore.cell import with_header_key
from pyodide_app._assets import PYODIDE_VERSION, RuntimeSources, copy_runtime, missing_runtime

HOOK = pathlib.Path(__file__).resolve().parents[2] / "pyodide_app" / "hook.py"

CELL = 'A = mmcore.matrix("A", 5, 3, init="rows")\nB = mmcore.matrix("B", 3, 4, init="cols")\nA @ B\n'


def _project(tmp_path: pathlib.Path, pages: dict[str, str], *, use_hook: bool = False) -> pathlib.Path:
    machinery = f'hooks: ["{HOOK.as_posix()}"]' if use_hook else "plugins: [matmul-atlas]"
    (tmp_path / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: hook test
        {machinery}
        markdown_extensions: [admonition, pymdownx.superfences]
        """))
    for name, text in pages.items():
        path = tmp_path / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _build(project: pathlib.Path, monkeypatch) -> pathlib.Path:
    monkeypatch.setenv("MM_RUNTIME_ASSETS", "skip")
    monkeypatch.chdir(project)
    build(load_config(str(project / "mkdocs.yml")))
    return project / "site"


def _failure(project: pathlib.Path, monkeypatch) -> str:
    with pytest.raises(Abort) as e:
        _build(project, monkeypatch)
    cause = e.value.__context__
    assert cause is not None, "the build failed without the hook's error"
    return str(cause)


@pytest.mark.parametrize("use_hook", [False, True], ids=["plugin", "hook"])
def test_cells_render_and_scenes_land_beside_their_pages(tmp_path, monkeypatch, use_hook):
    page = f"# Demo\n\n```mm\n{CELL}```\n\n!!! note \"nested\"\n    ```mm id=\"inner\" height=\"300\"\n" \
           + textwrap.indent(CELL.replace("5, 3", "7, 3"), "    ") + "    ```\n\n```mm run=\"false\"\nprint('later')\n```\n"
    site = _build(_project(tmp_path, {"index.md": "# Home\n", "guide/demo.md": page}, use_hook=use_hook), monkeypatch)
    html = (site / "guide" / "demo" / "index.html").read_text()
    assert html.count('class="mm-cell"') == 3
    assert 'data-mm-cell="demo-1"' in html and 'data-scene="demo-1.mmscene"' in html
    assert 'data-mm-cell="inner"' in html and 'data-scene="inner.mmscene"' in html
    assert 'data-mm-cell="demo-3"' in html and 'data-scene="demo-3.mmscene"' not in html
    assert '<div class="admonition note">' in html.replace("\n", "")
    # the scenes are exactly what run_cell/layout give in this process
    A = mmcore.matrix("A", 5, 3, init="rows")
    B = mmcore.matrix("B", 3, 4, init="cols")
    expected = with_header_key(mmcore.layout(A @ B).to_bytes(), "mm_link", mmcore.to_mm(A @ B))
    assert (site / "guide" / "demo" / "demo-1.mmscene").read_bytes() == expected
    inner = (site / "guide" / "demo" / "inner.mmscene").read_bytes()
    assert inner[:4] == b"MMSC" and inner != (site / "guide" / "demo" / "demo-1.mmscene").read_bytes()
    assert not (site / "guide" / "demo" / "demo-3.mmscene").exists()
    assert sorted(p.name for p in (site / "guide" / "demo").iterdir()) == \
        ["demo-1.mmscene", "index.html", "inner.mmscene"]
    assert 'aria-label="3D figure: A @ B (5×3 by 3×4)"' in html


def test_a_failing_cell_fails_the_build_naming_page_cell_and_exception(tmp_path, monkeypatch):
    page = f"# P\n\n```mm\n{CELL}```\n\n```mm\nx = 1\ny = x / 0\n```\n"
    msg = _failure(_project(tmp_path, {"index.md": page}), monkeypatch)
    assert msg.startswith("docs/index.md, cell 2 (id 'home-2') line 2 raised ZeroDivisionError: division by zero")
    assert 'File "<cell home-2>", line 2' in msg


def test_an_unknown_option_fails_the_build_naming_page_cell_and_option(tmp_path, monkeypatch):
    page = f"# P\n\n```mm\n{CELL}```\n\n```mm heigth=\"300\"\n{CELL}```\n"
    msg = _failure(_project(tmp_path, {"tutorial/t.md": page, "index.md": "# Home\n"}), monkeypatch)
    assert msg.startswith("docs/tutorial/t.md, cell 2: unknown mm fence option 'heigth'")


def test_a_duplicate_cell_id_fails_the_build(tmp_path, monkeypatch):
    page = f"```mm id=\"same\"\n{CELL}```\n\n```mm id=\"same\"\n{CELL}```\n"
    msg = _failure(_project(tmp_path, {"index.md": page}), monkeypatch)
    assert "docs/index.md, cell 2" in msg and "'same' is used twice" in msg


def test_missing_runtime_is_named_with_the_command_that_builds_it(tmp_path):
    src = RuntimeSources(bundle_dir=tmp_path / "static" / "mm", pyodide_dir=tmp_path / "pyodide")
    with pytest.raises(FileNotFoundError) as e:
        copy_runtime(src, tmp_path / "site")
    assert "app.js (run `npm run build`)" in str(e.value)
    assert "pyodide-lock.json (run `python scripts/build_pyodide.py`)" in str(e.value)


def test_runtime_is_copied_under_the_versioned_path(tmp_path):
    src = RuntimeSources(bundle_dir=tmp_path / "static" / "mm", pyodide_dir=tmp_path / "pyodide")
    src.bundle_dir.mkdir(parents=True)
    src.pyodide_dir.mkdir()
    for name in ("app.js", "worker.js", "mm.css"):
        (src.bundle_dir / name).write_text(f"// {name}")
    for name in ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json",
                 ".stamp"):
        (src.pyodide_dir / name).write_text(name)
    assert missing_runtime(src) == []
    dest = copy_runtime(src, tmp_path / "site")
    assert dest == tmp_path / "site" / "assets" / "mm"
    assert (dest / "worker.js").read_text() == "// worker.js"
    assert (dest / "pyodide" / PYODIDE_VERSION / "pyodide-lock.json").read_text() == "pyodide-lock.json"
    assert not (dest / "pyodide" / PYODIDE_VERSION / ".stamp").exists()
    shutil.rmtree(tmp_path / "site")
