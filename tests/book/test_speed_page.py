"""The "How fast is it" page is generated from benchmarks/results.json, never typed by hand."""

import json
import pathlib
import re
import sys

from pyodide_app._speed import MARKER, expand, render_results

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from bench_results import record  # noqa: E402


def test_sections_not_measured_name_their_command():
    md = render_results({})
    for script in ("bench_page.py", "bench_render.py", "bench_engine.py", "bench_engine_browser.py", "bench_scene_bytes.py",
                   "bench_playground.py"):
        assert f"{script}" in md and "--write" in md


def test_recorded_numbers_reach_the_page(tmp_path):
    f = tmp_path / "results.json"
    record("page", {"page": "tutorial/x/", "runs": 3,
                    "cold": {"first_frame": 812.0, "python_ready": 2100, "python_ready_since_nav": 2950, "run_done": 2400},
                    "warm": {"first_frame": 365.0, "python_ready": 1500, "python_ready_since_nav": 1900, "run_done": 1700}},
           command="bench_page.py --write", path=f)
    record("render", {"gpt2": {"elements": 18350080, "bytes": 1, "runs": 3, "sync": True,
                               "median": {"first_frame_ms": 911.0, "whole_full_fps": 48.3, "whole_adaptive_fps": 98.0,
                                          "fill_full_fps": 34.0, "fill_adaptive_fps": 84.2}}},
           command="bench_render.py --write", path=f)
    md = expand(f"# t\n\n{MARKER}\n", f)
    assert MARKER not in md
    for text in ("812 ms", "2.95 s", "18,350,080", "48 / 98", "34 / 84", "911 ms", "bench_render.py --write"):
        assert text in md, text
    assert json.loads(f.read_text())["page"]["machine"]["cores"] >= 1


def test_scene_bytes_reach_the_page(tmp_path):
    f = tmp_path / "results.json"
    record("scene_bytes", {
        "page": {"page": "docs/tutorial/attention-layer.md", "cells": {"a": {}, "b": {}},
                 "sum": {"values_f16": 9715712, "exact": 223880, "header": 104144, "total": 10200800}},
        "encode_cpython": {"gpt2": {"cpu_s": 0.2514, "bytes": 37294344, "elements": 18350080}},
        "encode_pyodide": {"gpt2": {"cpu_s": 0.3563, "bytes": 37294344, "elements": 18350080}}},
        command="bench_scene_bytes.py --write", path=f)
    md = expand(f"{MARKER}\n", f)
    for text in ("## Scene bytes", "(2 figures): **10.20 MB**", "| face values, float16 | 9.72 MB |",
                 "| exact values of compact faces | 0.22 MB |", "| `gpt2` attention layer | 18,350,080 | 37.29 MB | 251 ms | 356 ms |",
                 "bench_scene_bytes.py --write"):
        assert text in md, text
    assert md.index("face values, float16") < md.index("exact values") < md.index("JSON header")   # largest first


def test_playground_phases_reach_the_page(tmp_path):
    f = tmp_path / "results.json"
    phases = {"boot_start": 332, "python_ready": 2496, "py_eval": 15, "py_layout": 19, "py_values": 267, "py_link": 4,
              "py_encode": 110, "extract": 2, "transfer": 2, "decode": 29, "build": 30, "draw": 27, "first_frame": 2950,
              "colors_after": None}
    record("playground", {"blog49": {"elements": 1146880, "runs": 5, **phases},
                          "gpt2": {"elements": 18350080, "runs": 3, **phases, "py_values": 3747, "first_frame": 6685},
                          "load_average_before": 1.5, "load_average_after": 2.25},
           command="bench_playground.py --write", path=f)
    md = expand(f"{MARKER}\n", f)
    for text in ("## Opening an mm link in the playground", "median of 3 visits (load average 1.5 before, 2.25 after)",
                 "| from navigation | the essay's attention layer (1,146,880 elements) | the same layer at GPT-2-small size (18,350,080 elements) |",
                 "| **first frame of the link's figure** | 2.95 s | 6.68 s |", "| values | 267 ms | 3.75 s |",
                 "| then in the page: out of the worker (copy, transfer) | 4 ms | 4 ms |",
                 "| colours computed after the first frame | – | – |", "bench_playground.py --write"):
        assert text in md, text
    rows = ["| the page asks for Python |", "| Python ready (", "| decoding |", "| first draw |"]
    assert [md.index(r) for r in rows] == sorted(md.index(r) for r in rows)   # in the order they happen


def test_built_page_shows_the_results_file(built_site):
    results = json.loads((REPO / "benchmarks" / "results.json").read_text())
    html = (built_site / "reference" / "speed" / "index.html").read_text(encoding="utf-8")
    assert MARKER not in html
    for which, r in results.get("engine", {}).get("data", {}).items():
        assert f"{r['elements']:,}" in html, which
    assert re.search(r"Measured \d{4}-\d\d-\d\d on \d+ cores", html)
