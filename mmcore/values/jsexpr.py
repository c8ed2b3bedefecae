"""mm's ``expr`` init: a JavaScript formula in i, j, h, w, evaluated with numpy, never ``eval``.

The text is tokenised, parsed by precedence climbing into a small tree of tuples and evaluated
over index grids. Only numbers, the names i, j, h, w (plus the JS literals true, false, NaN,
Infinity), arithmetic, comparisons, logic, bitwise operators, the ternary and ``Math.*`` are
accepted; anything else is an ``MMError`` naming the position and what was expected.

JavaScript numerics are mirrored: ``%`` is the truncated remainder (sign of the dividend),
``/`` is float division (x/0 is ±Infinity or NaN), ``**`` follows JS (``1 ** NaN`` is NaN),
comparisons give booleans that count as 0/1, ``&&``/``||`` return an operand by JS truthiness,
``Math.round`` rounds halves up.

Examples:
    >>> import numpy as np
    >>> f = compile_js_expr("-2 * (Math.trunc(i / 8) % 2) + 1")
    >>> f(np.arange(0, 32, 8)[:, None], np.zeros((1, 1)), 32, 1).ravel().tolist()
    [1.0, -1.0, 1.0, -1.0]
"""

from __future__ import annotations

import math
import re
from typing import Callable

import numpy as np

from mmcore.values.jsmath import (MATH_CONSTANTS, MATH_FUNCTIONS, call_math, js_pow, to_int32, to_uint32,
                      truthy)
from mmcore.errors import MMError

__all__ = ["compile_js_expr", "JsExpr"]

_VARS = ("i", "j", "h", "w")
_LITERALS = {"true": (True, "bool"), "false": (False, "bool"),
             "NaN": (math.nan, "num"), "Infinity": (math.inf, "num")}

_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+
        |(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<op>>>>|===|!==|\*\*|<=|>=|==|!=|&&|\|\||<<|>>|[-+*/%<>!~&|^?:(),.])
""", re.VERBOSE)

# binary operators: precedence (higher binds tighter), right-associative?
_BINARY = {
    "||": (1, False), "&&": (2, False), "|": (3, False), "^": (4, False), "&": (5, False),
    "==": (6, False), "!=": (6, False), "===": (6, False), "!==": (6, False),
    "<": (7, False), "<=": (7, False), ">": (7, False), ">=": (7, False),
    "<<": (8, False), ">>": (8, False), ">>>": (8, False),
    "+": (9, False), "-": (9, False),
    "*": (10, False), "/": (10, False), "%": (10, False),
    "**": (12, True),
}
_UNARY_PREC = 11


def _parse_number(text: str, pos: int, src: str) -> float:
    t = text.replace("_", "")
    try:
        if t[:2] in ("0x", "0X"):
            return float(int(t[2:], 16))
        if t[:2] in ("0b", "0B"):
            return float(int(t[2:], 2))
        if t[:2] in ("0o", "0O"):
            return float(int(t[2:], 8))
        if len(t) > 1 and t[0] == "0" and t.isdigit():  # legacy (sloppy-mode) octal / decimal
            return float(int(t, 8)) if set(t) <= set("01234567") else float(t)
        return float(t)
    except ValueError:
        raise _error(src, pos, f"malformed number {text!r}", "a JavaScript number") from None


def _error(src: str, pos: int, what: str, expected: str) -> MMError:
    return MMError(f"expr init: {what} at char {pos} of {src!r}: expected {expected}")


def _tokenize(src: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) triples; kind is num, name, op or end."""
    tokens, pos = [], 0
    while pos < len(src):
        m = _TOKEN_RE.match(src, pos)
        if not m:
            raise _error(src, pos, f"unexpected character {src[pos]!r}",
                         "a number, i, j, h, w, Math.<name>, an operator or a parenthesis")
        kind = m.lastgroup
        if kind != "ws":
            if kind == "num" and m.end() < len(src) and (src[m.end()].isalpha() or src[m.end()] in "_$"):
                raise _error(src, m.end(), f"unexpected {src[m.end()]!r} right after a number",
                             "an operator")
            tokens.append((kind, m.group(), pos))
        pos = m.end()
    tokens.append(("end", "", len(src)))
    return tokens


class _Parser:
    """Precedence climbing over the token list; produces nested tuples."""

    def __init__(self, src: str):
        self.src = src
        self.tokens = _tokenize(src)
        self.k = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.k]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.k]
        self.k += 1
        return tok

    def expect(self, text: str, expected: str | None = None) -> None:
        kind, tok, pos = self.take()
        if tok != text or kind != "op":
            raise self.unexpected(kind, tok, pos, expected or repr(text))

    def unexpected(self, kind: str, tok: str, pos: int, expected: str) -> MMError:
        what = "end of text" if kind == "end" else f"unexpected {tok!r}"
        return _error(self.src, pos, what, expected)

    def parse(self):
        node = self.ternary()
        kind, tok, pos = self.peek()
        if kind != "end":
            raise self.unexpected(kind, tok, pos, "an operator or the end of the formula")
        return node

    def ternary(self):
        cond = self.binary(1)
        if self.peek()[1] == "?" and self.peek()[0] == "op":
            self.take()
            a = self.ternary()
            self.expect(":", "':' of the ternary ?:")
            b = self.ternary()
            return ("?:", cond, a, b)
        return cond

    def binary(self, min_prec: int):
        first_kind, first_tok, _ = self.peek()
        starts_unary = first_kind == "op" and first_tok in ("-", "+", "!", "~")
        left = self.unary()
        while True:
            kind, tok, pos = self.peek()
            if kind != "op" or tok not in _BINARY:
                return left
            prec, right_assoc = _BINARY[tok]
            if prec < min_prec:
                return left
            if tok == "**" and starts_unary and left[0] == "unary":
                raise _error(self.src, pos, "a unary operator before '**'",
                             "parentheses, as in (-x) ** 2 (JavaScript rule)")
            self.take()
            right = self.binary(prec if right_assoc else prec + 1)
            left = ("bin", tok, left, right)

    def unary(self):
        kind, tok, pos = self.peek()
        if kind == "op" and tok in ("-", "+", "!", "~"):
            self.take()
            return ("unary", tok, self.unary())
        return self.primary()

    def primary(self):
        kind, tok, pos = self.take()
        if kind == "num":
            return ("const", _parse_number(tok, pos, self.src), "num")
        if kind == "op" and tok == "(":
            node = self.ternary()
            self.expect(")", "')'")
            return node
        if kind == "name":
            return self.name(tok, pos)
        raise self.unexpected(kind, tok, pos, "a number, i, j, h, w, Math.<name> or '('")

    def name(self, tok: str, pos: int):
        nxt_kind, nxt, nxt_pos = self.peek()
        if tok in _VARS or tok in _LITERALS:
            if nxt_kind == "op" and nxt in (".", "("):
                raise _error(self.src, nxt_pos, f"{nxt!r} after {tok!r}",
                             "an operator (only Math.<name> may be accessed or called)")
            return ("var", tok) if tok in _VARS else ("const", *_LITERALS[tok])
        if tok != "Math":
            raise _error(self.src, pos, f"unknown name {tok!r}", "i, j, h, w or Math.<name>")
        self.expect(".", "'.' after Math")
        kind, member, mpos = self.take()
        if kind != "name":
            raise self.unexpected(kind, member, mpos, "a Math member name")
        if member in MATH_CONSTANTS:
            if self.peek()[1] in (".", "(") and self.peek()[0] == "op":
                raise _error(self.src, self.peek()[2], f"{self.peek()[1]!r} after Math.{member}",
                             "an operator (Math." + member + " is a number)")
            return ("const", MATH_CONSTANTS[member], "num")
        if member not in MATH_FUNCTIONS:
            raise _error(self.src, mpos, f"unknown Math member {member!r}",
                         "one of " + ", ".join(sorted(MATH_FUNCTIONS) + sorted(MATH_CONSTANTS)))
        self.expect("(", f"'(' to call Math.{member}")
        args = []
        if not (self.peek()[0] == "op" and self.peek()[1] == ")"):
            args.append(self.ternary())
            while self.peek()[0] == "op" and self.peek()[1] == ",":
                self.take()
                args.append(self.ternary())
        self.expect(")", f"',' or ')' in the call of Math.{member}")
        return ("call", member, tuple(args))


def _kind(node) -> str:
    """Static JS type of a node's value: 'num', 'bool' or 'any'."""
    op = node[0]
    if op == "const":
        return node[2]
    if op == "unary":
        return "bool" if node[1] == "!" else "num"
    if op == "bin":
        if node[1] in ("==", "!=", "===", "!==", "<", "<=", ">", ">="):
            return "bool"
        if node[1] in ("&&", "||"):
            a, b = _kind(node[2]), _kind(node[3])
            return a if a == b else "any"
        return "num"
    if op == "?:":
        a, b = _kind(node[2]), _kind(node[3])
        return a if a == b else "any"
    return "num"


class JsExpr:
    """A compiled formula: call it with index grids ``(i, j, h, w)`` (broadcastable arrays or
    numbers) and optionally ``rng`` (a numpy Generator for ``Math.random``)."""

    def __init__(self, src: str):
        self.src = src
        try:
            self.tree = _Parser(src).parse()
        except RecursionError:
            raise MMError(f"expr init: the formula nests too deeply ({len(src)} characters): "
                          "expected fewer nested parentheses or operators") from None

    def __repr__(self) -> str:
        return f"JsExpr({self.src!r})"

    def __call__(self, i, j, h, w, *, rng: np.random.Generator | None = None) -> np.ndarray:
        env = {"i": np.asarray(i, dtype=np.float64), "j": np.asarray(j, dtype=np.float64),
               "h": np.asarray(h, dtype=np.float64), "w": np.asarray(w, dtype=np.float64)}
        shape = np.broadcast_shapes(*(v.shape for v in env.values()))
        env["#shape"] = shape
        env["#rng"] = rng if rng is not None else np.random.default_rng(0)
        with np.errstate(all="ignore"):
            try:
                out = self._eval(self.tree, env)
            except RecursionError:
                raise MMError("expr init: the formula nests too deeply to evaluate") from None
        return np.broadcast_to(np.asarray(out, dtype=np.float64), shape).copy()

    def _eval(self, node, env):
        op = node[0]
        if op == "const":
            return np.float64(node[1])
        if op == "var":
            return env[node[1]]
        if op == "unary":
            x = self._eval(node[2], env)
            if node[1] == "-":
                return -np.asarray(x, dtype=np.float64)
            if node[1] == "+":
                return np.asarray(x, dtype=np.float64)
            if node[1] == "!":
                return ~truthy(x)
            return (~to_int32(x)).astype(np.float64)
        if op == "?:":
            c = truthy(self._eval(node[1], env))
            return np.where(c, self._eval(node[2], env), self._eval(node[3], env))
        if op == "call":
            args = [self._eval(a, env) for a in node[2]]
            return call_math(node[1], args, env["#shape"], env["#rng"])
        return self._binary(node, env)

    def _binary(self, node, env):
        _, tok, ln, rn = node
        a, b = self._eval(ln, env), self._eval(rn, env)
        if tok == "&&":
            return np.where(truthy(a), b, a)
        if tok == "||":
            return np.where(truthy(a), a, b)
        if tok in ("===", "!=="):
            ka, kb = _kind(ln), _kind(rn)
            same = np.equal(a, b) if ka == kb or "any" in (ka, kb) else np.zeros((), bool)
            return same if tok == "===" else ~same
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        if tok == "+":
            return a + b
        if tok == "-":
            return a - b
        if tok == "*":
            return a * b
        if tok == "/":
            return np.true_divide(a, b)
        if tok == "%":
            return np.fmod(a, b)
        if tok == "**":
            return js_pow(a, b)
        if tok in ("==", "!=", "<", "<=", ">", ">="):
            return {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                    ">": np.greater, ">=": np.greater_equal}[tok](a, b)
        ia = to_int32(a)
        if tok == "&":
            return (ia & to_int32(b)).astype(np.float64)
        if tok == "|":
            return (ia | to_int32(b)).astype(np.float64)
        if tok == "^":
            return (ia ^ to_int32(b)).astype(np.float64)
        shift = to_uint32(b) & 31
        if tok == "<<":
            return to_int32(ia << shift).astype(np.float64)
        if tok == ">>":
            return (ia >> shift).astype(np.float64)
        return (to_uint32(a) >> shift).astype(np.float64)  # >>>


def compile_js_expr(src: str) -> Callable[..., np.ndarray]:
    """Parse the JavaScript formula ``src`` once; returns a callable ``f(i, j, h, w, *, rng=None)``
    giving float64 values over the broadcast index grids (booleans become 0/1).

    >>> import numpy as np
    >>> f = compile_js_expr("i == j ? 1 : i > j ? -1 : 0")
    >>> f(np.arange(3)[:, None], np.arange(3)[None, :], 3, 3).tolist()
    [[1.0, 0.0, 0.0], [-1.0, 1.0, 0.0], [-1.0, -1.0, 1.0]]
    """
    if not isinstance(src, str):
        raise MMError(f"expr init: expected the formula as a string, got {type(src).__name__}")
    if not src.strip():
        raise MMError("expr init: the formula is empty: expected a JavaScript expression in i, j, h, w")
    return JsExpr(src)
