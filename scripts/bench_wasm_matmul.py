"""Time the WebAssembly matmul kernel's variants (tile shape, k chunk, row group) against the einsum path
in Pyodide under Node, on the matmul shapes of the essay's attention layer and of the GPT-2-size layer.

Every variant's result is checked bit for bit against the einsum path's. Variants run alternating,
``--repeats`` rounds after one untimed call each (V8 runs new wasm code in its baseline tier first);
printed: the median CPU seconds per layer (all its matmuls), and the first variant's with the operands
packed by numpy (``pack_left``, ``pack_right``) instead of the kernel's ``mm_pack``. A tile written
``f4x4`` is the kernel with relaxed SIMD's multiply-add (switched on in Node 20, as Chromium has it).

usage: .venv/bin/python scripts/bench_wasm_matmul.py [--tiles 4x4 f4x4 f2x8] [--k-chunks 256] [--row-groups 16]
       [--which blog49 gpt2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import itertools
import json
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

PROGRAM = r'''
import json, statistics, time
import js
js.process.mainModule.require("v8").setFlagsFromString("--experimental-wasm-relaxed-simd")  # Node 20: behind a flag
import numpy as np
import mmcore.values.wasm_matmul as wm
from mmcore.values.wasm_load import instantiate_in_pyodide
from mmcore.values.inorder import matmul_in_order

def layer_shapes(seq, d, dh, ffn):
    """(I, K, J) of the attention layer's eight matmuls (scripts/engine_bench.attention_layer)."""
    return [(seq, d, dh), (dh, d, seq), (seq, dh, seq), (seq, d, dh), (seq, seq, dh), (seq, dh, d),
            (seq, d, ffn), (seq, ffn, d)]

SIZES = {"blog49": (256, 192, 192, 768), "gpt2": (1024, 768, 768, 3072)}
rng = np.random.default_rng(0)
kernels = {}
for rows, cols, kc, group in VARIANTS:
    if (rows, cols) not in kernels:
        ex = instantiate_in_pyodide(wm.kernel_module(abs(rows), cols, fused=rows < 0))
        kernels[rows, cols] = wm.Kernel(ex.mm_matmul, {n: getattr(ex, f"mm_pack{n}") for n in {abs(rows), cols}},
                                        abs(rows), cols)

def numpy_packed(left, right, kernel, k_chunk, row_group):
    """The same product with the operands packed by numpy (pack_left, pack_right) instead of mm_pack."""
    (i, k), j = left.shape, right.shape[1]
    a, b = wm.pack_left(left, kernel.rows), wm.pack_right(right, kernel.cols)
    out = np.empty((a.shape[0] * kernel.rows, b.shape[0] * kernel.cols))
    addr = lambda x: x.__array_interface__["data"][0]
    for c in wm.plan(addr(a), addr(b), addr(out), (i, k, j), rows=kernel.rows, cols=kernel.cols,
                     k_chunk=k_chunk, row_group=row_group):
        kernel.matmul(*c)
    return np.ascontiguousarray(out[:i, :j])
report = {}
for which in WHICH:
    args = [(rng.standard_normal((i, k), dtype=np.float32), rng.standard_normal((k, j), dtype=np.float32))
            for i, k, j in layer_shapes(*SIZES[which])]
    want = [matmul_in_order(l.astype(np.float64), r.astype(np.float64)) for l, r in args]
    times = {"einsum": []} | {"x".join(map(str, v)): [] for v in VARIANTS} | {"numpy packing": []}
    for rows, cols, kc, group in VARIANTS:          # one untimed round: V8 moves hot wasm to its optimising tier
        wm.matmul_f32_wasm(*args[0], kernels[rows, cols], k_chunk=kc, row_group=group)
    for _ in range(REPEATS):
        t0 = time.process_time()
        for l, r in args:
            matmul_in_order(l.astype(np.float64), r.astype(np.float64))
        times["einsum"].append(time.process_time() - t0)
        for rows, cols, kc, group in VARIANTS:
            tiles = dict(k_chunk=kc, row_group=group)
            t0 = time.process_time()
            got = [wm.matmul_f32_wasm(l, r, kernels[rows, cols], **tiles) for l, r in args]
            times[f"{rows}x{cols}x{kc}x{group}"].append(time.process_time() - t0)
            assert all(np.array_equal(g.view(np.int64), w.view(np.int64)) for g, w in zip(got, want)), tiles
        rows, cols, kc, group = VARIANTS[0]
        t0 = time.process_time()
        got = [numpy_packed(l, r, kernels[rows, cols], kc, group) for l, r in args]
        times["numpy packing"].append(time.process_time() - t0)
        assert all(np.array_equal(g.view(np.int64), w.view(np.int64)) for g, w in zip(got, want))
    report[which] = {name: statistics.median(t) for name, t in times.items()}
print(json.dumps(report))
'''


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", nargs="+", default=["4x4"],
                    help="ROWSxCOLS of the result tile; fROWSxCOLS: the kernel with relaxed SIMD's multiply-add")
    ap.add_argument("--k-chunks", nargs="+", type=int, default=[256])
    ap.add_argument("--row-groups", nargs="+", type=int, default=[16])
    ap.add_argument("--which", nargs="+", default=["blog49", "gpt2"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dist", type=pathlib.Path, default=REPO / ".cache" / "pyodide" / "dist" / "0.27.7")
    args = ap.parse_args()
    from pyodide_node import run_in_node
    variants = [tuple(map(int, t.replace("f", "-").split("x"))) + (kc, g)
                for t, kc, g in itertools.product(args.tiles, args.k_chunks, args.row_groups)]
    program = f"WHICH, REPEATS, VARIANTS = {args.which!r}, {args.repeats}, {variants!r}\n" + PROGRAM
    report = json.loads(run_in_node(args.dist, program).strip().splitlines()[-1])
    for which, times in report.items():
        print(f"{which}: CPU medians of {args.repeats}, the layer's 8 matmuls")
        for name, t in times.items():
            tile = name.replace("-", "f", 1)                        # f: relaxed SIMD multiply-add
            label = "rows x cols x k_chunk x row_group " + tile if tile[0] in "0123456789f" else name
            print(f"  {label:44s} {t * 1e3:9.1f} ms  ({times['einsum'] / t:5.2f}x einsum)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
