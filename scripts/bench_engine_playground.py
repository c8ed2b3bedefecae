"""Where the time goes when the playground opens an mm link: the worker (engine + scene encoding), the copy
out of the wasm heap, and the main thread (message, decoding, colour precompute, first frame).

usage: .venv/bin/python scripts/bench_engine_playground.py [--site site] [--which blog49|gpt2] [--repeats 3]

1. Cold: a fresh browser opens ``playground/?mm=<link>`` (the essay's attention layer at the chosen size); the
   performance marks give navigation → Python ready → first frame (``mm:python-ready``, ``mm:first-frame:<cell>``).
2. Warm, ``--repeats`` times in the same page: the cell runs the link again; the worker's own timings
   (``run``: Python, engine and ``to_bytes``; ``extract``: the copy out of the wasm heap) are read from the
   runtime's answer, and the rest of the click → frame time is the main thread's share.
For ``gpt2`` the figure size limit (``mmcore.geometry.limits``) is raised in the worker first and cold step 1 is
skipped (written when the limit was 4 M; the GPT-2-size layer, 18.35 M, is now under the 20 M limit).
The cold visit with every phase from the runtime's marks is ``scripts/bench_playground.py``.
No request leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys
import urllib.parse

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_page import ARGS, CHROMIUM, serve  # noqa: E402

WRAP = """() => { const rt = window.mmAtlas.runtime; if (rt.__wrapped) return; rt.__wrapped = true;
  const orig = rt.run.bind(rt);
  rt.run = async (...a) => { const r = await orig(...a); window.__mmLast = {timings: r.timings,
    bytes: r.scene ? r.scene.byteLength : 0}; return r; }; }"""


def playground(site: pathlib.Path, which: str, repeats: int) -> dict:
    from playwright.sync_api import sync_playwright

    import mmcore
    from engine_bench import SIZES, attention_layer

    link = mmcore.to_mm(attention_layer(*SIZES[which]))
    server, url = serve(site)
    out: dict = {"which": which, "repeats": repeats}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page()
            page.set_default_timeout(900_000)
            if which != "gpt2":
                page.goto(url + "playground/?mm=" + urllib.parse.quote(link, safe=""), wait_until="load")
                cell = page.evaluate("document.querySelector('[data-mm-cell]').dataset.mmCell")
                page.wait_for_function("(n) => performance.getEntriesByName(n).length > 0", arg=f"mm:first-frame:{cell}")
                marks = page.evaluate("""(id) => ({ready: performance.getEntriesByName('mm:python-ready')[0]?.startTime,
                    frame: performance.getEntriesByName('mm:first-frame:' + id)[0].startTime})""", cell)
                out["cold_python_ready_s"] = marks["ready"] / 1000 if marks["ready"] else None
                out["cold_first_frame_s"] = marks["frame"] / 1000
            else:
                page.goto(url + "playground/", wait_until="load")
            page.wait_for_function("() => window.mmAtlas && window.mmAtlas.cells.size > 0")  # a function: the CSP forbids eval
            cell = page.evaluate("[...window.mmAtlas.cells.keys()][0]")
            page.evaluate(WRAP)
            page.evaluate("async (id) => { await window.mmAtlas.runtime.run(id, 'import mmcore.geometry.limits as L\\n"
                          "L.MAX_ELEMENTS = max(L.MAX_ELEMENTS, 10 ** 8)'); }", cell)
            code = f"mmcore.from_mm({link!r})"
            runs = []
            for _ in range(repeats):
                r = page.evaluate("""async ([id, code]) => { const c = window.mmAtlas.cells.get(id); c.setCode(code);
                    const t = performance.now(); await c.run(); const total = performance.now() - t;
                    return {total, ...window.__mmLast, state: document.querySelector(`[data-mm-cell="${id}"]`).dataset.state}; }""",
                                  [cell, code])
                runs.append(r)
            browser.close()
    finally:
        server.shutdown()
    med = lambda key: statistics.median(key(r) for r in runs)  # noqa: E731
    out.update({
        "states": sorted({r["state"] for r in runs}), "scene_bytes": runs[-1]["bytes"],
        "warm_total_s": med(lambda r: r["total"]) / 1000,
        "worker_run_s": med(lambda r: r["timings"]["run"]) / 1000,
        "worker_extract_s": med(lambda r: r["timings"]["extract"]) / 1000,
        "main_thread_s": med(lambda r: r["total"] - r["timings"]["run"] - r["timings"]["extract"]) / 1000,
    })
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=pathlib.Path, default=REPO / "site")
    ap.add_argument("--which", default="blog49")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(json.dumps(playground(args.site, args.which, args.repeats), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
