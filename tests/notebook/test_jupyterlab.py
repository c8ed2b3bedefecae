"""The widget in a real JupyterLab (4.6, anywidget's lab extension): the figure draws in the output,
Python-side state reaches it (``w.step``, ``w.view``), the camera comes back, and ``await
w.screenshot()`` returns a PNG drawn by the browser. ~40 s; skipped without jupyterlab or chromium.

Opt-in (``MM_TEST_JUPYTERLAB=1``): driving JupyterLab's own UI (kernel dialog, Run All) timed out once in
four clean CI runs, so it stays out of `make test`; the notebook's output is checked there by nbclient and
the exported HTML in Chromium (tests/notebook/test_notebook.py).
"""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

if os.environ.get("MM_TEST_JUPYTERLAB") != "1":
    pytest.skip("the JupyterLab UI check runs with MM_TEST_JUPYTERLAB=1", allow_module_level=True)
pytest.importorskip("jupyterlab")
pytest.importorskip("anywidget")
nbformat = pytest.importorskip("nbformat")
sync_api = pytest.importorskip("playwright.sync_api")

REPO = pathlib.Path(__file__).resolve().parents[2]
TOKEN = "mm-test"
CELLS = [
    "import mmcore, numpy as np\nfrom mmcore.widget import figure\n"
    "A = mmcore.matrix('A', np.linspace(-1, 1, 48).reshape(8, 6))\n"
    "B = mmcore.matrix('B', np.linspace(1, -1, 24).reshape(6, 4))\n"
    "w = figure(mmcore.layout(A @ B, anim='vmprod'), height=320)\nw",
    "import asyncio\nawait asyncio.sleep(2)\nw.step = 4\nw.view = 'top'\nawait asyncio.sleep(1)\n"
    "png = await w.screenshot(timeout=60)\n"
    "print('PNG', len(png) > 2000, png[:8] == b'\\x89PNG\\r\\n\\x1a\\n', sorted(w.camera))",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from tests.e2e.conftest import CHROMIUM

    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}")
    pytest.importorskip("mmcore.widget").widget_asset("widget.js")
    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "figure.ipynb")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p),
           "JUPYTER_CONFIG_DIR": str(root / ".jupyter"), "JUPYTERLAB_SETTINGS_DIR": str(root / ".settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / ".ws")}
    log = open(root / "lab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser", "--ip", "127.0.0.1",
                             f"--port={port}", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
                             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text()[-2000:])
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_widget_draws_and_round_trips_in_jupyterlab(lab):
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            warnings = []
            page.on("console", lambda m: "[anywidget]" in m.text and warnings.append(m.text))
            page.goto(f"{lab}/lab/tree/figure.ipynb?token={TOKEN}&reset")
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
            for _ in range(3):   # Run All Cells; a fresh Lab may first ask which kernel to start
                page.click("text=Run", timeout=10_000)
                page.click("text=Run All Cells", timeout=10_000)
                try:
                    page.locator(".jp-Dialog button:has-text('Select')").click(timeout=5_000)
                except sync_api.TimeoutError:
                    break
                page.wait_for_timeout(3_000)
            try:
                page.wait_for_selector(".mm-widget[data-mm-ready=true] canvas", state="attached", timeout=90_000)
            except sync_api.TimeoutError:
                if os.environ.get("MM_LAB_SHOT"):              # a PNG of the lab as it was, for debugging
                    page.screenshot(path=os.environ["MM_LAB_SHOT"])
                raise AssertionError("no figure in the output: " + page.inner_text(".jp-Notebook")[-1500:]) from None
            def printed() -> str:
                return "\n".join(e.inner_text() for e in page.query_selector_all(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout'], .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"))

            t0 = time.time()
            while not printed() and time.time() - t0 < 120:
                page.wait_for_timeout(500)
            assert printed().strip() == "PNG True True ['position', 'target', 'up']", printed()
            assert "5 / 8" in page.inner_text(".jp-Notebook")         # w.step = 4 reached the player (its controls)
            assert warnings == []
        finally:
            browser.close()
