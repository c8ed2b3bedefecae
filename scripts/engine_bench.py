"""The engine benchmark's core, runnable in CPython and in Pyodide: ``run_bench(which) -> dict``.

Used by ``scripts/bench_engine.py`` (CPython), ``scripts/bench_engine_browser.py`` (which sends this
file's source to Pyodide in the browser and under Node) and ``scripts/bench_anim.py``; the essay's
expressions (``attention_layer``, ``attention_head``) are also used by a few tests.

``which`` is ``"blog49"`` (the essay's attention layer, ~1.15 M elements) or ``"gpt2"`` (the same
layer at GPT-2-small size: input 1024×768, weights 768×768, FFN 768×3072 and 3072×768, ~18 M
elements). Timed (median wall and median CPU seconds): ``from_mm(link)`` + ``layout`` with every value, against the same expression's
plain numpy matmuls (float32 and float64; and float32 with the leaves drawn by numpy's
random generator, the same work minus mm's rules). Peak memory of one from_mm + layout via tracemalloc.

Example:
    >>> from engine_bench import run_bench
    >>> r = run_bench("tiny", repeats=1)
    >>> r["elements"], r["faces"]
    (2688, 17)
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

import numpy as np

from mmcore.geometry.expr import MatMul, matrix
from mmcore.mm.api import from_mm, to_mm
from mmcore.values.tree import evaluate

__all__ = ["attention_head", "attention_layer", "median_times", "run_bench", "SIZES"]

#: (sequence length, model width, head width, FFN width)
SIZES = {"tiny": (16, 8, 8, 32), "blog49": (256, 192, 192, 768), "gpt2": (1024, 768, 768, 3072)}


def attention_layer(seq: int, d_model: int, d_head: int, ffn: int) -> MatMul:
    """mm's attention layer (blog49's expression) with Gaussian leaves of the given sizes."""
    g = dict(init="gaussian")
    x = matrix("input", seq, d_model, **g)
    q = (x @ matrix("wQ", d_model, d_head, **g)).named("Q")
    k_t = (matrix("wK_t", d_head, d_model, **g) @ matrix("input_t", d_model, seq, **g)).named("K_t")
    attn = (q @ k_t).with_epilog("softmax(tril(x/sqrt(k)))").named("attn")
    v = (matrix("input", seq, d_model, **g) @ matrix("wV", d_model, d_head, **g)).named("V")
    attn_out = (attn @ v @ matrix("wO", d_head, d_model, **g)).with_epilog("layernorm").named("attn_out")
    ffn1 = (attn_out @ matrix("FFN_1", d_model, ffn, **g)).with_epilog("gelu")
    return (ffn1 @ matrix("FFN_2", ffn, d_model, **g)).with_epilog("layernorm").named("layer_out")


def attention_head(seq: int = 256, d_model: int = 768, d_head: int = 64) -> MatMul:
    """The essay's attention head (GPT-2 shapes by default: 256×768 input) with Gaussian leaves;
    the input is one leaf used twice (for Q and V)."""
    g = dict(init="gaussian")
    x = matrix("input", seq, d_model, **g)
    q = (x @ matrix("wQ", d_model, d_head, **g)).named("Q")
    k_t = (matrix("wK_t", d_head, d_model, **g) @ matrix("input_t", d_model, seq, **g)).named("K_t")
    attn = (q @ k_t).named("attn").with_epilog("softmax(tril(x/sqrt(k)))")
    v = (x @ matrix("wV", d_model, d_head, **g)).named("V")
    return (attn @ v @ matrix("wO", d_head, d_model, **g)).named("out")


def median_times(fn, repeats: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds of this process over ``repeats`` calls of ``fn``
    (CPU time is steadier than wall time on a shared machine, and equal to it with one thread)."""
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def _plain(expr, leaves, dtype) -> None:
    def visit(node):
        if isinstance(node, MatMul):
            return visit(node.left) @ visit(node.right)
        return leaves[node.uid]
    visit(expr)


def _median_time(fn, repeats: int, cpu: dict, key: str) -> float:
    """Median wall seconds of ``repeats`` calls; the median CPU seconds go to ``cpu[key]``."""
    wall, cpu[key] = median_times(fn, repeats)
    return wall


def run_bench(which: str = "blog49", repeats: int = 5) -> dict:
    """Median seconds of from_mm + layout (all values) and of plain numpy matmuls; peak memory.

    The GPT-2-size layer (18.35 M elements) is past a cell's figure size limit (``mmcore.geometry.limits``):
    the benchmark measures the engine itself, so the limit is lifted while it runs."""
    import mmcore.geometry.limits as _limits
    saved = _limits.MAX_ELEMENTS
    _limits.MAX_ELEMENTS = max(saved, 10 ** 9)
    try:
        return _run_bench(which, repeats)
    finally:
        _limits.MAX_ELEMENTS = saved


def _run_bench(which: str, repeats: int) -> dict:
    from mmcore import layout
    expr = attention_layer(*SIZES[which])
    link = to_mm(expr)

    def ours():
        scene = layout(from_mm(link))
        scene.viz["global_absmax"]          # values are computed on first use: force all of them
        return scene

    scene = ours()
    leaves32 = {}
    vals = evaluate(expr)
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, MatMul):
            stack += [node.left, node.right]
        else:
            leaves32[node.uid] = np.ascontiguousarray(vals.of(node))
    leaves64 = {k: v.astype(np.float64) for k, v in leaves32.items()}
    cpu: dict = {}
    t_ours = _median_time(ours, repeats, cpu, "ours")
    t_f32 = _median_time(lambda: _plain(expr, leaves32, np.float32), repeats, cpu, "f32")
    t_f64 = _median_time(lambda: _plain(expr, leaves64, np.float64), repeats, cpu, "f64")

    def plain_with_leaves():
        rng = np.random.default_rng(0)
        fresh = {uid: rng.standard_normal(a.shape, dtype=np.float32) for uid, a in leaves32.items()}
        _plain(expr, fresh, np.float32)
    t_f32_leaves = _median_time(plain_with_leaves, repeats, cpu, "f32_leaves")
    del scene
    tracemalloc.start()
    try:
        ours()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    scene = ours()
    return {"which": which, "elements": scene.element_count(), "faces": len(scene.faces),
            "link_chars": len(link), "repeats": repeats, "median_s": t_ours,
            "numpy_f32_matmuls_s": t_f32, "numpy_f64_matmuls_s": t_f64,
            "numpy_f32_leaves_and_matmuls_s": t_f32_leaves,
            "ratio_vs_f32_with_leaves": t_ours / t_f32_leaves if t_f32_leaves > 0 else float("inf"),
            "ratio_vs_f32": t_ours / t_f32 if t_f32 > 0 else float("inf"),
            "ratio_vs_f64": t_ours / t_f64 if t_f64 > 0 else float("inf"),
            "peak_mb": peak / 2 ** 20,
            "cpu_median_s": cpu["ours"], "cpu_numpy_f32_matmuls_s": cpu["f32"],
            "cpu_numpy_f64_matmuls_s": cpu["f64"], "cpu_numpy_f32_leaves_and_matmuls_s": cpu["f32_leaves"]}
