"""Benchmark the engine: from_mm + layout with all values, for the essay's attention layer
(blog49, ~1.15 M elements) and the same layer at GPT-2-small size (~18 M elements).

Usage: python scripts/bench_engine.py [blog49|gpt2 ...] [--repeats 5] [--profile N]
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


def profile(which: str, top: int) -> None:
    """Print cProfile's ``top`` functions by own time for one from_mm + layout + values of ``which``
    (after a warm-up run), the work ``run_bench`` times; nothing is timed or recorded.
    Example: python scripts/bench_engine.py gpt2 --profile 25"""
    import cProfile
    import pstats

    import mmcore.geometry.limits as limits
    from engine_bench import SIZES, attention_layer
    from mmcore import layout
    from mmcore.mm.api import from_mm, to_mm

    saved = limits.MAX_ELEMENTS
    limits.MAX_ELEMENTS = max(saved, 10 ** 9)          # as run_bench: the GPT-2 layer is past a cell's limit
    try:
        link = to_mm(attention_layer(*SIZES[which]))

        def ours():
            layout(from_mm(link)).viz["global_absmax"]  # values are computed on first use: all of them

        ours()
        prof = cProfile.Profile()
        prof.runcall(ours)
    finally:
        limits.MAX_ELEMENTS = saved
    print(f"{which}: one from_mm + layout + values under cProfile (own time, top {top})")
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("which", nargs="*", default=["blog49", "gpt2"])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--write", action="store_true", help="record the results in benchmarks/results.json (the speed page)")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="instead of timing: print cProfile's N functions with the most own time in one run")
    args = ap.parse_args()
    if args.profile:
        for which in args.which:
            profile(which, args.profile)
        return
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
