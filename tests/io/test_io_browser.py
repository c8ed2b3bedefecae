"""mmcore.io in a real browser worker (headless Debian Chromium + Pyodide 0.27.7): the synchronous
``load_matrix(url)`` (XMLHttpRequest with an ArrayBuffer response), ``fetch_matrix`` through
``pyfetch`` (streamed progress, 404, a closed port), and the default heads file resolved beside the
worker. One browser, one Pyodide boot (~15 s). Skipped without Chromium, Playwright or the Pyodide core."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from mmcore.io.safetensors import write_safetensors
from mmcore.bert.heads import head_file_path

REPO = Path(__file__).resolve().parents[2]
# the py-compiled index of scripts/build_pyodide.py boots faster; the plain core is the fallback
CORE = next((d for d in (REPO / ".cache" / "pyodide" / "dist" / "0.27.7", REPO / ".cache" / "pyodide" / "core-0.27.7")
             if (d / "pyodide.mjs").is_file()), REPO / ".cache" / "pyodide" / "core-0.27.7")
CHROMIUM = os.environ.get("MM_CHROMIUM", "/usr/bin/chromium")
HERE = Path(__file__).with_name("browser")
W = np.arange(700 * 400, dtype=np.float32).reshape(700, 400) / 7

CELL = """
import json
import numpy as np
import mmcore.io, mmcore.bert
from js import location
CLOSED = location.search[1:]   # ?<url on a closed loopback port>
from mmcore.errors import MMError
out = {}
seen = []
m = mmcore.io.load_matrix(mmcore.io.asset("data/w.npy"), shape=(700, 400), progress=lambda d, t: seen.append([d, t]))
out["sync"] = [list(m.shape), float(m[699, 399]), seen[-1]]
out["sync_csv"] = mmcore.io.load_matrix(mmcore.io.asset("data/m.csv")).tolist()
try:
    mmcore.io.load_matrix(mmcore.io.asset("data/none.npy"))
except MMError as e:
    out["sync_404"] = str(e)
seen = []
m = await mmcore.io.fetch_matrix(mmcore.io.asset("data/slow/w.npy"), progress=lambda d, t: seen.append([d, t]))
out["async"] = [float(m.sum()), len(seen), seen[-1]]
out["async_bf16"] = (await mmcore.io.fetch_matrix(mmcore.io.asset("data/t.safetensors"), key="bf")).tolist()
for name, url in (("async_404", mmcore.io.asset("data/none.npy")), ("async_closed", CLOSED)):
    try:
        await mmcore.io.fetch_matrix(url)
    except MMError as e:
        out[name] = str(e)
head = mmcore.bert.minilm_head(0, 2, 3)      # default source: assets/weights/minilm/ via a sync request
out["head"] = [len(head.tokens), [int(i) for i in head.weights().argmax(axis=1)][:4]]
json.dumps(out)
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript"}

    def log_message(self, *args):
        pass

    def copyfile(self, source, outputfile):
        """Paths under ``/slow/`` trickle out in 256 KiB pieces, so a streamed read sees several chunks."""
        if "/slow/" not in self.path:
            return super().copyfile(source, outputfile)
        while piece := source.read(256 * 1024):
            outputfile.write(piece)
            outputfile.flush()
            time.sleep(0.05)

    def translate_path(self, path):
        return super().translate_path(path.replace("/slow/", "/"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not (CORE / "pyodide.mjs").is_file() or not Path(CHROMIUM).exists():
        pytest.skip("Chromium or the Pyodide core is absent (scripts/setup.sh --test; python scripts/build_pyodide.py)")
    pytest.importorskip("playwright.sync_api")
    root = tmp_path_factory.mktemp("browser-site")
    shutil.copytree(CORE, root / "pyodide")
    (root / "assets" / "mm").mkdir(parents=True)
    shutil.copy(HERE / "worker.js", root / "assets" / "mm" / "worker.js")
    shutil.copy(HERE / "index.html", root / "index.html")
    (root / "cell.py").write_text(CELL)
    (root / "assets" / "data").mkdir()
    np.save(root / "assets" / "data" / "w.npy", W)
    (root / "assets" / "data" / "m.csv").write_text("1,2,3\n4,5,6\n")
    bf = np.array([[1.0, -2.5, 3.25]], np.float32)
    (root / "assets" / "data" / "t.safetensors").write_bytes(
        write_safetensors({"bf": ((bf.view(np.uint32) >> 16).astype(np.uint16), "BF16")}))
    (root / "assets" / "weights" / "minilm").mkdir(parents=True)
    shutil.copy(head_file_path(), root / "assets" / "weights" / "minilm" / head_file_path().name)
    files = []
    for path in sorted((REPO / "mmcore").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        (root / "src" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, root / "src" / rel)
        files.append(rel)
    (root / "src" / "manifest.json").write_text(json.dumps(files))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_sync_and_async_loading_in_a_worker(site):
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/w.npy"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                          "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"])
        try:
            page = browser.new_page()
            page.goto(f"{site}/index.html?{closed}")
            page.wait_for_function("window.__mmResult !== undefined", timeout=120_000)
            message = page.evaluate("window.__mmResult")
        finally:
            browser.close()
    assert "error" not in message, message.get("error")
    out = json.loads(message["result"])
    assert out["sync"] == [[700, 400], pytest.approx(float(W[699, 399])), [W.nbytes + 128, W.nbytes + 128]]
    assert out["sync_csv"] == [[1, 2, 3], [4, 5, 6]]
    assert "answered 404" in out["sync_404"]
    total, reports, last = out["async"]
    assert total == pytest.approx(float(W.astype(np.float64).sum()), rel=1e-5)
    assert reports >= 2 and last == [W.nbytes + 128, W.nbytes + 128]  # streamed: one report per chunk
    assert out["async_bf16"] == [[1.0, -2.5, 3.25]]
    assert "answered 404" in out["async_404"]
    assert "unreachable" in out["async_closed"]
    assert out["head"] == [13, [0, 0, 1, 2]]
