"""The figure widget in notebooks: a small notebook executed with nbclient (widget output + HTML fallback),
exported with nbconvert (``mm-html``) and opened in Chromium (the figure draws in mm's colours).

Needs the notebook extra (anywidget, nbclient, nbconvert, ipykernel: requirements/notebook.txt) and the
built renderer bundle (``npm run build``); the browser part also needs Debian's chromium.
"""

from __future__ import annotations

import os
import pathlib
import sys

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("anywidget")
pytest.importorskip("ipykernel")

REPO = pathlib.Path(__file__).resolve().parents[2]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

CELLS = [
    # a bare expression: displays as the widget (Expr._repr_mimebundle_)
    "import mmcore, numpy as np\n"
    "A = mmcore.matrix('A', np.linspace(-1, 1, 48).reshape(8, 6))\n"
    "B = mmcore.matrix('B', np.linspace(1, -1, 24).reshape(6, 4))\n"
    "A @ B",
    # the widget with Python-side state
    "from mmcore.widget import figure\n"
    "w = figure(mmcore.layout(A @ B, anim='vmprod'), height=300, view='front')\n"
    "w.step = 5\n"
    "w",
    # no frontend under nbclient: screenshot times out with the explanation
    "try:\n    await w.screenshot(timeout=0.5)\nexcept TimeoutError as e:\n    print('TIMEOUT', e)",
    "print(sorted(w.trait_names(sync=True)), w.step, w.view, len(w.scene) > 1000)",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    pytest.importorskip("mmcore.widget").widget_asset("widget.js")  # built bundle, else FileNotFoundError
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env_path) if p)
    try:
        client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                         resources={"metadata": {"path": str(tmp_path_factory.mktemp("nb"))}})
        client.execute()
    finally:
        os.environ["PYTHONPATH"] = env_path
    return nb


def _data(cell) -> dict:
    outs = [o for o in cell.outputs if o.output_type in ("execute_result", "display_data")]
    assert len(outs) == 1, cell.outputs
    return outs[0]["data"]


def test_expression_and_widget_display_as_widget_with_html_fallback(executed):
    for cell in executed.cells[:2]:
        data = _data(cell)
        assert WIDGET_VIEW in data and data[WIDGET_VIEW]["model_id"]
        html = data["text/html"]
        assert "mmAtlasWidget).mountStatic(el" in html and "mm-static__note" in html
        assert "http://" not in html.split("<script>")[0] and "cdn" not in html.lower().split("<script>")[0]
    assert _data(executed.cells[0])["text/plain"] == "<MatMul A @ B 8×4>"
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    models = [m["state"] for m in state.values() if m["state"].get("_esm")]
    assert len(models) == 2
    assert {m["step"] for m in models} == {-1, 5} and {m["view"] for m in models} == {"", "front"}
    assert all("mountStatic" in m["_esm"] for m in models)       # the renderer inlined, not a URL


def test_screenshot_without_frontend_times_out_clearly(executed):
    text = "".join(o.get("text", "") for o in executed.cells[2].outputs)
    assert text.startswith("TIMEOUT MMWidget.screenshot: no answer from the frontend in 0.5 s")
    assert "live notebook view" in text
    info = "".join(o.get("text", "") for o in executed.cells[3].outputs)
    assert "'step'" in info and "'camera'" in info and info.split("] ")[1] == "5 front True\n"


def test_import_mmcore_does_not_import_anywidget():
    import subprocess

    code = "import sys, mmcore; e = mmcore.matrix('A', 2, 2) @ mmcore.matrix('B', 2, 2); " \
           "b = e._repr_mimebundle_(); print(sorted(b), 'anywidget' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['text/plain'] False"


def _colour_counts(png: bytes) -> tuple[int, int, int]:
    import io

    from PIL import Image

    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    blue = int(((b > r + 60) & (g > r + 30)).sum())        # mm's positive: cyan-blue
    red = int(((r > b + 60) & (r > g + 60)).sum())          # mm's negative: red
    return blue, red, len(np.unique(a.reshape(-1, 3), axis=0))


def test_exported_html_draws_offline_in_chromium(executed, tmp_path):
    from mmcore.widget import HTMLExporter

    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}")
    body, _ = HTMLExporter().from_notebook_node(executed)
    out = tmp_path / "figures.html"
    out.write_text(body, encoding="utf-8")
    assert body.count("window.mmAtlasWidget).mountStatic(el") == 2
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", lambda r: r.abort() if not r.request.url.startswith(("file:", "data:", "blob:"))
                       else r.continue_())                                  # offline: nothing from outside
            page.goto(out.as_uri())
            page.wait_for_function("[...document.querySelectorAll('.mm-widget')].length === 2 && "
                                   "[...document.querySelectorAll('.mm-widget')].every(b => b.dataset.mmReady)",
                                   timeout=90_000)
            page.wait_for_timeout(300)
            figs = page.query_selector_all(".mm-static")
            assert [f.query_selector(".mm-static__note") for f in figs] == [None, None]
            assert errors == []
            for fig in figs:
                blue, red, distinct = _colour_counts(fig.query_selector("canvas").screenshot())
                assert blue > 500 and red > 500 and distinct > 200, (blue, red, distinct)
            heights = [f.query_selector(".mm-widget").bounding_box()["height"] for f in figs]
            assert heights == [420, 300]
        finally:
            browser.close()
