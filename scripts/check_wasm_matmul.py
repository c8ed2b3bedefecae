"""Check and time Pyodide's WebAssembly matmul kernel (``mmcore.values.wasm_matmul``) in Pyodide under Node.

For the essay's attention layer (``blog49``) and the GPT-2-size layer (``gpt2``): the scene's bytes
with the kernel (fused: relaxed SIMD, switched on in Node 20 as Chromium has it; and plain) and with
the einsum path (the kernel switched off in the same process) must be identical; then the layer's own
matmuls (the arguments recorded during the layout) are replayed through the three paths, alternating,
and the median CPU seconds of each printed. Exit status 1 when any scene differs.

``--site SITE`` also runs in headless Chromium through the built site's playground worker: says whether the
kernel is in use there (and fused), and times the layers' matmul shapes (random float32 leaves) through the
einsum path and the kernel, alternating (wall medians: the browser gives no CPU time).

``--engine N`` also times the engine benchmark (``scripts/engine_bench.run_bench``'s CPU median; wall
median in Chromium) with the einsum path and the fused kernel, alternating, N times each.

usage: .venv/bin/python scripts/check_wasm_matmul.py [--which blog49 gpt2] [--repeats 3] [--engine 0] [--site SITE]
       [--dist DIR]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

PROGRAM = r'''
import hashlib, json, statistics, time
import js
js.process.mainModule.require("v8").setFlagsFromString("--experimental-wasm-relaxed-simd")
import numpy as np
import mmcore
import mmcore.geometry.limits as limits
import mmcore.values.epilogs as epilogs
import mmcore.values.wasm_matmul as wm
from mmcore.values.inorder import matmul_f32_in_order
from engine_bench import attention_layer, SIZES

limits.MAX_ELEMENTS = 10 ** 9
paths = {"einsum": None, "plain": wm.load_kernel(fused=False), "fused": wm.load_kernel(fused=True)}
report = {"kernels": [name for name, k in paths.items() if k is not None]}

def scene_hash(which, path, record=None):
    wm._KERNEL[:] = [paths[path]]
    if record is not None:
        epilogs.matmul_f32_in_order = lambda l, r: (record.append((l.copy(), r.copy())), matmul_f32_in_order(l, r))[1]
    try:
        scene = mmcore.layout(attention_layer(*SIZES[which]))
        return hashlib.sha256(scene.to_bytes()).hexdigest()[:16]
    finally:
        epilogs.matmul_f32_in_order = matmul_f32_in_order

for which in WHICH:
    calls = []
    hashes = {"fused": scene_hash(which, "fused", calls)}
    hashes |= {path: scene_hash(which, path) for path in ("plain", "einsum")}
    times = {path: [] for path in paths}
    for _ in range(REPEATS):
        for path in paths:
            wm._KERNEL[:] = [paths[path]]
            t0 = time.process_time()
            for l, r in calls:
                matmul_f32_in_order(l, r)
            times[path].append(time.process_time() - t0)
    report[which] = {"scenes": hashes, "identical": len(set(hashes.values())) == 1,
                     "matmuls": [(l.shape[0], l.shape[1], r.shape[1]) for l, r in calls],
                     "seconds": {path: statistics.median(t) for path, t in times.items()}}
if ENGINE:                                   # run_bench (from_mm + layout + values), einsum and fused alternating
    from engine_bench import run_bench
    for which in WHICH:
        runs = {"einsum": [], "fused": []}
        for _ in range(ENGINE):
            for path in runs:
                wm._KERNEL[:] = [paths[path]]
                runs[path].append(run_bench(which, REPEATS)["cpu_median_s"])
        report[which]["engine_cpu_s"] = {path: statistics.median(v) for path, v in runs.items()}
print(json.dumps(report))
'''


BROWSER = r'''
import json, statistics, time
import numpy as np
import mmcore.values.wasm_matmul as wm
from mmcore.values.inorder import matmul_f32_in_order

def layer_shapes(seq, d, dh, ffn):
    """(I, K, J) of the attention layer's eight matmuls (scripts/engine_bench.attention_layer)."""
    return [(seq, d, dh), (dh, d, seq), (seq, dh, seq), (seq, d, dh), (seq, seq, dh), (seq, dh, d),
            (seq, d, ffn), (seq, ffn, d)]

SIZES = {"blog49": (256, 192, 192, 768), "gpt2": (1024, 768, 768, 3072)}
kernel = wm.pyodide_kernel()
report = {"kernel": kernel is not None, "fused": kernel is not None and kernel.fused}
rng = np.random.default_rng(0)
for which in WHICH:
    args = [(rng.standard_normal((i, k), dtype=np.float32), rng.standard_normal((k, j), dtype=np.float32))
            for i, k, j in layer_shapes(*SIZES[which])]
    times = {"einsum": [], "kernel": []}
    for _ in range(REPEATS):
        for path in times:
            wm._KERNEL[:] = [kernel if path == "kernel" else None]
            t0 = time.perf_counter()
            outs = [matmul_f32_in_order(l, r) for l, r in args]
            times[path].append(time.perf_counter() - t0)
        wm._KERNEL[:] = [kernel]
    report[which] = {path: statistics.median(t) for path, t in times.items()}
    if ENGINE:                               # run_bench's wall median, einsum and kernel alternating
        runs = {"einsum": [], "kernel": []}
        for _ in range(ENGINE):
            for path in runs:
                wm._KERNEL[:] = [kernel if path == "kernel" else None]
                runs[path].append(run_bench(which, REPEATS)["median_s"])
        wm._KERNEL[:] = [kernel]
        report[which]["engine_s"] = {path: statistics.median(v) for path, v in runs.items()}
print(json.dumps(report))
'''


def in_browser(site: pathlib.Path, which: list[str], repeats: int, engine: int = 0) -> dict:
    """BROWSER's report, run in headless Chromium by the site's playground worker (with the engine
    benchmark's source in front: the site's wheel has no ``scripts/``)."""
    from bench_engine_browser import run_in_playground

    code = ((REPO / "scripts" / "engine_bench.py").read_text(encoding="utf-8")
            + f"\nWHICH, REPEATS, ENGINE = {which!r}, {repeats}, {engine}\n" + BROWSER)
    out = run_in_playground(site, code)
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--which", nargs="+", default=["blog49", "gpt2"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--engine", type=int, default=0, metavar="N",
                    help="also time the engine benchmark (run_bench's CPU median) N times each with the einsum "
                         "path and the fused kernel, alternating")
    ap.add_argument("--site", type=pathlib.Path, help="also run in Chromium through this built site")
    ap.add_argument("--dist", type=pathlib.Path, default=REPO / ".cache" / "pyodide" / "dist" / "0.27.7")
    args = ap.parse_args()
    from pyodide_node import run_in_node
    program = f"WHICH, REPEATS, ENGINE = {args.which!r}, {args.repeats}, {args.engine}\n" + PROGRAM
    out = run_in_node(args.dist, program, files=[REPO / "scripts" / "engine_bench.py"])
    report = json.loads(out.strip().splitlines()[-1])
    print(f"kernels compiled and checked: {', '.join(report['kernels'])}")
    ok = report["kernels"] == ["plain", "fused"]
    for which in args.which:
        r = report[which]
        ok &= r["identical"]
        sec = r["seconds"]
        print(f"{which}: scene sha256 " + ", ".join(f"{h} ({path})" for path, h in r["scenes"].items())
              + f": {'identical' if r['identical'] else 'DIFFERENT'}")
        print(f"  its {len(r['matmuls'])} matmuls, CPU median of {args.repeats}: " + ", ".join(
            f"{path} {t * 1e3:.1f} ms ({sec['einsum'] / t:.2f}x)" for path, t in sec.items()))
        if "engine_cpu_s" in r:
            e = r["engine_cpu_s"]
            print(f"  engine (run_bench CPU median, median of {args.engine}): einsum {e['einsum'] * 1e3:.1f} ms, "
                  f"fused kernel {e['fused'] * 1e3:.1f} ms")
    if args.site:
        b = in_browser(args.site, args.which, args.repeats, args.engine)
        print(f"chromium: kernel in use {b['kernel']} (relaxed SIMD multiply-add: {b['fused']})")
        ok &= b["kernel"]
        for which in args.which:
            t = b[which]
            print(f"  {which}: its 8 matmul shapes, wall median of {args.repeats}: einsum {t['einsum'] * 1e3:.1f} ms, "
                  f"kernel {t['kernel'] * 1e3:.1f} ms ({t['einsum'] / t['kernel']:.2f}x)")
            if "engine_s" in t:
                e = t["engine_s"]
                print(f"  {which}: engine (run_bench wall median, median of {args.engine}): einsum "
                      f"{e['einsum'] * 1e3:.1f} ms, kernel {e['kernel'] * 1e3:.1f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
