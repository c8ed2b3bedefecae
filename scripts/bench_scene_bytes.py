"""Bytes of a page's prebuilt scenes, and the speed of writing a scene (``Scene.to_bytes``).

Two measurements, both of the scene wire format (``mmcore.wire``, docs/reference/scene-format.md):

- **page bytes**: runs every ```` ```mm ```` cell of a page (default the attention-layer tutorial, the
  heaviest page) with ``mmcore.cell.run_cell``, exactly as the site build does, and reports the
  bytes of each ``.mmscene`` by what they hold: the JSON header, face values (``f32``/``f16``),
  the compact faces' exact entries, row/column offsets, guides;
- **encoding time**: CPU seconds of ``to_bytes()`` for the essay's attention layer (1.15 M
  elements) and the GPT-2-size layer (18.35 M; the figure size limit is lifted as
  ``engine_bench.run_bench`` does), median of ``--repeats``, with the values already computed
  (the engine's time is ``engine_bench``'s). ``--pyodide`` measures the same inside Pyodide
  (Node, the self-hosted index ``scripts/build_pyodide.py`` makes).

``--write`` records the medians as the ``scene_bytes`` section of ``benchmarks/results.json``
(``scripts/bench_results.py``), which the "How fast is it" page shows.

Example:
    .venv/bin/python scripts/bench_scene_bytes.py --repeats 3 --pyodide --write
"""

from __future__ import annotations

import argparse
import collections
import json
import pathlib
import re
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

PAGE = "docs/tutorial/attention-layer.md"
_FENCE = re.compile(r'^```mm[^\n]*\bid="([^"]+)"[^\n]*\n(.*?)^```', re.S | re.M)


def page_cells(page: pathlib.Path) -> list[tuple[str, str]]:
    """``(cell id, source)`` of every mm cell of a Markdown page, in order."""
    return _FENCE.findall(page.read_text(encoding="utf-8"))


def blob_parts(blob: bytes) -> dict:
    """Bytes of one scene blob by what they hold (the parts add up to ``total``); an array written
    once and referenced twice counts once."""
    import numpy as np

    from mmcore.wire.codec import read_header

    h = read_header(blob)
    parts: collections.Counter = collections.Counter(header=h["_data_start"])
    seen: set = set()

    def add(kind: str, ref: dict | None) -> None:
        if not ref or ref["offset"] in seen:
            return
        seen.add(ref["offset"])
        n = int(np.prod(ref["shape"])) * {"f32": 4, "f16": 2, "u8": 1, "u16": 2, "i32": 4}[ref["dtype"]]
        parts[kind] += n + (-n) % 8

    for f in h["faces"]:
        add(f"values_{f['values']['dtype']}", f["values"])
        for key in ("index", "values"):
            add("exact", (f.get("exact") or {}).get(key))
        add("offsets", f.get("row_offsets"))
        add("offsets", f.get("col_offsets"))
    for g in h.get("guides", []):
        add("guides", g["lines"])
    return {**dict(parts), "total": len(blob)}


def page_bytes(page: pathlib.Path) -> dict:
    """Every cell's scene bytes by part, and the page's sums."""
    from mmcore.cell import run_cell

    cells, total = {}, collections.Counter()
    for cell_id, source in page_cells(page):
        blob = run_cell(source, cell_id=cell_id).scene
        if blob is None:
            continue
        cells[cell_id] = blob_parts(blob)
        total.update(cells[cell_id])
    return {"page": page.relative_to(REPO).as_posix(), "cells": cells, "sum": dict(total)}


TIMING = r"""
import json, pathlib, statistics, sys, time
from mmcore.scene import Scene
_cpu = time.process_time                   # in Pyodide under Node: the process's CPU time (pyodide_node)

def encode_times(path, repeats):
    scene = Scene.from_bytes(pathlib.Path(path).read_bytes())
    cpu, size = [], 0
    for _ in range(repeats):
        t0 = _cpu()
        size = len(scene.to_bytes())
        cpu.append(_cpu() - t0)
    return {"cpu_s": round(statistics.median(cpu), 4), "runs": [round(t, 4) for t in cpu],
            "bytes": size, "elements": scene.element_count()}

RESULT = {w: encode_times(f"{w}.mmscene", REPEATS) for w in SIZES_TO_RUN}
print(json.dumps(RESULT))
"""

def write_inputs(sizes: list[str], work: pathlib.Path) -> None:
    """``<size>.mmscene`` in ``work`` for each size: the layer's scene with every value computed, all
    float32 (so both interpreters encode the same scene from the same numbers, and the engine's
    time stays out of the measurement; its speed is ``engine_bench``'s). The figure size limit is
    lifted for the GPT-2 size, as ``engine_bench.run_bench`` does."""
    import mmcore
    import mmcore.geometry.limits as limits
    from engine_bench import SIZES, attention_layer
    from mmcore.wire.codec import scene_to_bytes

    saved = limits.MAX_ELEMENTS
    limits.MAX_ELEMENTS = max(saved, 10 ** 9)
    try:
        for w in sizes:
            scene = mmcore.layout(attention_layer(*SIZES[w]), sensitivity="local")
            (work / f"{w}.mmscene").write_bytes(scene_to_bytes(scene, compact=False))
            del scene
    finally:
        limits.MAX_ELEMENTS = saved


def _timing_source(sizes: list[str], repeats: int) -> str:
    return f"REPEATS = {repeats}\nSIZES_TO_RUN = {sizes!r}\n" + TIMING


def encode_times(sizes: list[str], repeats: int, dist: pathlib.Path | None, engine: pathlib.Path = REPO) -> dict:
    """Median CPU seconds of ``to_bytes()`` per size in this CPython, and inside Pyodide under Node
    when ``dist`` (the Pyodide index) is given; ``engine`` is the folder holding the ``mmcore``
    package timed (another checkout, to compare before and after)."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        write_inputs(sizes, work)
        (work / "timing.py").write_text(_timing_source(sizes, repeats))
        done = subprocess.run([sys.executable, str(work / "timing.py")], cwd=work, capture_output=True, text=True,
                              env={"PYTHONPATH": str(engine), "PATH": "/usr/bin:/bin"})
        if done.returncode:
            raise SystemExit(f"CPython run failed:\n{done.stderr[-3000:]}")
        out["encode_cpython"] = json.loads(done.stdout.strip().splitlines()[-1])
        if dist is not None:
            from pyodide_node import run_in_node

            try:
                stdout = run_in_node(dist, _timing_source(sizes, repeats),
                                     files=[work / f"{w}.mmscene" for w in sizes], mmcore_dir=engine / "mmcore")
            except RuntimeError as err:
                raise SystemExit(str(err)) from None
            out["encode_pyodide"] = json.loads(stdout.strip().splitlines()[-1])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", default=PAGE, help="Markdown page whose cells to measure (default %(default)s)")
    ap.add_argument("--repeats", type=int, default=3, help="encodings per size (median; default %(default)s)")
    ap.add_argument("--sizes", default="blog49,gpt2", help="engine_bench sizes to encode (default %(default)s)")
    ap.add_argument("--pyodide", action="store_true", help="also time the encoding inside Pyodide (Node)")
    ap.add_argument("--dist", type=pathlib.Path, default=REPO / ".cache" / "pyodide" / "dist" / "0.27.7")
    ap.add_argument("--engine", type=pathlib.Path, default=REPO,
                    help="folder holding the mmcore package to time (default this repository)")
    ap.add_argument("--no-page", action="store_true", help="skip the page's bytes")
    ap.add_argument("--write", action="store_true", help="record the medians in benchmarks/results.json")
    args = ap.parse_args()
    sizes = [s for s in args.sizes.split(",") if s]
    out: dict = {}
    if not args.no_page:
        out["page"] = page_bytes(REPO / args.page)
        s = out["page"]["sum"]
        print(f"{out['page']['page']}: {s['total']:,} bytes in {len(out['page']['cells'])} scenes")
        for k in sorted(s):
            if k != "total":
                print(f"  {k:12s} {s[k]:>12,}")
    if sizes:
        out.update(encode_times(sizes, args.repeats, args.dist if args.pyodide else None, args.engine.resolve()))
        for where in ("cpython", "pyodide"):
            for w, r in out.get(f"encode_{where}", {}).items():
                print(f"to_bytes {where:8s} {w:7s} {r['elements']:>12,} elements  {r['cpu_s'] * 1000:8.1f} ms CPU"
                      f"  {r['bytes']:,} bytes")
    if args.write:
        from bench_results import record
        out["repeats"] = args.repeats
        record("scene_bytes", out)
        print("recorded in benchmarks/results.json (section scene_bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
