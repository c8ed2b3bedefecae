"""Scene format versions 2 and 3: compact (float16) values of the large faces of large still figures.

The claim: the drawn picture is identical. Proved in two steps, on the essay's attention layer
(1.15 M elements, every face compact):
1. values: every element keeps its colour class (sign, zero/NaN/Infinity, colour-table step) under
   the face's own colour range and the ranges of all four sensitivity rules of the figure menu;
2. pixels: the renderer's own decoder and colour-texture code (``scene-decode.js``,
   ``face-colors.js``, run in node) give byte-identical RGBA textures for the exact float32 values
   and for the decoded compact ones, under every sensitivity. The texture is all the face shader
   reads for colour and size, so the pixels are the same.
Small or animated figures are still written as version 1, byte for byte as before. Version 3 (written
now) marks the exact elements in the float16 array instead of listing their indices
(``tests/engine/test_wire_versions.py`` reads all three versions).
"""

from __future__ import annotations

import json
import pathlib
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

import mmcore
from mmcore.scene import Scene
from mmcore.wire import codec as _wire, compact as _compact

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts"))
from engine_bench import SIZES, attention_layer  # noqa: E402  (the benchmark's expressions)

REPO = pathlib.Path(__file__).resolve().parents[2]
NODE = shutil.which("node")


@pytest.fixture(scope="module")
def layer():
    scene = mmcore.layout(attention_layer(*SIZES["blog49"]))
    return scene, scene.to_bytes()


def _version(blob: bytes) -> int:
    return struct.unpack("<I", blob[4:8])[0]


def test_large_still_figure_is_version_3_and_about_half(layer):
    scene, blob = layer
    assert _version(blob) == 3
    header = _wire.read_header(blob)
    assert {f["values"]["dtype"] for f in header["faces"]} == {"f16"}
    marked = [f for f in header["faces"] if "exact" in f]
    assert {f["exact"]["marker"] for f in marked} == {_wire.EXACT_MARKER} and not any("index" in f["exact"] for f in marked)
    exact = sum(f["exact"]["values"]["shape"][0] for f in marked)
    assert 0 < exact < 0.03 * scene.element_count()          # about 1 % need their exact value
    assert len(blob) < 0.53 * 4 * scene.element_count()      # float32 values alone were 4 bytes each


def test_values_keep_their_colour_class_under_every_sensitivity(layer):
    scene, blob = layer
    back = Scene.from_bytes(blob)
    g = scene.viz["global_absmax"]
    assert back.viz["global_absmax"] == g
    for f, b in zip(scene.faces, back.faces):
        assert b.values.dtype == np.float32 and b.values.shape == f.values.shape
        assert (b.absmax, b.absmin, b.color_range) == (f.absmax, f.absmin, f.color_range)
        np.testing.assert_allclose(b.values, f.values, rtol=2 ** -10, atol=6e-8)   # within one float16 step
        ranges = _compact.sensitivity_ranges(f.absmax, f.absmin, g, f.color_range)
        assert len(ranges) >= 2          # the largest face: global = local = semilocal
        for lo, hi in ranges:
            assert np.array_equal(_compact.color_classes(b.values, lo, hi), _compact.color_classes(f.values, lo, hi))
        assert not np.array_equal(b.values, f.values)        # really compact (not a copy)


def test_small_and_animated_figures_stay_version_1():
    a = mmcore.matrix("A", 200, 300, init="gaussian") @ mmcore.matrix("B", 300, 250, init="gaussian")
    assert mmcore.layout(a).element_count() < _compact.MIN_SCENE
    blob = mmcore.layout(a).to_bytes()
    assert _version(blob) == 1 and _wire.read_header(blob)["version"] == 1
    assert np.array_equal(Scene.from_bytes(blob).face("").values, mmcore.layout(a).face("").values)
    big = attention_layer(*SIZES["blog49"])
    anim = mmcore.layout(big, anim="vmprod")
    assert anim.element_count() > _compact.MIN_SCENE and _version(anim.to_bytes()) == 1


def test_compact_values_edge_cases():
    x = np.array([0.0, -0.0, 1e-9, -3.0, np.nan, np.inf, -np.inf, 2.5e-5, 7.0], dtype=np.float32)
    h, at, exact = _compact.compact_values(x, [(0.0, 7.0), (2.5e-5, 7.0)])
    for lo, hi in [(0.0, 7.0), (2.5e-5, 7.0)]:
        fixed = h.astype(np.float32)
        fixed[at] = exact
        assert np.array_equal(_compact.color_classes(fixed, lo, hi), _compact.color_classes(x, lo, hi))
    assert _compact.compact_values(np.array([70000.0], np.float32), [(0.0, 7e4)]) is None   # past float16
    assert _compact.compact_values(np.array([2.0], np.float32), [(0.0, 1.0)]) is None       # coloured exactly


def test_reader_rejects_unknown_versions(layer):
    _, blob = layer
    bad = blob[:4] + struct.pack("<I", 4) + blob[8:]
    with pytest.raises(mmcore.MMError, match="versions 1, 2, 3"):
        Scene.from_bytes(bad)


_NODE_CHECK = r"""
import { decodeScene } from "%(decode)s";
import { faceColorBytes } from "%(colors)s";
import { faceColorRanges } from "%(settings)s";
import fs from "fs";
const compact = decodeScene(new Uint8Array(fs.readFileSync(process.argv[2])));
const exact = decodeScene(new Uint8Array(fs.readFileSync(process.argv[3])));
const out = {version: compact.header.version, faces: compact.faces.length, same_values: [], same_pixels: 0, texels: 0};
for (const [i, f] of compact.faces.entries()) {
  const py = new Float32Array(fs.readFileSync(process.argv[4] + "/" + i + ".f32").buffer.slice(0));
  out.same_values.push(py.length === f.values.length && py.every((v, k) => Object.is(v, f.values[k])));
}
for (const sens of [null, "global", "local", "semilocal", "superlocal"]) {
  const rc = faceColorRanges(compact, sens), re = faceColorRanges(exact, sens);
  compact.faces.forEach((f, i) => {
    const a = faceColorBytes(f.values, f.values.length, rc[i], compact.viz);
    const b = faceColorBytes(exact.faces[i].values, f.values.length, re[i], exact.viz);
    out.texels += f.values.length;
    if (a.length === b.length && a.every((v, k) => v === b[k])) out.same_pixels += f.values.length;
  });
}
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_renderer_draws_identical_textures(layer, tmp_path):
    scene, blob = layer
    exact = _wire.scene_to_bytes(scene, compact=False)       # the same scene, every face float32 (version 1)
    assert _version(exact) == 1 and len(exact) > 1.8 * len(blob)
    (tmp_path / "compact.mmscene").write_bytes(blob)
    (tmp_path / "exact.mmscene").write_bytes(exact)
    back = Scene.from_bytes(blob)
    for i, f in enumerate(back.faces):
        (tmp_path / f"{i}.f32").write_bytes(np.ascontiguousarray(f.values, dtype="<f4").tobytes())
    render = REPO / "pyodide_app" / "js" / "render"
    script = tmp_path / "check.mjs"
    script.write_text(_NODE_CHECK % {"decode": (render / "scene-decode.js").as_uri(),
                                     "colors": (render / "face-colors.js").as_uri(),
                                     "settings": (render / "display-settings.js").as_uri()})
    done = subprocess.run([NODE, "--experimental-default-type=module", str(script), str(tmp_path / "compact.mmscene"),
                           str(tmp_path / "exact.mmscene"), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["version"] == 3 and out["faces"] == len(scene.faces)
    assert all(out["same_values"])                  # JS decodes what Python decodes, bit for bit
    assert out["texels"] == 5 * scene.element_count()
    assert out["same_pixels"] == out["texels"]      # identical colour textures under every sensitivity
