"""Benchmark a live page from its performance marks, as a reader's browser gets it: time to the first frame of
the prebuilt figure, and the first Run (Python boot and the run itself), cold (fresh browser profile) and warm
(reload, HTTP cache kept).

Each run is a fresh browser profile on disk, as a reader's: its HTTP cache keeps the 10 MB wasm and Chromium's
compiled-wasm cache (a Playwright in-memory context drops cache entries that large, so its "warm" downloaded
the wasm again). The default is the real reader's configuration: the page boots Python in the background as
soon as it sees its cells (pyodide_app/js/app.js `bootInBackground`). A browser driven by automation skips
that background boot unless `localStorage["mm:boot"]` is "reader", so this script sets it; `--click-boot`
measures the old configuration instead (no background boot: Python starts when Run is clicked). Before
2026-12-07 the recorded numbers were the click-boot ones, in in-memory contexts.

usage: .venv/bin/python scripts/bench_page.py [--site site] [--page tutorial/first-matmul/] [--runs 5]
           [--click-boot] [--read-ms 5000] [--throttle 20,40]   (Python only on the Run click; a reader who
                                                                 reads first; a slower network; these
                                                                 variants are never --write'n)
           [--no-wait-snapshot] [--settle-ms 4000]

Between the cold visit and the reload it waits until the page's memory snapshot of the started interpreter is
stored (`mm:snapshot-stored`, pyodide_app/js/runtime/snapshot.js: made by a second worker ~1 s after Python is
ready and no run is in flight, ~1 s of work), as it is for a reader who stays on the first page a few seconds;
`--no-wait-snapshot` reloads at once (the warm visit then boots the normal way), `--settle-ms` waits at least that
long in every case (an A/B against a build without snapshots waits as long on both sides). The cold row's
`snapshot_stored` is when it was stored (ms from that page's navigation start; None: no snapshot was made).
       .venv/bin/python scripts/bench_page.py --js [--site site]     (JS bytes each kind of page loads)

Prints one line per run and the medians:
    first_frame   ms from navigation start to `mm:first-frame:<first cell>`
    boot_start    ms from navigation start to `mm:boot-start` (the worker is created)
    python_ready  ms from the Run click to `mm:python-ready` (worker + Pyodide + numpy + mmcore; what is left of
                  a boot that started in the background, 0 when it was over); the Run is clicked as soon as the
                  first frame is drawn (python_ready_since_nav: from navigation start)
    run_done      ms from the Run click to `mm:run-done:<cell>` (boot, run, transfer, first frame of the new scene)
boot_steps (per run): the worker's own timings of each boot step (import_pyodide_mjs, load_pyodide: wasm and
interpreter, load_packages: numpy and the mmcore wheel, import_mmcore), and finer ones: init_delay (the page's
init to the worker reading it), wasm_fetched (ms into load_pyodide; negative: it had arrived before), wasm_early (1: the
interpreter came from the wasm compiled from the boot's start, runtime/wasm-early.js), packages_ready (ms into the boot: the bundle
downloaded and inflated on its helper thread), packages_wait/_write/_libs/_forget, import_numpy (part of
import_mmcore); see pyodide_app/js/runtime/worker.js.
With --js: the JavaScript a text-only page, a figure page and the same page after the reader clicks into
the code download (sum of the bodies of every .js/.mjs response, raw and gzip -6; `ours`: only assets/mm/).
Headless Debian Chromium (software WebGL), the site served by http.server on 127.0.0.1, no request leaves
the machine (host resolver rules; any non-loopback request is reported).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import pathlib
import re
import statistics
import sys
import tempfile
import threading

REPO = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
READER_BOOT = "try { localStorage.setItem('mm:boot', 'reader'); } catch (e) {}"


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript"}

    def log_message(self, *args):
        pass


def serve(root: pathlib.Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def first_prebuilt_page(site: pathlib.Path) -> str:
    for page in sorted(site.rglob("index.html")):
        text = page.read_text(encoding="utf-8")
        if 'data-scene="' in text and 'data-autorun="mm-link"' not in text:
            rel = page.parent.relative_to(site).as_posix()
            return "" if rel == "." else rel + "/"
    raise SystemExit(f"no page with a prebuilt cell under {site}")


SNAPSHOT_BUSY = "() => !['allowed', 'waiting', 'making'].includes(window.mmAtlas?.runtime?.snapshotState)"


def settle(page, wait_snapshot: bool, settle_ms: int) -> int | None:
    """Before the reload: wait for the page's snapshot maker to end (when ``wait_snapshot``; a build without one
    has no ``snapshotState``) and at least ``settle_ms`` since this call; returns when the snapshot was stored (ms
    from navigation start) or None."""
    started = page.evaluate("performance.now()")
    if wait_snapshot:
        page.wait_for_function(SNAPSHOT_BUSY, timeout=60_000)
    left = settle_ms - (page.evaluate("performance.now()") - started)
    if left > 0:
        page.wait_for_timeout(left)
    stored = page.evaluate("performance.getEntriesByName('mm:snapshot-stored')[0]?.startTime ?? null")
    return None if stored is None else round(stored)


def measure(page, url: str, reload: bool, read_ms: int = 0) -> dict:
    """One visit; ``read_ms``: the reader reads that long after the first frame before clicking Run."""
    if reload:
        page.reload(wait_until="load")
    else:
        page.goto(url, wait_until="load")
    cell = page.get_attribute("[data-mm-cell][data-scene]", "data-mm-cell")
    page.wait_for_function("(n) => performance.getEntriesByName(n).length > 0", arg=f"mm:first-frame:{cell}",
                           timeout=60_000)
    first_frame = page.evaluate("(n) => performance.getEntriesByName(n)[0].startTime", f"mm:first-frame:{cell}")
    if read_ms:
        page.wait_for_timeout(read_ms)
    clicked = page.evaluate("""(id) => { const t = performance.now();
        document.querySelector(`[data-mm-cell="${id}"] button[data-action="run"]`).click(); return t; }""", cell)
    page.wait_for_function("(n) => performance.getEntriesByName(n).length > 0", arg=f"mm:run-done:{cell}",
                           timeout=120_000)
    marks = page.evaluate("""([id]) => ({ready: performance.getEntriesByName('mm:python-ready')[0].startTime,
        start: performance.getEntriesByName('mm:boot-start')[0]?.startTime ?? null,
        done: performance.getEntriesByName('mm:run-done:' + id)[0].startTime,
        state: document.querySelector(`[data-mm-cell="${id}"]`).dataset.state,
        boot: mmAtlas.runtime.bootTimings})""", [cell])
    return {"cell": cell, "first_frame": round(first_frame),
            "boot_start": None if marks["start"] is None else round(marks["start"]),   # None: a build before the mark
            "python_ready": max(0, round(marks["ready"] - clicked)),   # 0: ready before the click
            "python_ready_since_nav": round(marks["ready"]),
            "run_done": round(marks["done"] - clicked), "state": marks["state"],
            "boot_steps": {k: round(v) for k, v in (marks["boot"] or {}).items()}}


def throttle(ctx, page, spec: str) -> None:
    """Emulate a network on ``page`` (and its workers): "MBIT,RTT_MS", e.g. "20,40"."""
    mbit, rtt = (float(v) for v in spec.split(","))
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": rtt,
             "downloadThroughput": mbit * 1e6 / 8, "uploadThroughput": mbit * 1e6 / 8})


def text_only_page(site: pathlib.Path) -> str:
    for page in sorted(site.rglob("index.html")):
        rel = page.parent.relative_to(site).as_posix()
        if "assets" not in rel.split("/") and "data-mm-cell" not in page.read_text(encoding="utf-8"):
            return "" if rel == "." else rel + "/"
    raise SystemExit(f"no page without cells under {site}")


def js_bytes(browser, url: str, edit: bool = False) -> dict:
    """JS the page downloads in a fresh profile: {raw, gzip, ours_raw, ours_gzip, files}; with ``edit`` the reader
    then clicks into the first cell's code (the editor loads)."""
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    bodies: dict[str, bytes] = {}

    def on_response(r):
        path = r.url.split("?")[0]
        if path.endswith((".js", ".mjs")) and r.status == 200:
            try:
                bodies[r.url] = r.body()
            except Exception:  # noqa: BLE001 - a response whose body is gone (navigation)
                pass

    ctx.on("response", on_response)
    page = ctx.new_page()
    page.goto(url, wait_until="load")
    if page.query_selector("[data-mm-cell]"):
        page.wait_for_selector("[data-mm-live]", timeout=60_000)
    if edit:
        page.click("[data-mm-cell] [data-mm-code]")
        page.wait_for_selector("[data-mm-cell] .cm-editor", timeout=30_000)
    page.wait_for_timeout(500)
    ctx.close()
    mine = {u: b for u, b in bodies.items() if "/assets/mm/" in u}
    gz = lambda b: len(gzip.compress(b, 6))  # noqa: E731
    return {"raw": sum(map(len, bodies.values())), "gzip": sum(map(gz, bodies.values())),
            "ours_raw": sum(map(len, mine.values())), "ours_gzip": sum(map(gz, mine.values())),
            "files": sorted(u.split("/assets/mm/")[-1] for u in mine)}


def main_js(site: pathlib.Path) -> int:
    from playwright.sync_api import sync_playwright

    server, base = serve(site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for kind, page, edit in (("text-only", text_only_page(site), False),
                                     ("figure", first_prebuilt_page(site), False),
                                     ("figure+edit", first_prebuilt_page(site), True)):
                print(json.dumps({"page": kind, "path": page, **js_bytes(browser, base + page, edit)}), flush=True)
            browser.close()
    finally:
        server.shutdown()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", default=str(REPO / "site"))
    ap.add_argument("--page", default=None, help="page path relative to the site root (default: first with a cell)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--write", action="store_true", help="record the medians in benchmarks/results.json (the speed page)")
    ap.add_argument("--js", action="store_true", help="only measure the JS bytes of a text-only and a figure page")
    ap.add_argument("--click-boot", action="store_true",
                    help="no background boot (as app.js does under automation): Python starts on the Run click")
    ap.add_argument("--read-ms", type=int, default=0, help="wait this long after the first frame before clicking Run")
    ap.add_argument("--throttle", default="", metavar="MBIT,RTT_MS",
                    help="emulate a network (download Mbit/s, round trip ms) through the DevTools protocol")
    ap.add_argument("--no-wait-snapshot", dest="wait_snapshot", action="store_false",
                    help="reload as soon as the cold run is done, without waiting for the Python snapshot")
    ap.add_argument("--settle-ms", type=int, default=0,
                    help="wait at least this long between the cold visit and the reload")
    a = ap.parse_args()
    site = pathlib.Path(a.site)
    if not (site / "assets" / "mm" / "app.js").is_file():
        raise SystemExit(f"{site} is not a built site (no assets/mm/app.js): run `make site` first")
    if a.js:
        return main_js(site)
    from playwright.sync_api import sync_playwright

    server, base = serve(site)
    url = base + (a.page if a.page is not None else first_prebuilt_page(site))
    external: list[str] = []
    rows = {"cold": [], "warm": []}
    try:
        with sync_playwright() as p:
            for i in range(a.runs):
                with tempfile.TemporaryDirectory(prefix="bench-page-") as profile:
                    # a fresh profile on disk, as a reader's: an empty cache first, then a disk cache that keeps
                    # the 10 MB wasm and its compiled code (an in-memory context's cache drops entries that big)
                    ctx = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                               args=ARGS, viewport={"width": 1100, "height": 900})
                    ctx.on("request", lambda r: external.append(r.url)
                           if not re.match(r"^(http://127\.0\.0\.1|data:|blob:)", r.url) else None)
                    if not a.click_boot:   # what a reader's browser does (app.js skips it under automation)
                        ctx.add_init_script(READER_BOOT)
                    page = ctx.pages[0] if ctx.pages else ctx.new_page()
                    if a.throttle:
                        throttle(ctx, page, a.throttle)
                    for kind in ("cold", "warm"):
                        row = measure(page, url, reload=(kind == "warm"), read_ms=a.read_ms)
                        if kind == "cold":
                            row["snapshot_stored"] = settle(page, a.wait_snapshot, a.settle_ms)
                        rows[kind].append(row)
                        print(f"run {i + 1} {kind}: {json.dumps(row)}", flush=True)
                    ctx.close()
    finally:
        server.shutdown()
    print(f"\npage {url} ({a.runs} runs, medians in ms)")
    medians = {}
    for kind, rs in rows.items():
        keys = ("first_frame", "boot_start", "python_ready", "python_ready_since_nav", "run_done")
        med = medians[kind] = {k: statistics.median(v) if (v := [r[k] for r in rs if r[k] is not None]) else None
                               for k in keys}
        print(f"{kind:5s} " + "   ".join(f"{k} {str(med[k] if med[k] is None else round(med[k])):>6}" for k in keys))
    if a.write and not external and not (a.click_boot or a.read_ms or a.throttle or a.settle_ms or not a.wait_snapshot):
        from bench_results import command_line, record
        inside = site.resolve().is_relative_to(REPO)   # a site built elsewhere: its path stays out of the file
        record("page", {"page": url[len(base):], "runs": a.runs, "boot": "background, as in a reader's browser",
                        **medians},
               command=None if inside else command_line().replace(a.site, "<built site>"))
    print(f"external requests: {len(external)}" + (f" {external[:5]}" if external else ""))
    return 1 if external else 0


if __name__ == "__main__":
    sys.exit(main())
