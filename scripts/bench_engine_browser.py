"""Run the engine benchmark (``run_bench`` of ``scripts/engine_bench.py``) in Pyodide inside headless Chromium, through the
built site's playground and its live-cell worker, and in CPython beside it; print both and their ratio.

usage: .venv/bin/python scripts/bench_engine_browser.py [--site site] [--which blog49] [--repeats 5] [--node]

The site must be built (``make site``). No request leaves the machine.

``--node`` also runs the benchmark in Pyodide under Node (the same V8 and wasm engine as Chromium) with
``time.process_time`` reading the process's CPU time: on a shared, loaded machine wall times in the
browser mostly measure the other processes, CPU times compare the engines (CPython prints CPU time too).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys

# One BLAS thread, as in scripts/bench_engine.py (and as Pyodide has): OpenBLAS's spinning threads
# make CPython's wall times erratic on a shared machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_page import ARGS, CHROMIUM, serve  # noqa: E402  (same browser set-up as the page benchmark)

# The benchmark module is sent as source: it lives in scripts/, not in the mmcore wheel the site ships.
BENCH_SOURCE = (REPO / "scripts" / "engine_bench.py").read_text(encoding="utf-8")


def _code(which: str, repeats: int) -> str:
    """The benchmark's source plus the call (no str.format: the source has braces of its own)."""
    return BENCH_SOURCE + f"\nimport json\nprint(json.dumps(run_bench({which!r}, {int(repeats)})))\n"


def run_in_playground(site: pathlib.Path, code: str) -> str:
    """Run ``code`` in headless Chromium through the built site's playground cell (its live-cell worker) and
    return its stdout. Example: run_in_playground(REPO / "site", "print(1 + 1)")  # "2\n"
    """
    from playwright.sync_api import sync_playwright

    server, url = serve(site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page()
            page.set_default_timeout(600_000)
            page.goto(url + "playground/")
            page.wait_for_function("() => window.mmAtlas && window.mmAtlas.cells.size > 0")  # a function: the CSP forbids eval
            cell_id = page.evaluate("[...window.mmAtlas.cells.keys()][0]")
            out = page.evaluate("async ([id, code]) => (await window.mmAtlas.runtime.run(id, code)).stdout",
                                [cell_id, code])
            browser.close()
    finally:
        server.shutdown()
    return out


def in_browser(site: pathlib.Path, which: str, repeats: int) -> dict:
    out = run_in_playground(site, _code(which, repeats))
    return json.loads(out.strip().splitlines()[-1])


def in_node(dist: pathlib.Path, which: str, repeats: int) -> dict:
    """``run_bench`` in Pyodide under Node, the engine's source from this checkout; CPU times are real."""
    from pyodide_node import run_in_node

    program = f"import json\nfrom engine_bench import run_bench\nprint(json.dumps(run_bench({which!r}, {repeats})))\n"
    out = run_in_node(dist, program, files=[REPO / "scripts" / "engine_bench.py"])
    return json.loads(out.strip().splitlines()[-1])


def _command(args) -> str:
    """The command line to record, with the site folder named as the default (no machine path)."""
    from bench_results import command_line
    line = command_line()
    return line.replace(str(args.site), "site") if args.site != REPO / "site" else line


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=pathlib.Path, default=REPO / "site")
    ap.add_argument("--which", default="blog49")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--node", action="store_true", help="also measure Pyodide under Node, in CPU time")
    ap.add_argument("--dist", type=pathlib.Path, default=REPO / ".cache" / "pyodide" / "dist" / "0.27.7",
                    help="the Pyodide index for --node (python scripts/build_pyodide.py)")
    ap.add_argument("--write", action="store_true", help="record the results in benchmarks/results.json (the speed page)")
    args = ap.parse_args()
    from engine_bench import run_bench

    # The machine may be shared: CPython runs before and after the browser and the less disturbed
    # of its two medians is kept (the browser gives no CPU time to compare with instead).
    cpython = run_bench(args.which, args.repeats)
    pyodide = in_browser(args.site, args.which, args.repeats)
    cpython = min(cpython, run_bench(args.which, args.repeats), key=lambda r: r["median_s"])
    for name, r in (("cpython", cpython), ("pyodide", pyodide)):
        print(f"{name:8s} {r['which']}: {r['elements']:,} elements, from_mm + layout + values median "
              f"{r['median_s']:.3f} s; plain numpy f64 matmuls {r['numpy_f64_matmuls_s']:.3f} s "
              f"(ratio {r['ratio_vs_f64']:.2f})")
    print(f"pyodide / cpython: {pyodide['median_s'] / cpython['median_s']:.1f}x "
          f"(plain numpy f64 matmuls: {pyodide['numpy_f64_matmuls_s'] / cpython['numpy_f64_matmuls_s']:.1f}x)")
    data = {"cpython": cpython, "pyodide": pyodide}
    if args.node:
        node = data["pyodide_node"] = in_node(args.dist, args.which, args.repeats)
        print(f"pyodide in node, CPU time: from_mm + layout + values median {node['cpu_median_s']:.3f} s "
              f"(CPython {cpython['cpu_median_s']:.3f} s): {node['cpu_median_s'] / cpython['cpu_median_s']:.1f}x; "
              f"plain numpy f64 matmuls {node['cpu_numpy_f64_matmuls_s']:.3f} s "
              f"({node['cpu_numpy_f64_matmuls_s'] / cpython['cpu_numpy_f64_matmuls_s']:.1f}x)")
    if args.write:
        from bench_results import record
        record("engine_browser", data, command=_command(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
