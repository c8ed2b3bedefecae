"""The renderer's pure JavaScript (scene decoding, mm colours, element picking) checked in Node
against mmcore: the same scene bytes, the same colour formulas, the same element positions."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import mmcore
from mmcore import color as mmcolor

REPO = Path(__file__).resolve().parents[2]
RENDER = REPO / "pyodide_app" / "js" / "render"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def run_node(script: str, stdin: bytes = b"") -> dict:
    """Run an ES module script (cwd = repo, so `three` resolves) and parse its JSON stdout."""
    done = subprocess.run(["node", "--input-type=module", "-e", script], input=stdin, capture_output=True,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def _scene():
    A = mmcore.matrix("A", 7, 5, init="rows")
    B = mmcore.matrix("B", 5, 6, init="cols")
    C = mmcore.matrix("C", 6, 3, init="gaussian")
    return mmcore.layout((A @ B) @ C)


def test_decode_matches_mmcore_scene():
    scene = _scene()
    out = run_node(f"""
        import {{ decodeScene }} from "{(RENDER / 'scene-decode.js').as_uri()}";
        import {{ readFileSync }} from "node:fs";
        const buf = readFileSync(0);
        const s = decodeScene(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
        console.log(JSON.stringify({{title: s.title, gap: s.gap, center: s.center, n: s.elementCount,
          faces: s.faces.map(f => ({{path: f.path, name: f.name, shape: f.shape, values: Array.from(f.values),
            rows: Array.from(f.rowOffsets), cols: Array.from(f.colOffsets)}})),
          labels: s.labels.length, guides: s.guides.map(g => g.lines.length), arrows: s.arrows.length}}));
    """, scene.to_bytes())
    assert out["title"] == scene.title and out["gap"] == scene.gap
    assert out["center"] == pytest.approx(list(scene.center))
    assert out["n"] == scene.element_count()
    assert [f["path"] for f in out["faces"]] == [f.path for f in scene.faces]
    for got, face in zip(out["faces"], scene.faces):
        assert tuple(got["shape"]) == face.shape
        np.testing.assert_array_equal(np.array(got["values"], dtype=np.float32).reshape(face.shape), face.values)
        np.testing.assert_array_equal(np.array(got["rows"], dtype=np.float32), face.row_offsets)
        np.testing.assert_array_equal(np.array(got["cols"], dtype=np.float32), face.col_offsets)
    assert out["labels"] == len(scene.labels) and out["arrows"] == len(scene.arrows)
    assert out["guides"] == [g.lines.size for g in scene.guides]


def test_js_colours_match_mmcore():
    values = [-30.0, -2.5, -1.0, -0.3, -1e-3, 1e-3, 0.3, 1.0, 2.5, 30.0]
    ranges = [(0.0, 3.0), (0.2, 2.0), (0.0, 0.0)]
    out = run_node(f"""
        import {{ mmColor, hslToRgb }} from "{(RENDER / 'colors.js').as_uri()}";
        const viz = {{zero_hue: 0.77, hue_gap: 0.74, hue_spread: 0.04, min_light: 0.4, max_light: 0.7, min_size: 0.2}};
        const out = [];
        for (const [lo, hi] of {json.dumps(ranges)}) for (const x of {json.dumps(values)}) {{
          const c = mmColor(x, viz, lo, hi); out.push([...hslToRgb(c.hue, c.sat, c.light), c.size]);
        }}
        console.log(JSON.stringify(out));
    """)
    viz = mmcolor.VizSettings()
    k = 0
    for lo, hi in ranges:
        h, s, l, size = mmcolor.hsl_and_size(np.array(values), viz, lo, hi)  # noqa: E741
        r, g, b = mmcolor.hsl_to_rgb(h, s, l)
        for i in range(len(values)):
            assert out[k][:3] == pytest.approx([r[i], g[i], b[i]], abs=1e-9), (lo, hi, values[i])
            assert out[k][3] == pytest.approx(size[i], abs=1e-9)
            k += 1


def test_element_picking_inverts_mmcore_positions():
    A = mmcore.matrix("A", 9, 7, init="rows")
    B = mmcore.matrix("B", 7, 10, init="cols")
    scene = mmcore.layout((A @ B).partition(i=3, k=2, j=2))
    assert any(f.blocks["i"][0] > 1 for f in scene.faces)    # the picture has block gaps
    faces = []
    for f in scene.faces:
        pos = f.positions()
        faces.append({"path": f.path, "shape": list(f.shape), "p00": list(f.p00), "row_dir": list(f.row_dir),
                      "col_dir": list(f.col_dir), "blocks": f.blocks,
                      "values": f.values.ravel().tolist(), "points": pos.reshape(-1, 3).tolist()})
    out = run_node(f"""
        import {{ elementAt }} from "{(RENDER / 'hover.js').as_uri()}";
        const faces = {json.dumps(faces)};
        const gap = {scene.gap};
        const res = faces.map(f => {{
          f.values = Float32Array.from(f.values);
          const W = f.shape[1];
          let bad = 0;
          f.points.forEach((p, k) => {{
            const e = elementAt(f, p, gap);
            if (!e || e.row !== Math.floor(k / W) || e.col !== k % W) bad++;
          }});
          // the middle of the gap after the first row block is no element
          const t = f.blocks.i[1] - 0.5 + gap / 2;
          const inGap = f.blocks.i[0] > 1 ? elementAt(f, f.p00.map((v, d) => v + t * f.row_dir[d]), gap) : null;
          return {{path: f.path, bad, inGap}};
        }});
        console.log(JSON.stringify(res));
    """)
    assert all(r["bad"] == 0 and r["inGap"] is None for r in out), out
