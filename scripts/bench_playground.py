"""Benchmark the playground opening an mm link, cold: navigation start -> first frame of the figure, with
the breakdown read from the runtime's performance marks.

usage: .venv/bin/python scripts/bench_playground.py [--site site] [--site other-site ...] [--which blog49 gpt2]
           [--essay-link] [--book-link CELL_ID ...] [--runs 3] [--write]

The links are the essay's attention layer (``scripts/engine_bench.py``: ``attention_layer(*SIZES[which])``
through ``mmcore.to_mm``): ``blog49`` (1.15 M elements) and ``gpt2`` (GPT-2-small size, 18.35 M). Each run is
a fresh browser context (empty HTTP cache and storage) opening ``playground/?mm=<link>``. With several
``--site``s the runs alternate between them (an A/B on the same machine at the same time).

Added rows (the rows above measure the same as without them): ``--essay-link`` also opens the essay's own
URL of each ``--which`` that is an essay case (``blog49-essay``, from ``shared/reference/mm_blog_cases.json`` beside the
clone); ``--book-link ID`` opens the mm link that the book's figure ``ID`` carries (read from the first site's
``ID.mmscene``; row ``book-ID``: the playground paints the book's prebuilt figure while Python boots when the
build's ``links.json`` lists it) and the same link with the gap one larger (row ``book-ID-changed``: the same
elements, a different figure, so the normal path).

Phases (ms; the marks are ``mm:<name>:<cell>`` unless said, see pyodide_app/README.md):
    boot_start     navigation -> ``mm:boot-start`` (the page creates the worker; else the worker script's request)
    python_ready   navigation -> ``mm:python-ready`` (worker + Pyodide + numpy + mmcore)
    boot_*         the worker's own boot steps (runtime.bootTimings)
    wait_boot      ``mm:run-start`` (the link's run asked) -> Python ready: the run waits for the boot
    py_eval        the cell's code (``from_mm``: the link read into an expression)
    py_layout      ``mmcore.layout``: the geometry (the engine's first half)
    py_values      the values and their ranges (the engine's second half: ``mmcore.values``, computed lazily
                   while the scene is encoded; the helper times them apart, pyodide_app/js/runtime/run-helper.js)
    py_link        the figure's mm link for the scene header (``to_mm``)
    py_encode      ``scene_to_bytes`` without the values: the scene encoding
    extract        the copy of the scene bytes out of the wasm heap
    transfer       worker posted the scene -> the main thread has it
    decode         ``decodeScene``
    build          three.js objects, value textures, colours computed before the first frame
    draw           the first render call (texture upload) and the frame that shows it
    first_frame    navigation -> ``mm:first-frame:<cell>`` (the goal)
    colors_after   first frame -> the colours deferred past it are in use (``mm:colors-done``)
Headless Debian Chromium (software WebGL), the site served on 127.0.0.1; no request leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import urllib.parse

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_page import ARGS, CHROMIUM, serve  # noqa: E402

#: the marks of one run, in page time (ms since navigation start); absent marks are null
READ_MARKS = """(id) => {
  const at = (name) => { const e = performance.getEntriesByName(name); return e.length ? e[e.length - 1].startTime : null; };
  const worker = performance.getEntriesByType('resource').find((e) => /assets\\/mm\\/worker\\.js/.test(e.name));
  const names = ['run-start', 'python-start', 'python-eval', 'python-layout', 'python-values', 'python-link', 'python-encode',
                 'scene-extracted', 'scene-posted', 'scene-received', 'scene-decoded', 'scene-built', 'scene-drawn',
                 'first-frame', 'colors-done'];
  const marks = Object.fromEntries(names.map((n) => [n, at(`mm:${n}:${id}`)]));
  marks['python-ready'] = at('mm:python-ready');
  marks['boot-start'] = at('mm:boot-start') ?? (worker ? worker.startTime : null);
  return {marks, boot: window.mmAtlas.runtime.bootTimings || {}};
}"""

BOOT_STEPS = ("import_pyodide_mjs", "load_pyodide", "load_packages", "import_mmcore")


def phases(marks: dict, boot: dict) -> dict:
    """Durations (ms) of each phase from one run's marks (None when a mark is missing)."""
    def span(a, b):
        return None if marks.get(a) is None or marks.get(b) is None else marks[b] - marks[a]

    out = {"boot_start": marks.get("boot-start"), "python_ready": marks.get("python-ready")}
    out.update({f"boot_{k}": boot.get(k) for k in BOOT_STEPS})
    ready, start = marks.get("python-ready"), marks.get("run-start")
    out["wait_boot"] = max(0.0, ready - start) if ready is not None and start is not None else None
    chain = [("py_eval", "python-start", "python-eval"), ("py_layout", "python-eval", "python-layout"),
             ("py_values", "python-layout", "python-values"), ("py_link", "python-values", "python-link"),
             ("py_encode", "python-link", "python-encode"),
             ("extract", "python-encode", "scene-extracted"), ("transfer", "scene-posted", "scene-received"),
             ("decode", "scene-received", "scene-decoded"), ("build", "scene-decoded", "scene-built"),
             ("draw", "scene-built", "first-frame")]
    for name, a, b in chain:
        out[name] = span(a, b)
    out["first_frame"] = marks.get("first-frame")
    after = span("first-frame", "colors-done")
    out["colors_after"] = None if after is None else max(0.0, after)   # 0: no colours were deferred
    return out


def link_for(which: str) -> tuple[str, int]:
    """The essay's attention layer at size ``which`` as an mm link, and its element count."""
    import mmcore
    from engine_bench import SIZES, attention_layer
    from mmcore.geometry.limits import figure_size

    expr = attention_layer(*SIZES[which])
    return mmcore.to_mm(expr), figure_size(expr)[0]


def essay_link_for(which: str) -> tuple[str, int]:
    """The essay's own mm URL of the case ``which`` (e.g. blog49) and its element count."""
    import mmcore
    from mmcore.geometry.limits import figure_size

    cases_file = REPO.parent / "shared" / "reference" / "mm_blog_cases.json"
    if not cases_file.is_file():
        raise SystemExit(f"--essay-link needs the essay's cases: {cases_file.name} not found beside the clone")
    cases = {c["id"]: c for c in json.loads(cases_file.read_text(encoding="utf-8"))}
    if which not in cases:
        raise SystemExit(f"--essay-link: the essay has no case {which!r}")
    url = cases[which]["url"]
    return url, figure_size(mmcore.from_mm(url))[0]


def book_links_for(site: pathlib.Path, cell_id: str) -> dict[str, tuple[str, int]]:
    """The mm link of the book's figure ``cell_id`` (its prebuilt scene's header) and the same link with the
    layout gap one larger (same elements, another figure), with their element counts."""
    import mmcore
    from mmcore.geometry.limits import figure_size
    from mmcore.mm.link import make_mm_link, parse_mm_link
    from mmcore.wire.codec import read_header

    found = sorted(site.rglob(f"{cell_id}.mmscene"))
    if not found:
        raise SystemExit(f"--book-link: no figure {cell_id!r} in {site}")
    link = read_header(found[0].read_bytes()).get("mm_link")
    if not link:
        raise SystemExit(f"--book-link: the figure {cell_id!r} carries no mm link")
    params = parse_mm_link(link)
    params["layout"]["gap"] = params["layout"].get("gap", 0) + 1
    changed = make_mm_link(params, compress=True)
    return {f"book-{cell_id}": (link, figure_size(mmcore.from_mm(link))[0]),
            f"book-{cell_id}-changed": (changed, figure_size(mmcore.from_mm(changed))[0])}


def one_run(browser, url: str, timeout_s: float) -> dict:
    """Open the playground link in a fresh context; the marks' phases of that visit."""
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        page = ctx.new_page()
        page.set_default_timeout(timeout_s * 1000)
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.mmAtlas && window.mmAtlas.cells.size > 0")  # a function: the CSP forbids eval
        cell = page.evaluate("[...window.mmAtlas.cells.keys()][0]")
        page.wait_for_function("""([n, id]) => performance.getEntriesByName(n).length > 0
            || document.querySelector(`[data-mm-cell="${id}"]`).dataset.state === 'error'""", arg=[f"mm:first-frame:{cell}", cell])
        state = page.get_attribute(f'[data-mm-cell="{cell}"]', "data-state")
        if state == "error":
            raise SystemExit(f"the link did not open: {page.text_content(f'[data-mm-cell=\"{cell}\"] [data-mm-status]')}")
        try:   # the colours deferred past the first frame (none for a small scene)
            page.wait_for_function("(n) => performance.getEntriesByName(n).length > 0", arg=f"mm:colors-done:{cell}",
                                   timeout=20_000)
        except Exception:  # noqa: BLE001 - no deferred colours: the phase is reported as None
            pass
        got = page.evaluate(READ_MARKS, cell)
        return {"state": state, **phases(got["marks"], got["boot"])}
    finally:
        ctx.close()


def median_row(rows: list[dict]) -> dict:
    keys = [k for k in rows[0] if k != "state"]
    med = {}
    for k in keys:
        vals = [r[k] for r in rows if r.get(k) is not None]
        med[k] = round(statistics.median(vals)) if vals else None
    med["states"] = sorted({r["state"] for r in rows})
    return med


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", action="append", type=pathlib.Path, help="a built site (repeat for an A/B; default site/)")
    ap.add_argument("--which", nargs="+", default=["blog49", "gpt2"], choices=["tiny", "blog49", "gpt2"])
    ap.add_argument("--essay-link", action="store_true", help="also open the essay's own URL of each --which case")
    ap.add_argument("--book-link", nargs="+", default=[], metavar="CELL_ID",
                    help="also open the mm link of the book's figure CELL_ID, and that link with one value changed")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300, help="seconds one visit may take")
    ap.add_argument("--write", action="store_true", help="record the medians in benchmarks/results.json (one site only)")
    a = ap.parse_args()
    sites = a.site or [REPO / "site"]
    for s in sites:
        if not (s / "playground" / "index.html").is_file():
            raise SystemExit(f"{s} is not a built site with a playground: build it first")
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()[0]   # the machine's load average, recorded with the medians
    servers = [serve(s) for s in sites]
    links = {w: link_for(w) for w in a.which}
    if a.essay_link:
        links.update({f"{w}-essay": essay_link_for(w) for w in a.which if w.startswith("blog")})
    for cell_id in a.book_link:
        links.update(book_links_for(sites[0], cell_id))
    rows: dict = {(i, w): [] for i in range(len(sites)) for w in links}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for run in range(a.runs):
                for w in links:
                    for i, (_, base) in enumerate(servers):
                        url = base + "playground/?mm=" + urllib.parse.quote(links[w][0], safe="")
                        row = one_run(browser, url, a.timeout)
                        rows[(i, w)].append(row)
                        print(f"run {run + 1} {w} site {i}: {json.dumps(row)}", flush=True)
            browser.close()
    finally:
        for server, _ in servers:
            server.shutdown()
    result = {}
    for (i, w), rs in rows.items():
        med = median_row(rs)
        result.setdefault(i, {})[w] = {"elements": links[w][1], "runs": len(rs), **med}
        print(f"\nsite {i} ({sites[i]}) {w}, {links[w][1]:,} elements, medians of {len(rs)} (ms):")
        print("  " + "  ".join(f"{k} {v}" for k, v in med.items()))
    if a.write:
        if len(sites) != 1:
            raise SystemExit("--write records one site: pass a single --site")
        from bench_results import command_line, record
        inside = sites[0].resolve().is_relative_to(REPO)   # a site built elsewhere: its path stays out of the file
        cmd = command_line()
        loads = {"load_average_before": round(load_before, 1), "load_average_after": round(os.getloadavg()[0], 1)}
        measured = {w: result[0][w] for w in a.which}   # the added rows stay out of the record
        record("playground", {**measured, **loads}, command=cmd if inside else cmd.replace(str(a.site[0]), "<built site>"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
