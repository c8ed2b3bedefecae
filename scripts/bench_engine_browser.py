"""Run the engine benchmark (``mmcore._bench.run_bench``) in Pyodide inside headless Chromium, through the
built site's playground and its live-cell worker, and in CPython beside it; print both and their ratio.

usage: .venv/bin/python scripts/bench_engine_browser.py [--site site] [--which blog49] [--repeats 5]

The site must be built (``make site``). No request leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_page import ARGS, CHROMIUM, serve  # noqa: E402  (same browser set-up as the page benchmark)

CODE = "import json\nfrom mmcore._bench import run_bench\nprint(json.dumps(run_bench({which!r}, {repeats})))\n"


def in_browser(site: pathlib.Path, which: str, repeats: int) -> dict:
    from playwright.sync_api import sync_playwright

    server, url = serve(site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page()
            page.set_default_timeout(600_000)
            page.goto(url + "playground/")
            page.wait_for_function("window.mmAtlas && window.mmAtlas.cells.size > 0")
            cell_id = page.evaluate("[...window.mmAtlas.cells.keys()][0]")
            out = page.evaluate(
                "async ([id, code]) => (await window.mmAtlas.runtime.run(id, code)).stdout",
                [cell_id, CODE.format(which=which, repeats=repeats)])
            browser.close()
    finally:
        server.shutdown()
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=pathlib.Path, default=REPO / "site")
    ap.add_argument("--which", default="blog49")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--write", action="store_true", help="record the results in benchmarks/results.json (the speed page)")
    args = ap.parse_args()
    from mmcore._bench import run_bench

    cpython = run_bench(args.which, args.repeats)
    pyodide = in_browser(args.site, args.which, args.repeats)
    for name, r in (("cpython", cpython), ("pyodide", pyodide)):
        print(f"{name:8s} {r['which']}: {r['elements']:,} elements, from_mm + layout + values median "
              f"{r['median_s']:.3f} s; plain numpy f64 matmuls {r['numpy_f64_matmuls_s']:.3f} s "
              f"(ratio {r['ratio_vs_f64']:.2f})")
    print(f"pyodide / cpython: {pyodide['median_s'] / cpython['median_s']:.1f}x "
          f"(plain numpy f64 matmuls: {pyodide['numpy_f64_matmuls_s'] / cpython['numpy_f64_matmuls_s']:.1f}x)")
    if args.write:
        from bench_results import record
        record("engine_browser", {"cpython": cpython, "pyodide": pyodide})
    return 0


if __name__ == "__main__":
    sys.exit(main())
