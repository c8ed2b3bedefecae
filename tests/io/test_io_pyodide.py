"""mmcore.io inside real Pyodide 0.27.7 (under Node): fetch_matrix over loopback HTTP, progress, errors.

Skipped when Node or the Pyodide core (built by scripts/build_pyodide.py into .cache/) is absent.
Node has no XMLHttpRequest, so the synchronous browser path is checked for its clear error only;
the Playwright tests cover real workers.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from mmcore._safetensors import write_safetensors
from mmcore.bert.heads import head_file_path

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / ".cache" / "pyodide" / "core-0.27.7"
RUNNER = Path(__file__).with_name("pyodide_runner.mjs")
W = np.arange(600 * 500, dtype=np.float32).reshape(600, 500) / 1000  # 1.2 MB: two chunks

CODE = """
import json, sys
import numpy as np
import mmcore.io, mmcore.bert
from mmcore.errors import MMError

BASE = {base!r}
out = {{"platform": sys.platform}}
seen = []
m = await mmcore.io.fetch_matrix(BASE + "/w.npy", shape=(600, 500), progress=lambda d, t: seen.append([d, t]))
out["npy"] = [list(m.shape), float(m[599, 499]), str(m.dtype)]
out["progress"] = [len(seen), seen[-1]]
out["st"] = (await mmcore.io.fetch_matrix(BASE + "/t.safetensors", key="bf")).tolist()
out["csv"] = (await mmcore.io.fetch_matrix(BASE + "/m.csv")).tolist()
for name, url in (("missing", BASE + "/missing.npy"), ("closed", {closed!r})):
    try:
        await mmcore.io.fetch_matrix(url)
    except MMError as e:
        out[name] = str(e)
try:
    mmcore.io.load_matrix(BASE + "/m.csv")
except MMError as e:
    out["sync"] = str(e)
heads = await mmcore.bert.fetch_heads()   # the default: resolved beside the worker, like on the site
head = heads.head(0, 2, 0)
out["head"] = [list(head.tokens), [int(i) for i in head.weights().argmax(axis=1)]]
json.dumps(out)
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if shutil.which("node") is None or not (CORE / "pyodide.mjs").is_file():
        pytest.skip("Node or the Pyodide core is absent (python scripts/build_pyodide.py builds .cache/pyodide)")
    root = tmp_path_factory.mktemp("site")
    np.save(root / "w.npy", W)
    bf = np.array([[1.0, -2.5, 3.25]], np.float32)
    (root / "t.safetensors").write_bytes(write_safetensors({"bf": ((bf.view(np.uint32) >> 16).astype(np.uint16), "BF16")}))
    (root / "m.csv").write_text("1,2\n3,4\n")
    weights = root / "assets" / "weights" / "minilm"
    weights.mkdir(parents=True)
    shutil.copy(head_file_path(), weights / head_file_path().name)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_matrix_in_pyodide(site, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/w.npy"
    code = tmp_path / "cell.py"
    code.write_text(CODE.format(base=site, closed=closed))
    done = subprocess.run(["node", str(RUNNER), str(CORE), str(REPO), str(code), f"{site}/assets/mm/worker.js"],
                          capture_output=True, text=True, timeout=240)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    out = json.loads(lines[-1][len("RESULT "):])
    assert out["platform"] == "emscripten"
    assert out["npy"] == [[600, 500], pytest.approx(float(W[599, 499])), "float32"]
    n_chunks, (loaded, total) = out["progress"]
    assert loaded == total == (600 * 500 * 4 + 128) and n_chunks >= 2  # streamed: one report per chunk
    assert out["st"] == [[1.0, -2.5, 3.25]]
    assert out["csv"] == [[1.0, 2.0], [3.0, 4.0]]
    assert "answered 404" in out["missing"]
    assert "unreachable" in out["closed"]
    assert "await mmcore.io.fetch_matrix(url)" in out["sync"]
    assert out["head"] == [["[CLS]", "the", "weather", "is", "lovely", "today", ".", "[SEP]"], [0, 0, 1, 2, 3, 4, 5, 6]]
