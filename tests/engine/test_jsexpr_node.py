"""Differential test: random formulas evaluated by our numpy evaluator and by real JavaScript (node).

Formulas are generated from the grammar the evaluator accepts (numbers, i/j/h/w, arithmetic,
comparisons, logic, bitwise, ternary, Math.*), evaluated over a small index grid by both, and
compared element by element (NaN == NaN, ±Infinity exact, otherwise 1e-12 relative).
Skipped when ``node`` is not installed.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import numpy as np
import pytest

from mmcore.values.jsexpr import compile_js_expr

NODE = shutil.which("node")
H, W = 3, 4

_UNARY_MATH = ["trunc", "floor", "ceil", "round", "abs", "sign", "sqrt", "cbrt", "exp", "log",
               "log2", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh"]
_BINARY_OPS = ["+", "-", "*", "/", "%", "**", "<", "<=", ">", ">=", "==", "!=", "===", "!==",
               "&&", "||", "&", "|", "^", "<<", ">>", ">>>"]
_ATOMS = ["i", "j", "h", "w", "i - 1", "j - 2", "0", "1", "2", "3", "0.5", "-1", "-2.5", "7", "1e3",
          "Math.PI", "NaN", "Infinity", "-Infinity"]


_CORNERS = [
    "(1) ** (NaN)", "(-1) ** (Infinity)", "(i - 1) ** (Infinity)", "(NaN) ** (0)", "(-8) ** (1 / 3)",
    "(0) ** (-1)", "Math.pow(j - 2, 0.5)", "Math.round(-2.5)", "Math.round(i - 1.5)",
    "Math.round(0.49999999999999994)", "-7 % 3", "(i - 1) % (j - 2)", "7.5 % -2", "Infinity % 2",
    "2 % Infinity", "1 / (i - 1)", "(i - 1) / (j - 1)", "Math.max(NaN, 1)", "Math.max()", "Math.min()",
    "Math.hypot(NaN, Infinity)", "Math.hypot()", "Math.sign(j - 2)", "Math.atan2(i - 1, j - 2)",
    "i && j", "i || j - 2", "!(i - j)", "(i < j) === 1", "(i < j) == 1", "(i < j) + (j > i)",
    "~(i - 2.7)", "(i - 2) >>> 0", "(i - 2) >> 1", "1 << (j + 30)", "2 ** 32 | 0", "NaN | 0",
    "Infinity & 3", "2 ** 53 + 1 ^ 0", "-(i - i)", "Math.cbrt(i - 2)", "Math.log(i - 1)",
    "Math.sqrt(j - 2)", "Math.trunc(-0.5)", "i == j ? Math.PI : -Infinity", "Math.asin(j - 1)",
]


def _formula(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.25:
        atom = rng.choice(_ATOMS)
        return f"({atom})" if atom.startswith("-") or " " in atom else atom
    kind = rng.random()
    if kind < 0.45:
        op = rng.choice(_BINARY_OPS)
        left, right = _formula(rng, depth - 1), _formula(rng, depth - 1)
        return f"({left}) {op} ({right})" if op == "**" else f"{left} {op} {right}"
    if kind < 0.6:
        return f"({_formula(rng, depth - 1)})"
    if kind < 0.75:
        return f"Math.{rng.choice(_UNARY_MATH)}({_formula(rng, depth - 1)})"
    if kind < 0.82:
        f = rng.choice(["max", "min", "hypot", "atan2", "pow"])
        args = ", ".join(_formula(rng, depth - 1) for _ in range(2 if f in ("atan2", "pow") else rng.randint(1, 3)))
        return f"Math.{f}({args})"
    if kind < 0.92:
        return f"{_formula(rng, depth - 1)} ? {_formula(rng, depth - 1)} : {_formula(rng, depth - 1)}"
    return rng.choice(["-", "!", "~", "+"]) + f"({_formula(rng, depth - 1)})"


def _node_values(formulas: list[str]) -> list[list[float | str]]:
    script = (
        "const fs = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        f"const H = {H}, W = {W};\n"
        "const enc = x => Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Inf' : x === -Infinity ? '-Inf' : x;\n"
        "const out = fs.map(src => { const f = new Function('i', 'j', 'h', 'w', 'return (' + src + ')');\n"
        "  const vals = []; for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) vals.push(enc(Number(f(i, j, H, W))));\n"
        "  return vals; });\n"
        "process.stdout.write(JSON.stringify(out));\n")
    done = subprocess.run([NODE, "-e", script], input=json.dumps(formulas), capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def _decode(v) -> float:
    return {"NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}.get(v, v) if isinstance(v, str) else float(v)


@pytest.mark.skipif(NODE is None, reason="node (JavaScript) is not installed")
def test_random_formulas_match_javascript():
    rng = random.Random(20240611)
    formulas = _CORNERS + [_formula(rng, 4) for _ in range(400)]
    expected = _node_values(formulas)
    i = np.arange(H, dtype=float)[:, None]
    j = np.arange(W, dtype=float)[None, :]
    mismatches = []
    for src, exp in zip(formulas, expected):
        ours = compile_js_expr(src)(i, j, H, W).ravel()
        ref = np.array([_decode(v) for v in exp])
        same = (np.isnan(ours) & np.isnan(ref)) | (ours == ref) | np.isclose(ours, ref, rtol=1e-12, atol=0)
        if not same.all():
            k = int(np.argmin(same))
            mismatches.append(f"{src!r} at {divmod(k, W)}: ours {ours[k]!r}, JS {ref[k]!r}")
    assert not mismatches, f"{len(mismatches)} of {len(formulas)} differ:\n" + "\n".join(mismatches[:10])
