"""The scene wire format's versions 1, 2 and 3, read by both readers (Python ``mmcore.wire.codec.decode``
and the renderer's ``scene-decode.js``), and what the writer saves in version 3:

- an array drawn twice (the same leaf used twice, equal offsets) is written once and both references
  name its offset; every reader already follows offsets, so the values read back are the same;
- compact faces mark their exact elements with ``EXACT_MARKER`` in the float16 array (no index list);
  a version 2 blob (index list) of the same scene still reads to the same float32 values;
- ``compact_values`` gives, bit for bit, what the per-range reference below gives (the colour classes of
  ``mmcore.wire.compact.color_classes`` tried element by element), on an essay layer and on edge cases.
"""

from __future__ import annotations

import hashlib
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
from engine_bench import SIZES, attention_head, attention_layer  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
LAST_RANK = _compact.LUT_STEPS + 1       # "coloured exactly"


def reference_compact(values: np.ndarray, ranges):
    """The definition, slowly: round to float16; where a class differs under some range, try the float16
    neighbour on x's side; else keep the exact value. None when a finite value is past float16's range
    or past a range's end (coloured exactly)."""
    x = np.asarray(values, dtype=np.float32).reshape(-1)
    ax = np.abs(x[np.isfinite(x)])
    top = float(ax.max(initial=0.0))
    if top > 65504.0 or any(hi > lo and (top - lo) / (hi - lo) > 1.0001 for lo, hi in ranges):
        return None
    with np.errstate(all="ignore"):
        h = x.astype(np.float16)

    def same(a, b):
        return np.logical_and.reduce([_compact.color_classes(a, lo, hi) == _compact.color_classes(b, lo, hi)
                                      for lo, hi in ranges])
    bad = np.flatnonzero(~same(x, h))
    with np.errstate(all="ignore"):
        towards = np.where(h[bad].astype(np.float32) > x[bad], -np.inf, np.inf).astype(np.float16)
    other = np.nextafter(h[bad], towards)
    fits = same(x[bad], other)
    h[bad[fits]] = other[fits]
    at = bad[~fits]
    return h.reshape(np.shape(values)), at.astype(np.int32), x[at]


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return all(p.dtype == q.dtype and np.array_equal(p.view(np.uint8), q.view(np.uint8)) for p, q in zip(a, b))


def test_compact_values_match_the_reference_on_a_layer():
    scene = mmcore.layout(attention_layer(*SIZES["blog49"]), sensitivity="local")
    g = scene.viz["global_absmax"]
    for f in scene.faces:
        ranges = _compact.sensitivity_ranges(f.absmax, f.absmin, g, f.color_range)
        got = _compact.compact_values(f.values, ranges)
        assert got is not None and _same(got, reference_compact(f.values, ranges)), f.name


@pytest.mark.parametrize("seed", range(12))
def test_compact_values_match_the_reference_on_edge_cases(seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(4000) * 10 ** rng.uniform(-7, 4)).astype(np.float32)
    x[:6] = [0.0, -0.0, np.nan, np.inf, -1e-9, 3e-8]
    top = float(np.max(np.abs(x[np.isfinite(x)])))
    hi = top * [1.0, 2.0, 0.5, 1.00005, 1.0002][seed % 5]
    lo = [0.0, float(abs(x[10])), 1e-6][seed % 3]
    ranges = [(0.0, hi), (lo, hi), (0.0, 3 * hi), (0.0, top)]
    assert _same(_compact.compact_values(x, ranges), reference_compact(x, ranges))


def test_class_starts_are_where_the_class_changes():
    for lo, hi in [(0.0, 1.0), (0.3, 7.5), (1e-7, 3e-5), (0.0, 65504.0), (5.0, 5.0000001), (0.0, 2e-40)]:
        starts = _compact._class_starts(lo, hi)[2:]      # ranks 0 and 1: zero, and every positive number
        k = np.arange(2, LAST_RANK + 1)[np.isfinite(starts[:-1])]
        finite = starts[:-1][np.isfinite(starts[:-1])]
        below = np.nextafter(finite, np.float32(0))
        rank = _compact._rank(finite.astype(np.float64), lo, hi)
        assert np.all(rank >= k) and np.all(_compact._rank(below.astype(np.float64), lo, hi) < k)
        if hi - lo > 1e-6:                 # every class reached, each at its own start
            assert np.array_equal(rank, np.arange(2, LAST_RANK + 1))


def test_a_leaf_drawn_twice_is_written_once():
    scene = mmcore.layout(attention_head(seq=64, d_model=96, d_head=32))     # small: version 1, float32
    blob = scene.to_bytes()
    header = _wire.read_header(blob)
    inputs = [f for f in header["faces"] if f["name"] == "input"]
    assert len(inputs) == 2 and inputs[0]["values"] == inputs[1]["values"]
    offsets = [f[k]["offset"] for f in header["faces"] for k in ("row_offsets", "col_offsets")]
    assert len(set(offsets)) < len(offsets) / 2          # equal offsets arrays are shared too
    back = Scene.from_bytes(blob)
    for f, b in zip(scene.faces, back.faces):
        assert np.array_equal(f.values, b.values) and np.array_equal(f.row_offsets, b.row_offsets)
    # written once: smaller than the same scene with every array apart
    apart = sum(4 * f.shape[0] * f.shape[1] + 4 * (f.shape[0] + f.shape[1]) for f in scene.faces)
    assert len(blob) < header["_data_start"] + apart - 4 * 64 * 96


def to_version_2(blob: bytes) -> bytes:
    """The same scene as version 2 wrote it: each marked face gets an i32 index list after the data."""
    header = _wire.read_header(blob)
    start = header.pop("_data_start")
    header["version"] = 2
    data = bytearray(blob[start:])
    for f in header["faces"]:
        ex = f.get("exact")
        if not ex:
            continue
        ref = f["values"]
        bits = np.frombuffer(blob, "<u2", int(np.prod(ref["shape"])), start + ref["offset"])
        at = np.flatnonzero(bits == ex["marker"]).astype("<i4")
        index = {"offset": len(data), "dtype": "i32", "shape": [int(at.size)]}
        data += at.tobytes() + b"\0" * ((-at.nbytes) % 8)
        f["exact"] = {"index": index, "values": ex["values"]}
    text = json.dumps(header, separators=(",", ":")).encode()
    head = b"MMSC" + struct.pack("<II", 2, len(text)) + text
    return head + b"\0" * ((-len(head)) % 8) + bytes(data)


@pytest.fixture(scope="module")
def layer_blobs():
    scene = mmcore.layout(attention_layer(*SIZES["blog49"]))
    v3 = scene.to_bytes()
    return scene, {"v1": _wire.scene_to_bytes(scene, compact=False), "v2": to_version_2(v3), "v3": v3}


def _face_digests(scene: Scene) -> list[str]:
    return [hashlib.sha256(np.ascontiguousarray(f.values, "<f4").tobytes()).hexdigest()[:16] for f in scene.faces]


def test_python_reads_versions_1_2_3(layer_blobs):
    scene, blobs = layer_blobs
    assert [struct.unpack("<I", b[4:8])[0] for b in blobs.values()] == [1, 2, 3]
    assert len(blobs["v3"]) < len(blobs["v2"]) < 0.55 * len(blobs["v1"])
    v1, v2, v3 = (Scene.from_bytes(b) for b in blobs.values())
    assert _face_digests(v2) == _face_digests(v3)
    assert _face_digests(v1) == _face_digests(scene)
    header = _wire.read_header(blobs["v3"])
    assert sum(f["exact"]["values"]["shape"][0] for f in header["faces"] if "exact" in f) > 0


def test_marker_bits_in_the_data_stay_nan():
    x = np.array([[1.0, np.nan, 0.3, 2.0] * 8192], dtype=np.float32)
    x.view(np.uint32)[0, 1] = 0xFFFFFFFF                  # a NaN whose float16 bits are the marker's
    assert x.astype(np.float16).view(np.uint16)[0, 1] == _wire.EXACT_MARKER
    half, exact = _wire._marked(_compact.compact_values(x, [(0.0, 2.0), (0.3, 2.0)]))
    bits = half.view(np.uint16).reshape(-1)
    assert np.count_nonzero(bits == _wire.EXACT_MARKER) == exact.size
    assert np.isnan(half[0, 1])


def test_reader_names_a_wrong_exact_count(layer_blobs):
    _, blobs = layer_blobs
    header = _wire.read_header(blobs["v3"])
    start = header.pop("_data_start")
    f = next(f for f in header["faces"] if "exact" in f)
    f["exact"]["values"]["shape"] = [f["exact"]["values"]["shape"][0] - 1]
    text = json.dumps(header, separators=(",", ":")).encode()
    head = b"MMSC" + struct.pack("<II", 3, len(text)) + text
    bad = head + b"\0" * ((-len(head)) % 8) + blobs["v3"][start:]
    with pytest.raises(mmcore.MMError, match="marked exact"):
        Scene.from_bytes(bad)


_NODE = r"""
import { decodeScene } from "%(decode)s";
import fs from "fs";
import crypto from "crypto";
const out = {};
for (const file of process.argv.slice(2)) {
  const s = decodeScene(new Uint8Array(fs.readFileSync(file)));
  out[file.split("/").pop()] = {version: s.header.version, faces: s.faces.map((f) =>
    crypto.createHash("sha256").update(new Uint8Array(f.values.buffer, f.values.byteOffset, f.values.byteLength)).digest("hex").slice(0, 16))};
}
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_renderer_reads_versions_1_2_3_and_shared_arrays(layer_blobs, tmp_path):
    scene, blobs = layer_blobs
    head = mmcore.layout(attention_head(seq=64, d_model=96, d_head=32))
    files = {**blobs, "shared": head.to_bytes()}
    for name, blob in files.items():
        (tmp_path / name).write_bytes(blob)
    script = tmp_path / "check.mjs"
    script.write_text(_NODE % {"decode": (REPO / "pyodide_app" / "js" / "render" / "scene-decode.js").as_uri()})
    done = subprocess.run([NODE, str(script), *(str(tmp_path / n) for n in files)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert [out[n]["version"] for n in ("v1", "v2", "v3", "shared")] == [1, 2, 3, 1]
    python_v3 = _face_digests(Scene.from_bytes(blobs["v3"]))
    assert out["v3"]["faces"] == python_v3 == out["v2"]["faces"]      # bit for bit, both readers, both versions
    assert out["v1"]["faces"] == _face_digests(scene)
    assert out["shared"]["faces"] == _face_digests(head)
