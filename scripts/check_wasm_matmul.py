"""Check and time Pyodide's WebAssembly matmul kernel (``mmcore.values.wasm_matmul``) in Pyodide under Node.

For the essay's attention layer (``blog49``) and the GPT-2-size layer (``gpt2``): the scene's bytes
with the kernel and with the einsum path (the kernel switched off in the same process) must be
identical; then the layer's own matmuls (the arguments recorded during the layout) are replayed
through both paths, alternating, and the median CPU seconds of each path printed. Exit status 1 when
any scene differs.

usage: .venv/bin/python scripts/check_wasm_matmul.py [--which blog49 gpt2] [--repeats 3] [--dist DIR]
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
import numpy as np
import mmcore
import mmcore.geometry.limits as limits
import mmcore.values.epilogs as epilogs
import mmcore.values.wasm_matmul as wm
from mmcore.values.inorder import matmul_f32_in_order
from engine_bench import attention_layer, SIZES

limits.MAX_ELEMENTS = 10 ** 9
kernel = wm.pyodide_kernel()
report = {"kernel": kernel is not None}

def scene_hash(which, use_kernel, record=None):
    wm._KERNEL[:] = [kernel if use_kernel else None]
    if record is not None:
        epilogs.matmul_f32_in_order = lambda l, r: (record.append((l.copy(), r.copy())), matmul_f32_in_order(l, r))[1]
    try:
        scene = mmcore.layout(attention_layer(*SIZES[which]))
        return hashlib.sha256(scene.to_bytes()).hexdigest()[:16]
    finally:
        epilogs.matmul_f32_in_order = matmul_f32_in_order

for which in WHICH:
    calls = []
    with_kernel, without = scene_hash(which, True, calls), scene_hash(which, False)
    times = {"wasm": [], "einsum": []}
    for _ in range(REPEATS):
        for name in ("einsum", "wasm"):
            wm._KERNEL[:] = [kernel if name == "wasm" else None]
            t0 = time.process_time()
            for l, r in calls:
                matmul_f32_in_order(l, r)
            times[name].append(time.process_time() - t0)
    wm._KERNEL[:] = [kernel]
    report[which] = {"scene_with_kernel": with_kernel, "scene_einsum": without, "identical": with_kernel == without,
                     "matmuls": [(l.shape[0], l.shape[1], r.shape[1]) for l, r in calls],
                     "einsum_s": statistics.median(times["einsum"]), "wasm_s": statistics.median(times["wasm"])}
print(json.dumps(report))
'''


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--which", nargs="+", default=["blog49", "gpt2"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dist", type=pathlib.Path, default=REPO / ".cache" / "pyodide" / "dist" / "0.27.7")
    args = ap.parse_args()
    from pyodide_node import run_in_node
    program = f"WHICH, REPEATS = {args.which!r}, {args.repeats}\n" + PROGRAM
    out = run_in_node(args.dist, program, files=[REPO / "scripts" / "engine_bench.py"])
    report = json.loads(out.strip().splitlines()[-1])
    print(f"kernel compiled and checked: {report['kernel']}")
    ok = report["kernel"]
    for which in args.which:
        r = report[which]
        ok &= r["identical"]
        print(f"{which}: scene sha256 {r['scene_with_kernel']} (kernel) vs {r['scene_einsum']} (einsum): "
              f"{'identical' if r['identical'] else 'DIFFERENT'}; {len(r['matmuls'])} matmuls, CPU median of "
              f"{args.repeats}: einsum {r['einsum_s'] * 1e3:.1f} ms, wasm {r['wasm_s'] * 1e3:.1f} ms "
              f"({r['einsum_s'] / r['wasm_s']:.2f}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
