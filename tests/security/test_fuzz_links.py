"""Hostile links against the parsers: mm links and params (Python ``mmcore.from_mm``), and the browser's
URL readers (``readMmLink``, share links' ``readShared``, the compact ``view=`` text, run in Node).

Each property runs a fixed-seed hypothesis search (at least 300 inputs in all): truncated or corrupt
compressed data, huge JSON, wrong types, unknown keys, script-like strings. A parser must either succeed or
raise ``MMError`` with a message (Python), or return null / a value (JS): never another exception, never a
hang. Hostile inputs that build a figure past the size limit are refused by ``mmcore.geometry.limits``.
"""

from __future__ import annotations

import base64
import json
import pathlib
import shutil
import subprocess
import urllib.parse
import zlib

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import mmcore
from mmcore.errors import MMError

REPO = pathlib.Path(__file__).resolve().parents[2]
SETTINGS = dict(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SCRIPTY = st.sampled_from(['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
                           "__import__('os').system('id')", "\"); import js; js.alert(1); (\"", "${7*7}", "\u2028",
                           "\ud800", "%00", "A" * 5000, "", "null", "[]", "{}"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=40), SCRIPTY)
JSONISH = st.recursive(SCALARS, lambda kids: st.one_of(st.lists(kids, max_size=5),
                                                       st.dictionaries(st.text(max_size=12), kids, max_size=6)),
                       max_leaves=30)



def _base_params() -> dict:
    A = mmcore.matrix("A", 6, 4, init="rows")
    B = mmcore.matrix("B", 4, 5, init="cols")
    link = mmcore.to_mm((A @ B).named("C"))
    query = link.split("?", 1)[1]
    return {"link": link, "query": query}


BASE = _base_params()


def _mutated_params() -> st.SearchStrategy:
    def mutate(tree, path, value):
        if not path or not isinstance(tree, dict) or not tree:
            return value
        keys = sorted(tree)
        k = keys[path[0] % len(keys)]
        out = dict(tree)
        out[k] = mutate(tree[k], path[1:], value)
        return out

    params = mmcore.to_mm(mmcore.matrix("A", 6, 4) @ mmcore.matrix("B", 4, 5))
    try:
        tree = json.loads(urllib.parse.unquote(params.split("params=", 1)[1])) if "params=" in params else None
    except Exception:  # noqa: BLE001
        tree = None
    tree = tree or {"expr": "A @ B", "name": "C", "matmul": True, "left": {}, "right": {}}
    return st.builds(lambda p, v: mutate(tree, p, v), st.lists(st.integers(0, 50), max_size=4), JSONISH)


def _check_from_mm(source) -> None:
    try:
        expr = mmcore.from_mm(source)
    except MMError as e:
        assert str(e).strip(), "an MMError without a message"
        return
    # it parsed: drawing it must also end in a figure or an MMError (the size limit included)
    try:
        mmcore.layout(expr, compute_values=False)
    except MMError as e:
        assert str(e).strip()


@seed(13)
@settings(**SETTINGS)
@given(st.one_of(
    JSONISH.map(lambda v: json.dumps(v)),                                     # JSON of any shape
    _mutated_params().map(lambda t: "?params=" + urllib.parse.quote(json.dumps(t))),
    _mutated_params().map(json.dumps),
    st.builds(lambda n, cut: BASE["link"][: max(1, len(BASE["link"]) - n)] + cut,   # truncated links
              st.integers(0, 200), st.sampled_from(["", "%", "%7", "&", "=", "\x00"])),
    st.builds(lambda b: "?" + base64.urlsafe_b64encode(b).decode(), st.binary(max_size=200)),  # garbage
    st.builds(lambda b: "?z=" + base64.urlsafe_b64encode(zlib.compress(b)[: len(b) // 2 + 2]).decode(),
              st.binary(max_size=300)),                                        # corrupt compressed data
    st.builds(lambda n: json.dumps({"expr": "A @ B", "h": n, "w": n, "k": n}), st.integers(-5, 10**9)),
    SCRIPTY, st.text(max_size=300),
))
def test_from_mm_always_gives_a_figure_or_a_clear_error(source):
    _check_from_mm(source)


@seed(13)
@settings(**SETTINGS)
@given(_mutated_params())
def test_from_mm_on_params_trees_with_wrong_types_and_unknown_keys(tree):
    _check_from_mm(tree)


def test_huge_json_ends_quickly_in_a_figure_or_an_error():
    import time

    deep = "[" * 100_000 + "]" * 100_000
    for source in (deep, json.dumps({"x": "y" * 5_000_000}), "?params=" + "%7B" * 200_000,
                   json.dumps({"expr": "A @ B", "name": "<script>alert(1)</script>", "x": [0] * 1_000_000})):
        t0 = time.perf_counter()
        _check_from_mm(source)    # unknown keys are ignored, as mm does: the default figure
        assert time.perf_counter() - t0 < 5
    with pytest.raises(MMError, match="not valid JSON"):
        mmcore.from_mm("?params=" + "%7B" * 200_000)


# ---- the browser's URL readers, in Node ---------------------------------------------------------------

NODE_SCRIPT = r"""
import { readMmLink, programForLink } from "%(cell)s/mmlink.js";
import { readShared } from "%(cell)s/share.js";
import { decodeView } from "%(render)s/display-settings.js";
const inputs = JSON.parse(await new Promise((ok) => { let s = ""; process.stdin.on("data", (d) => s += d); process.stdin.on("end", () => ok(s)); }));
const out = [];
for (const x of inputs) {
  const row = { input: x.slice(0, 80) };
  try {
    const link = readMmLink("?mm=" + x);
    if (link !== null) {
      const code = programForLink(link);
      // the program is one call with one JSON (= Python) string literal: nothing else can run
      if (!code.startsWith("mmcore.from_mm(") || !code.endsWith(")\n") || JSON.parse(code.slice(15, -2)) !== link)
        row.bad = "program is not a single string literal";
    }
    const shared = await readShared("#cell=c1&code=" + x + "&view=" + x);
    if (shared !== null && typeof shared.cellId !== "string") row.bad = "shared without a cell id";
    const shared2 = await readShared("#" + x);
    void shared2;
    try { decodeView(x); } catch (e) { row.viewError = String(e && e.message || e); }
  } catch (e) {
    row.bad = "threw: " + String(e && e.stack || e);
  }
  out.push(row);
}
process.stdout.write(JSON.stringify(out));
"""


@seed(13)
@settings(max_examples=1, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.text(max_size=200), SCRIPTY,
                          st.builds(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="), st.binary(max_size=300)),
                          st.builds(lambda s: urllib.parse.quote(s), st.text(max_size=100)),
                          st.builds(lambda v: "ey" + base64.urlsafe_b64encode(json.dumps(v).encode()).decode(), JSONISH),
                          st.builds(lambda parts: "_".join(parts), st.lists(st.text("c0123456789.,-_slgvmxyz", max_size=12), max_size=8))),
                min_size=320, max_size=320, unique=True))
def test_browser_url_readers_never_throw(inputs):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = NODE_SCRIPT % {"cell": (REPO / "pyodide_app/js/cell").as_uri(),
                            "render": (REPO / "pyodide_app/js/render").as_uri()}
    done = subprocess.run([node, "--input-type=module", "-e", script], input=json.dumps(inputs),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout)
    assert len(rows) == len(inputs) >= 300
    bad = [r for r in rows if "bad" in r]
    assert not bad, bad[:5]
