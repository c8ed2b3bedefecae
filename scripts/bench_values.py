"""Benchmark of mmcore's value side: epilogs, inits and the colour mapping at GPT-2 scale.

Prints the median wall time of each operation over a few repeats. The target: every epilog over
~18 M elements (a GPT-2-size layer: 1024x3072 FFN planes plus 1024x1024 attention, about 18 M
numbers) in well under a second.

Run:  .venv/bin/python scripts/bench_values.py [--elements 18000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from mmcore.values.epilogs import EPILOG_NAMES, apply_epilog  # noqa: E402
from mmcore.values.inits import init_values  # noqa: E402
from mmcore.color import VizSettings, hsl_and_size  # noqa: E402
from engine_bench import median_times as median_time  # noqa: E402


def show(label: str, times: tuple[float, float]) -> None:
    print(f"{label:44s} wall {times[0] * 1000:8.1f} ms   cpu {times[1] * 1000:8.1f} ms")


def cases(rows: int, cols: int):
    """(label, zero-argument function) pairs to time."""
    rng = np.random.default_rng(0)
    acc = rng.standard_normal((rows, cols)) * 4.0
    for name in EPILOG_NAMES:
        yield f"epilog {name}", lambda name=name: apply_epilog(acc, name, 768)
    for name in ("softmax(tril(x/sqrt(k)))", "layernorm", "gelu"):
        yield f"epilog {name} textbook", lambda name=name: apply_epilog(acc, name, 768, textbook=True)
    attn = rng.standard_normal((1024, 1024)) * 4.0
    ffn = rng.standard_normal((1024, 3072)) * 4.0
    resid = rng.standard_normal((1024, 768)) * 4.0

    def gpt2_layer():  # 12 causal heads at context 1024, one GELU FFN plane, two layernorms
        for _ in range(12):
            apply_epilog(attn, "softmax(tril(x/sqrt(k)))", 64)
        apply_epilog(ffn, "gelu", 768)
        apply_epilog(resid, "layernorm", 768)
        apply_epilog(resid, "layernorm", 3072)

    yield "epilogs of a GPT-2 layer (17.5 M elements)", gpt2_layer
    tall = rng.standard_normal((1024, 256))
    yield "epilog softmax(tril) 1024x256 (over-read)", lambda: apply_epilog(
        tall, "softmax(tril(x/sqrt(k)))", 64)
    for init in ("gaussian", "row major", "expr"):
        yield f"init {init}", lambda init=init: init_values(
            init, rows, cols, expr="-2 * (Math.trunc(i / 8) % 2) + 1")
    vals = acc.astype(np.float32)
    yield "colour hsl_and_size", lambda: hsl_and_size(vals, VizSettings(), 0.0, 16.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--elements", type=int, default=18_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", default="", help="run only the cases whose label contains this")
    args = ap.parse_args()
    cols = 3072
    rows = max(1, args.elements // cols)
    print(f"array {rows}x{cols} = {rows * cols / 1e6:.1f} M elements, median of {args.repeats}")
    for label, fn in cases(rows, cols):
        if args.only in label:
            show(label, median_time(fn, args.repeats))


if __name__ == "__main__":
    main()
