"""The scene wire format (versions 1 to 3): ``MMSC``, version, JSON header length, header, 8-aligned arrays.

Version 2 added compact face values (``f16`` arrays with a few exact ``f32`` values listed by index, see
:mod:`mmcore.wire.compact`) for the large faces of large still figures; version 3, written now, marks
those exact elements in the ``f16`` array itself (bits ``EXACT_MARKER``; their values follow in order).
A scene without compact faces is written as version 1. Any version may name one array from several
places: an array equal to one already written (the same leaf drawn twice, equal offsets) is written once.

Deterministic: keys are written in a fixed order and floats by ``repr``, so the same scene
gives identical bytes in CPython and Pyodide. See ``docs/reference/scene-format.md``.

This module knows the format, not the scene classes: :func:`scene_to_bytes` reads a scene's
attributes, and :func:`decode` gives the header with every array in place, from which
``mmcore.Scene.from_bytes`` builds the objects (so ``mmcore.scene`` imports this module and never
the other way round).

Examples:
    >>> import mmcore
    >>> from mmcore.wire.codec import decode, read_header
    >>> A = mmcore.matrix("A", 2, 3); B = mmcore.matrix("B", 3, 2)
    >>> blob = mmcore.layout(A @ B).to_bytes()
    >>> blob[:4], read_header(blob)["version"]
    (b'MMSC', 1)
    >>> C = mmcore.matrix("C", 3, 3)
    >>> h = read_header(mmcore.layout((A @ C) @ C).to_bytes())    # C drawn twice: its values written once
    >>> [f["name"] for f in h["faces"]], h["faces"][3]["values"] == h["faces"][4]["values"]
    (['A @ C @ C', 'A @ C', 'A', 'C', 'C'], True)
    >>> decode(blob)["faces"][0]["values"].shape
    (2, 2)
"""

from __future__ import annotations

import json
import struct

import numpy as np

from ..errors import MMError
from . import compact as _compact

__all__ = ["scene_to_bytes", "decode", "read_header", "MAGIC", "VERSION", "VERSIONS", "EXACT_MARKER"]

MAGIC = b"MMSC"
VERSION = 3                       # the newest version written
VERSIONS = (1, 2, 3)              # versions read
EXACT_MARKER = 0xFFFF             # version 3: the float16 bits of an element whose exact value follows
_CANONICAL_NAN = 0x7E00
_DTYPES = {"f32": "<f4", "f16": "<f2", "u8": "u1", "u16": "<u2", "i32": "<i4"}


class _Arrays:
    """Collects arrays for the data section, each at a multiple of 8 bytes (kept as buffers: the
    blob is assembled with one copy of each array). An array equal, byte for byte, to one already
    added (the same leaf drawn twice, equal offsets) is written once: both references name the
    same offset, which every reader of every version already follows."""

    def __init__(self):
        self.chunks: list = []
        self.size = 0
        self._seen: dict = {}       # (dtype, shape, sample bytes) -> [(data, ref), ...]

    def add(self, arr: np.ndarray, dtype: str = "f32") -> dict:
        data = np.ascontiguousarray(arr, dtype=_DTYPES[dtype]).reshape(-1)
        shape = [int(n) for n in np.shape(arr)]
        key = (dtype, tuple(shape), data[:: max(1, data.size // 16)][:16].tobytes())
        same = self._seen.setdefault(key, [])
        for other, ref in same:
            if other is data or _same_bytes(other, data):
                return dict(ref)
        ref = {"offset": self.size, "dtype": dtype, "shape": shape}
        same.append((data, ref))
        pad = (-data.nbytes) % 8
        self.chunks.append(memoryview(data).cast("B") if data.size else b"")
        if pad:
            self.chunks.append(b"\0" * pad)
        self.size += data.nbytes + pad
        return dict(ref)


def _same_bytes(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bits (NaN equals itself; 0.0 and -0.0 differ), compared as unsigned integers of the same size."""
    as_int = np.dtype(f"u{a.dtype.itemsize}")
    return a.shape == b.shape and bool(np.array_equal(a.view(as_int), b.view(as_int)))


def _compact_plan(scene) -> bool:
    """True when the scene's large faces are written compactly (:mod:`mmcore.wire.compact`): a still figure of at
    least ``MIN_SCENE`` elements."""
    return scene.anim is None and scene.element_count() >= _compact.MIN_SCENE


def _values_refs(f, arrays: _Arrays, compact: bool, global_absmax: float, done: dict) -> dict:
    """The face's ``values`` reference, and ``exact`` when its values are written compactly (``done``
    keeps each compacting, so a values array drawn twice is compacted once, and under ``"tables"``
    the colour-class tables of the figure's ranges)."""
    h, w = f.shape
    if compact and h * w >= _compact.MIN_FACE:
        values = f.values
        ranges = _compact.sensitivity_ranges(f.absmax, f.absmin, global_absmax, f.color_range)
        key = (id(values), tuple(ranges))
        if key not in done:
            got = _compact.compact_values(values, ranges, done.setdefault("tables", {}))
            done[key] = (values, _marked(got))        # values kept alive: its id stays its own
        got = done[key][1]
        if got is not None:
            half, exact = got
            out = {"values": arrays.add(half, "f16")}
            if exact.size:
                out["exact"] = {"marker": EXACT_MARKER, "values": arrays.add(exact)}
            return out
    return {"values": arrays.add(f.values)}


def _marked(got):
    """Version 3's compact values: the float16 array with ``EXACT_MARKER`` where the exact float32 values
    (in order) replace it, and those values; None stays None."""
    if got is None:
        return None
    half, at, exact = got
    bits = half.view(np.uint16).reshape(-1)
    taken = bits == EXACT_MARKER
    if taken.any():
        bits[taken] = _CANONICAL_NAN          # a NaN with the marker's bits: any NaN is drawn the same
    bits[at] = EXACT_MARKER
    return half, exact


def _f(x) -> float:
    v = float(x)
    return 0.0 if v == 0 else v       # no "-0.0" in the header


def _v(p) -> list[float]:
    return [_f(x) for x in p]


def scene_to_bytes(scene, extra: dict | None = None, *, compact: bool | None = None) -> bytes:
    """Serialise ``scene`` (an ``mmcore.Scene``, read through its attributes); ``extra`` header keys are
    appended after the standard ones. ``compact`` forces compact values on (True) or off (False: every
    face float32, version 1); None decides by the figure (:func:`_compact_plan`)."""
    arrays = _Arrays()
    faces = []
    compacted: dict = {}
    compact = _compact_plan(scene) if compact is None else bool(compact)
    global_absmax = float(scene.viz["global_absmax"]) if compact else 0.0
    used_compact = False
    for f in scene.faces:
        rows, cols = arrays.add(f.row_offsets), arrays.add(f.col_offsets)
        vals = _values_refs(f, arrays, compact, global_absmax, compacted)
        used_compact |= vals["values"]["dtype"] == "f16"
        faces.append({
            "path": f.path, "name": f.name, "kind": f.kind, "shape": list(f.shape),
            "p00": _v(f.p00), "row_dir": _v(f.row_dir), "col_dir": _v(f.col_dir),
            "row_offsets": rows, "col_offsets": cols,
            "blocks": {"i": list(f.blocks["i"]), "j": list(f.blocks["j"])},
            **vals,
            "absmax": _f(f.absmax), "absmin": _f(f.absmin), "color_range": _v(f.color_range),
            "epilog": f.epilog, "inputs": list(f.inputs),
            **({"style": {k: (_f(v) if isinstance(v, float) else v) for k, v in sorted(f.style.items())}}
               if f.style else {})})
    nodes = [{"path": n.path, "name": n.name, "epilog": n.epilog, "shape": list(n.shape),
              "blocks": list(n.blocks), "extent": _v(n.extent), "origin": _v(n.origin),
              "axes": [_v(a) for a in n.axes], "left": n.left, "right": n.right,
              "placement": n.placement, **({"textbook": True} if n.textbook else {})} for n in scene.nodes]
    labels = [{"text": lb.text, "kind": lb.kind, "face": lb.face, "position": _v(lb.position),
               "right": _v(lb.right), "up": _v(lb.up), "size": _f(lb.size)} for lb in scene.labels]
    guides = [{"face": g.face, "lines": arrays.add(g.lines), "corner": [_v(c) for c in g.corner],
               "alpha": _f(g.alpha)} for g in scene.guides]
    arrows = [{"node": a.node, "side": a.side, "points": [_v(p) for p in a.points], "size": _f(a.size)}
              for a in scene.arrows]
    cam = scene.camera
    viz = {k: (_f(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
           for k, v in dict(scene.viz).items()}
    version = VERSION if used_compact else 1
    header = {
        "format": "mmcore.scene", "version": version, "title": scene.title, "gap": _f(scene.gap),
        "bbox": {"min": _v(scene.bbox_min), "max": _v(scene.bbox_max)}, "center": _v(scene.center),
        "viz": viz, "faces": faces, "nodes": nodes, "labels": labels, "guides": guides, "arrows": arrows,
        "camera": ({"position": _v(cam.position), "target": _v(cam.target), "up": _v(cam.up)} if cam else
                   {"position": [0.0, 0.0, 100.0], "target": [0.0, 0.0, 0.0], "up": [0.0, 1.0, 0.0]}),
        "anim": scene.anim,
        **(extra or {}),
    }
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    head = MAGIC + struct.pack("<II", version, len(text)) + text
    head += b"\0" * ((-len(head)) % 8)
    return b"".join([head, *arrays.chunks])


def read_header(data) -> dict:
    """The JSON header of a blob (checks magic and version)."""
    buf = memoryview(data).cast("B")
    if len(buf) < 12 or bytes(buf[:4]) != MAGIC:
        raise MMError(f"not an mmcore scene: expected the magic bytes b'MMSC', got {bytes(buf[:4])!r}")
    version, n = struct.unpack("<II", bytes(buf[4:12]))
    if version not in VERSIONS:
        raise MMError(f"unknown scene format version {version}: this reader knows versions "
                      f"{', '.join(map(str, VERSIONS))}")
    if 12 + n > len(buf):
        raise MMError(f"truncated scene: header needs {12 + n} bytes, blob has {len(buf)}")
    header = json.loads(bytes(buf[12:12 + n]).decode("utf-8"))
    header["_data_start"] = 12 + n + ((-(12 + n)) % 8)
    return header


def decode(data) -> dict:
    """The header of a blob written by :func:`scene_to_bytes`, with every array reference replaced by
    its array: each face's ``row_offsets``, ``col_offsets`` and ``values`` (float32, compact values
    widened and their exact entries put back), each guide's ``lines``. Arrays are views of ``data``
    where the dtype allows."""
    h = read_header(data)
    buf = memoryview(data).cast("B")
    start = h["_data_start"]

    def arr(ref):
        dt = np.dtype(_DTYPES[ref["dtype"]])
        count = int(np.prod(ref["shape"])) if ref["shape"] else 1
        a = np.frombuffer(buf, dtype=dt, count=count, offset=start + ref["offset"]).reshape(ref["shape"])
        return a.astype(dt.newbyteorder("="), copy=False)

    def values(f):
        v = arr(f["values"])
        if v.dtype != np.float32:
            exact = f.get("exact")
            if exact and "marker" in exact:             # version 3: marked elements, in order
                at = np.flatnonzero(v.view(np.uint16) == exact["marker"])
                v = v.astype(np.float32)
                got = arr(exact["values"])
                if got.size != at.size:
                    raise MMError(f"face {f.get('name', '?')!r}: {at.size} elements are marked exact "
                                  f"but {got.size} exact values follow")
                v.reshape(-1)[at] = got
            else:
                v = v.astype(np.float32)
                if exact:                               # version 2: flat indices
                    v.reshape(-1)[arr(exact["index"])] = arr(exact["values"])
        return v

    for f in h["faces"]:
        f["row_offsets"], f["col_offsets"] = arr(f["row_offsets"]), arr(f["col_offsets"])
        f["values"] = values(f)
        f.pop("exact", None)
    for g in h.get("guides", []):
        g["lines"] = arr(g["lines"])
    return h
