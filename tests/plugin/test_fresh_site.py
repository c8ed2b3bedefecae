"""The package as a user gets it: build the matmul-atlas wheel (``python -m build``, ``twine check``),
install it offline into a fresh venv (no system site-packages), make the template site with
``scripts/new_site.py`` in an empty folder, build it with that venv's ``mkdocs``, and open it in
Chromium: the prebuilt figure draws in mm's colours and Run works in Pyodide.

Needs the built runtime (``npm run build``, ``scripts/build_pyodide.py``) and the dependencies' wheels
in ``.cache/wheels`` (``scripts/setup.sh --test``); slow (~1-2 min), so one module-scoped pipeline.
"""

from __future__ import annotations

import http.server
import functools
import io
import os
import pathlib
import re
import subprocess
import sys
import threading
import time
import zipfile

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".cache" / "wheels"
NEEDED = ("numpy", "mkdocs", "mkdocs_material", "pymdown_extensions", "markdown", "pygments")


def _run(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert out.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    from pyodide_app._assets import missing_runtime, runtime_sources

    if missing_runtime(runtime_sources()):
        pytest.skip("the browser runtime is not built (npm run build; scripts/build_pyodide.py)")
    have = {p.name.split("-")[0].lower() for p in WHEELHOUSE.glob("*.whl")}
    if not set(NEEDED) <= have:
        pytest.skip(f"dependency wheels missing in .cache/wheels ({sorted(set(NEEDED) - have)}): scripts/setup.sh --test")
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pyodide_app._stage"], cwd=REPO)
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)], cwd=REPO)
    dists = sorted(out.iterdir())
    _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dists)])
    wheels = [p for p in dists if p.suffix == ".whl"]
    assert len(wheels) == 1 and wheels[0].name == "matmul_atlas-0.1.0-py3-none-any.whl"
    return wheels[0]


def test_wheel_holds_the_runtime_and_the_sorter_not_the_site_weights(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "pyodide_app/plugin.py" in names and "mmcore/widget.py" in names
    assert {"pyodide_app/static/mm/app.js", "pyodide_app/static/mm/worker.js", "pyodide_app/static/mm/mm.css",
            "pyodide_app/static/mm/widget.js", "pyodide_app/static/mm/widget-static.js",
            "pyodide_app/static/mm/preload.json"} <= set(names)
    assert any(n.startswith("pyodide_app/static/mm/chunks/") and n.endswith(".js") for n in names)   # split app.js
    index = [n for n in names if n.startswith("pyodide_app/static/pyodide/0.27.7/")]
    assert {n.rsplit("/", 1)[1] for n in index} >= {"pyodide.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                                                     "pyodide-lock.json"}
    assert any(n.startswith("mmcore/models/data/") and n.endswith(".npz") for n in names)   # the sorter
    assert not any("assets/weights" in n or n.startswith(("docs/", "tests/", "scripts/")) for n in names)
    meta = zipfile.ZipFile(wheel).read("matmul_atlas-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in meta and "Provides-Extra: notebook" in meta
    eps = zipfile.ZipFile(wheel).read("matmul_atlas-0.1.0.dist-info/entry_points.txt").decode()
    assert "matmul-atlas = pyodide_app.plugin:MatmulAtlasPlugin" in eps
    assert 8e6 < wheel.stat().st_size < 30e6, wheel.stat().st_size


@pytest.fixture(scope="module")
def site(wheel, tmp_path_factory):
    root = tmp_path_factory.mktemp("user")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MM_PYODIDE_DIR")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    _run([str(py), "-m", "pip", "install", "-q", "--no-index", "--find-links", str(WHEELHOUSE), str(wheel)], env=env)
    where = _run([str(py), "-c", "import mmcore, pyodide_app; print(mmcore.__file__); print(pyodide_app.__file__)"],
                 cwd=root, env=env).stdout
    assert str(REPO) not in where and str(venv) in where        # the installed package, not the work tree
    folder = root / "my-site"
    _run([sys.executable, str(REPO / "scripts" / "new_site.py"), str(folder)])
    env["NO_MKDOCS_2_WARNING"] = "1"
    _run([str(venv / "bin" / "mkdocs"), "build", "--strict", "-q"], cwd=folder, env=env)
    return folder / "site"


def test_the_site_is_complete(site):
    assert (site / "index.html").is_file() and (site / "chains" / "index.html").is_file()
    assert (site / "product.mmscene").read_bytes()[:4] == b"MMSC"
    assert (site / "chains" / "chain.mmscene").read_bytes()[:4] == b"MMSC"
    index = site / "assets" / "mm" / "pyodide" / "0.27.7"
    assert (index / "pyodide.asm.wasm").stat().st_size > 5e6 and (index / "pyodide-lock.json").is_file()
    html = (site / "index.html").read_text()
    assert 'src="assets/mm/app.js"' in html and 'data-height="380"' in html
    # the preload hints (pyodide_app/_preload.py) come with the installed package, naming files the site has
    assert '<link rel="preload" href="product.mmscene" as="fetch" crossorigin="anonymous">' in html
    hinted = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
    assert hinted[0] == "assets/mm/app.js" and all((site / h).is_file() for h in hinted) and len(hinted) >= 3
    assert "shape of the result: (10, 5)" in (site / "chains" / "index.html").read_text()


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".mjs": "text/javascript", ".js": "text/javascript"}

    def log_message(self, *args):
        pass


def _colours(png: bytes) -> tuple[int, int]:
    from PIL import Image

    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return int(((b > r + 60) & (g > r + 30)).sum()), int(((r > b + 60) & (r > g + 60)).sum())


def test_figures_draw_and_run_works_in_chromium(site):
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                errors = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(url + "chains/")
                page.wait_for_selector('[data-mm-cell="chain"][data-mm-live="true"] canvas', timeout=60_000)
                page.wait_for_timeout(800)
                cell = page.query_selector('[data-mm-cell="chain"]')
                blue, red = _colours(cell.query_selector("canvas").screenshot())
                assert blue > 300 and red > 300, (blue, red)             # mm's colours, prebuilt scene
                cell.query_selector("button[data-action=run]").click()
                t0 = time.time()
                while cell.get_attribute("data-state") not in ("ready", "error") and time.time() - t0 < 240:
                    page.wait_for_timeout(500)
                assert cell.get_attribute("data-state") == "ready", cell.query_selector("[data-mm-output]").inner_text()
                assert "shape of the result: (10, 5)" in cell.query_selector("[data-mm-output]").inner_text()
                blue, red = _colours(cell.query_selector("canvas").screenshot())
                assert blue > 300 and red > 300, (blue, red)             # the figure Pyodide rebuilt
                assert errors == []
            finally:
                browser.close()
    finally:
        server.shutdown()
