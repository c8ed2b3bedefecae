"""Benchmark the engine: from_mm + layout with all values, for the essay's attention layer
(blog49, ~1.15 M elements) and the same layer at GPT-2-small size (~18 M elements).

Usage: python scripts/bench_engine.py [blog49|gpt2 ...] [--repeats 5]
Prints medians of the runs, the ratio to the same expression's plain numpy matmuls, and the
peak memory of one run (tracemalloc). Targets (CPython): ≤0.3 s / ≤3 s, ≤2× numpy, < 1.5 GB.
"""

import argparse
import os
import pathlib
import resource
import sys

# The machine is shared and small: one BLAS thread gives steady timings (Pyodide has one too).
# Override with OPENBLAS_NUM_THREADS=2 python scripts/bench_engine.py ...
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from engine_bench import run_bench  # noqa: E402

TARGETS = {"blog49": 0.3, "gpt2": 3.0, "tiny": 0.05}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("which", nargs="*", default=["blog49", "gpt2"])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--write", action="store_true", help="record the results in benchmarks/results.json (the speed page)")
    args = ap.parse_args()
    written = {}
    for which in args.which:
        r = written[which] = run_bench(which, repeats=args.repeats)
        print(f"{which}: {r['elements']:,} elements in {r['faces']} faces; mm link {r['link_chars']} chars")
        print(f"  from_mm + layout + values: median {r['median_s']:.3f} s of {r['repeats']} "
              f"(target ≤ {TARGETS.get(which, float('nan'))} s)")
        print(f"  plain numpy matmuls: float32 {r['numpy_f32_matmuls_s']:.3f} s, float64 {r['numpy_f64_matmuls_s']:.3f} s;"
              f" ratio {r['ratio_vs_f32']:.2f}× vs float32, {r['ratio_vs_f64']:.2f}× vs float64 (target ≤ 2×)")
        print(f"  plain numpy with its own random leaves (float32 draws + matmuls): "
              f"{r['numpy_f32_leaves_and_matmuls_s']:.3f} s; ratio {r['ratio_vs_f32_with_leaves']:.2f}×")
        print(f"  CPU time (process, median): ours {r['cpu_median_s']:.3f} s; numpy float32 matmuls "
              f"{r['cpu_numpy_f32_matmuls_s']:.3f} s, float64 {r['cpu_numpy_f64_matmuls_s']:.3f} s, float32 with leaves "
              f"{r['cpu_numpy_f32_leaves_and_matmuls_s']:.3f} s; ratios {r['cpu_median_s'] / r['cpu_numpy_f32_matmuls_s']:.2f}× / "
              f"{r['cpu_median_s'] / r['cpu_numpy_f64_matmuls_s']:.2f}× / "
              f"{r['cpu_median_s'] / r['cpu_numpy_f32_leaves_and_matmuls_s']:.2f}×")
        print(f"  peak traced memory of one run: {r['peak_mb']:.0f} MB (target < 1536 MB)")
    print(f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    if args.write:
        from bench_results import record
        record("engine", written)
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
