"""The ``matmul-atlas`` plugin's options in real (tiny) MkDocs builds: default figure height, prelude,
Pyodide location (bundled copy or a URL: shim + mmcore wheel), the page assets it adds, bad options."""

from __future__ import annotations

import json
import pathlib
import re
import textwrap

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, PluginError

from pyodide_app._assets import PYODIDE_VERSION, missing_runtime, mmcore_wheel, runtime_sources

CELL = 'A = mmcore.matrix("A", K, 3, init="rows")\nB = mmcore.matrix("B", 3, 2, init="cols")\nprint("K is", K)\nA @ B\n'


def _project(tmp_path: pathlib.Path, options: str, pages: dict[str, str]) -> pathlib.Path:
    (tmp_path / "mkdocs.yml").write_text(textwrap.dedent("""\
        site_name: plugin test
        plugins:
          - matmul-atlas:
        """) + textwrap.indent(textwrap.dedent(options), " " * 6)
        + "markdown_extensions: [pymdownx.superfences]\n")
    for name, text in pages.items():
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text(text)
    return tmp_path


def _build(project: pathlib.Path, monkeypatch) -> pathlib.Path:
    monkeypatch.chdir(project)
    build(load_config(str(project / "mkdocs.yml")))
    return project / "site"


def _sources(html: str) -> list[str]:
    return [json.loads(m) for m in re.findall(r"<script type=\"application/json\" data-mm-source>(.*?)</script>", html)]


def test_height_and_prelude_apply_to_every_cell(tmp_path, monkeypatch):
    page = f"# P\n\n```mm\n{CELL}```\n\n```mm height=\"500\"\n{CELL}```\n"
    site = _build(_project(tmp_path, """\
        height: 300
        prelude: |
          K = 4  # from the site's prelude
        runtime_assets: false
        """, {"index.md": page}), monkeypatch)
    html = (site / "index.html").read_text()
    assert re.findall(r'data-height="(\d+)"', html) == ["300", "500"]
    assert 'style="height: 300px"' in html and 'style="height: 500px"' in html
    assert _sources(html) == ["K = 4  # from the site's prelude\n" + CELL.rstrip("\n")] * 2   # the reader sees what ran
    assert html.count("K is 4\n</pre>") == 2
    assert (site / "home-1.mmscene").read_bytes()[:4] == b"MMSC"
    assert (site / ".nojekyll").exists() and not (site / "assets" / "mm").exists()
    # the plugin adds the page bundle and the cell styles once
    assert html.count('src="assets/mm/app.js"') == 1 and 'type="module"' in html
    assert html.count('href="assets/mm/mm.css"') == 1


def test_defaults_leave_cells_as_the_hook_does(tmp_path, monkeypatch):
    monkeypatch.setenv("MM_RUNTIME_ASSETS", "skip")
    page = f"```mm\nK = 2\n{CELL}```\n"
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nplugins: [matmul-atlas]\nmarkdown_extensions: [pymdownx.superfences]\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(page)
    html = (_build(tmp_path, monkeypatch) / "index.html").read_text()
    assert "data-height" not in html and _sources(html) == ["K = 2\n" + CELL.rstrip("\n")]


@pytest.mark.parametrize("options, fragment", [
    ("height: 50\n", "height=50 (expected figure height in px, 120 to 2000)"),
    ("pyodide: ftp://example.org/pyodide/\n", "pyodide='ftp://example.org/pyodide/' (expected 'bundled' or the URL"),
    ("prelude: 'x = ('\n", "the prelude is not valid Python"),
])
def test_bad_options_stop_the_build_with_a_message(tmp_path, monkeypatch, options, fragment):
    project = _project(tmp_path, options + "runtime_assets: false\n", {"index.md": "# P\n"})
    with pytest.raises((Abort, PluginError)) as e:
        _build(project, monkeypatch)
    text = str(e.value) + str(e.value.__context__ or "")
    assert fragment in text


def test_pyodide_url_ships_a_shim_and_the_mmcore_wheel_only(tmp_path, monkeypatch):
    src = runtime_sources()
    if missing_runtime(src):
        pytest.skip("runtime not built (npm run build, scripts/build_pyodide.py)")
    url = "https://cdn.example.org/pyodide/v0.27.7/full/"
    site = _build(_project(tmp_path, f"pyodide: {url}\n", {"index.md": "# P\n"}), monkeypatch)
    index = site / "assets" / "mm" / "pyodide" / PYODIDE_VERSION
    wheel = mmcore_wheel(src.pyodide_dir)
    assert sorted(p.name for p in index.iterdir()) == sorted(["pyodide.mjs", wheel])
    shim = (index / "pyodide.mjs").read_text()
    assert f'from "{url}pyodide.mjs"' in shim and f'indexURL: "{url}"' in shim and f'"./{wheel}"' in shim
    assert (site / "assets" / "mm" / "worker.js").is_file() and not (site / "assets" / "mm" / "widget.js").exists()
