"""The "How fast is it" page: tables rendered at build time from ``benchmarks/results.json``.

The page's Markdown holds the marker ``<!-- mm:bench-results -->``; the hook replaces it with the
tables below. Every number comes from the results file that ``scripts/bench_*.py --write`` writes;
a section not measured yet says which command measures it.

Examples:
    >>> md = render_results({})            # nothing measured yet: each section names its command
    >>> "scripts/bench_page.py --runs 5 --write" in md
    True
"""

from __future__ import annotations

import json
import pathlib

MARKER = "<!-- mm:bench-results -->"

_HOW = {
    "page": ".venv/bin/python scripts/bench_page.py --runs 5 --write",
    "render": ".venv/bin/python scripts/bench_render.py --runs 3 --sync --write",
    "engine": ".venv/bin/python scripts/bench_engine.py --repeats 5 --write",
    "engine_browser": ".venv/bin/python scripts/bench_engine_browser.py --repeats 5 --write",
    "scene_bytes": ".venv/bin/python scripts/bench_scene_bytes.py --repeats 3 --pyodide --write",
    "playground": ".venv/bin/python scripts/bench_playground.py --runs 5 --write",
}


def _ms(v) -> str:
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.0f} ms"


def _source(sec: dict) -> str:
    m = sec.get("machine", {})
    mem = f", {m['memory_gib']} GiB" if m.get("memory_gib") else ""
    return (f"*Measured {sec.get('date', '?')} on {m.get('cores', '?')} cores ({m.get('cpu') or 'unknown CPU'}{mem}), "
            f"with `{sec.get('command', '?')}`.*")


def _missing(name: str) -> str:
    return f"*Not measured yet: run `{_HOW[name]}`.*"


def _page(sec: dict) -> str:
    d = sec["data"]
    rows = [("first frame of the prebuilt figure", "first_frame"),
            ("Python ready, from navigation", "python_ready_since_nav"),
            ("Python ready, from the Run click", "python_ready"),
            ("first Run done (boot, run, new figure)", "run_done")]
    where = f"Page `{d['page']}`" if d.get("page") else "The home page"
    out = [f"{where}, median of {d.get('runs', '?')} fresh browsers.", "",
           "| from opening the page to | cold (empty cache) | warm (reload) |", "| --- | ---: | ---: |"]
    out += [f"| {label} | {_ms(d['cold'][k])} | {_ms(d['warm'][k])} |" for label, k in rows]
    return "\n".join(out)


_PLAYGROUND_ROWS = [
    ("**first frame of the link's figure**", ("first_frame",)), ("the page asks for Python", ("boot_start",)),
    ("Python ready (worker, interpreter, numpy, mmcore)", ("python_ready",)),
    ("then in Python: the link's code (`from_mm`)", ("py_eval",)), ("geometry (`mmcore.layout`)", ("py_layout",)),
    ("values", ("py_values",)), ("the figure's mm link", ("py_link",)), ("scene encoding", ("py_encode",)),
    ("then in the page: out of the worker (copy, transfer)", ("extract", "transfer")), ("decoding", ("decode",)),
    ("three.js objects and colours", ("build",)), ("first draw", ("draw",)),
    ("colours computed after the first frame", ("colors_after",)),
]


def _playground(sec: dict) -> str:
    d = {w: r for w, r in sec["data"].items() if isinstance(r, dict)}
    names = {"blog49": "the essay's attention layer", "gpt2": "the same layer at GPT-2-small size"}
    runs = min(r.get("runs", 0) for r in d.values())
    load = sec["data"].get("load_average_before"), sec["data"].get("load_average_after")
    loaded = f" (load average {load[0]} before, {load[1]} after)" if None not in load else ""
    out = [f"The playground opening an mm link cold (fresh browser), median of {runs} visits{loaded}; the phases "
           "after \"Python ready\" are durations, the first three are times from navigation.", "",
           "| from navigation | " + " | ".join(f"{names.get(w, w)} ({r['elements']:,} elements)" for w, r in d.items()) + " |",
           "| --- |" + " ---: |" * len(d)]
    for label, keys in _PLAYGROUND_ROWS:
        cells = []
        for r in d.values():
            vals = [r.get(k) for k in keys]
            cells.append("–" if any(v is None for v in vals) else _ms(sum(vals)))
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def _render(sec: dict) -> str:
    out = ["| scene | elements | first frame | whole view, fps (full res / adaptive) | one matrix fills the view, fps (full / adaptive) |",
           "| --- | ---: | ---: | ---: | ---: |"]
    names = {"attention": "the essay's attention layer", "gpt2": "the same layer at GPT-2-small size"}
    for name, r in sec["data"].items():
        m = r["median"]
        def fps(mode):
            full, adaptive = m.get(f"{mode}_full_fps"), m.get(f"{mode}_adaptive_fps")
            return f"{full:.0f} / {adaptive:.0f}" if full is not None and adaptive is not None else "–"
        first = m.get("first_frame_ms")
        out.append(f"| {names.get(name, name)} | {r['elements']:,} | {_ms(first) if first is not None else '–'} | "
                   f"{fps('whole')} | {fps('fill')} |")
    return "\n".join(out)


def _engine(sec: dict, browser: dict | None) -> str:
    out = ["| build (from an mm link to a scene with every value) | elements | CPython | numpy's own float64 matmuls | ratio |",
           "| --- | ---: | ---: | ---: | ---: |"]
    for which, r in sec["data"].items():
        out.append(f"| `{which}` | {r['elements']:,} | {_ms(r['median_s'] * 1000)} | "
                   f"{_ms(r['numpy_f64_matmuls_s'] * 1000)} | {r['ratio_vs_f64']:.2f}× |")
    if browser:
        c, p = browser["data"]["cpython"], browser["data"]["pyodide"]
        out += ["", "In the browser (Pyodide, WebAssembly, no BLAS: the matmuls and the random leaves run in the "
                "engine's own WebAssembly SIMD kernels, and the scene's bytes are CPython's) "
                f"the `{p['which']}` build takes "
                f"{_ms(p['median_s'] * 1000)}, {p['median_s'] / c['median_s']:.1f}× its CPython time "
                f"({_ms(c['median_s'] * 1000)} in the same run).", "", _source(browser)]
    return "\n".join(out)


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def _scene_bytes(sec: dict) -> str:
    d = sec["data"]
    out = []
    page = d.get("page")
    if page:
        parts = {k: v for k, v in page["sum"].items() if k != "total"}
        names = {"values_f16": "face values, float16", "values_f32": "face values, float32",
                 "exact": "exact values of compact faces", "offsets": "row and column offsets",
                 "guides": "row guides", "header": "JSON header"}
        out += [f"The prebuilt scenes of `{page['page']}` ({len(page['cells'])} figures): "
                f"**{_mb(page['sum']['total'])}**.", "",
                "| part | bytes |", "| --- | ---: |"]
        out += [f"| {names.get(k, k)} | {_mb(v)} |" for k, v in sorted(parts.items(), key=lambda kv: -kv[1])]
    enc_c, enc_p = d.get("encode_cpython", {}), d.get("encode_pyodide", {})
    if enc_c:
        out += ["", "| writing a scene (`to_bytes`, CPU time) | elements | bytes | CPython | in the browser (Pyodide) |",
                "| --- | ---: | ---: | ---: | ---: |"]
        for which, r in enc_c.items():
            p = enc_p.get(which)
            out.append(f"| `{which}` attention layer | {r['elements']:,} | {_mb(r['bytes'])} | {_ms(r['cpu_s'] * 1000)} | "
                       f"{_ms(p['cpu_s'] * 1000) if p else '–'} |")
    return "\n".join(out)


def render_results(results: dict) -> str:
    """Markdown for every section of the results file (a note for each one not measured yet)."""
    parts = ["## Opening a page", ""]
    parts += [_page(results["page"]), "", _source(results["page"])] if "page" in results else [_missing("page")]
    parts += ["", "## Opening an mm link in the playground", ""]
    parts += [_playground(results["playground"]), "", _source(results["playground"])] if "playground" in results else [_missing("playground")]
    parts += ["", "## Drawing and orbiting", ""]
    parts += [_render(results["render"]), "", _source(results["render"])] if "render" in results else [_missing("render")]
    parts += ["", "## Computing a figure", ""]
    if "engine" in results:
        parts += [_engine(results["engine"], results.get("engine_browser")), "", _source(results["engine"])]
    else:
        parts += [_missing("engine")]
    if "engine_browser" not in results:
        parts += ["", _missing("engine_browser")]
    parts += ["", "## Scene bytes", ""]
    if "scene_bytes" in results:
        parts += [_scene_bytes(results["scene_bytes"]), "", _source(results["scene_bytes"])]
    else:
        parts += [_missing("scene_bytes")]
    return "\n".join(parts) + "\n"


def expand(markdown: str, results_file: pathlib.Path) -> str:
    """Replace the marker in a page with the tables (unchanged when the page has no marker)."""
    if MARKER not in markdown:
        return markdown
    results = json.loads(results_file.read_text()) if results_file.is_file() else {}
    return markdown.replace(MARKER, render_results(results))
