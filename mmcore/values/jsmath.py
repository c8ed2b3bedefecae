"""JavaScript number semantics and the ``Math`` object, vectorised with numpy (for ``mmcore.values.jsexpr``).

Examples:
    >>> import numpy as np
    >>> call_math("round", [np.array([-2.5, 2.5, 0.49999999999999994])], (3,), None).tolist()
    [-2.0, 3.0, 0.0]
    >>> js_pow(np.array(1.0), np.array(np.nan)).item()  # JS: 1 ** NaN is NaN (C pow gives 1)
    nan
"""

from __future__ import annotations

import math

import numpy as np

from mmcore.errors import MMError

__all__ = ["MATH_CONSTANTS", "MATH_FUNCTIONS", "call_math", "js_pow", "to_int32", "to_uint32",
           "truthy"]

MATH_CONSTANTS: dict[str, float] = {
    "PI": math.pi, "E": math.e, "SQRT2": math.sqrt(2.0), "SQRT1_2": math.sqrt(0.5),
    "LN2": math.log(2.0), "LN10": math.log(10.0), "LOG2E": 1.0 / math.log(2.0),
    "LOG10E": 1.0 / math.log(10.0),
}


def _round(x):
    r = np.floor(x)
    return np.where(x - r >= 0.5, r + 1.0, r)


def _clz32(x):
    u = to_uint32(x).astype(np.float64)
    return np.where(u == 0, 32.0, 31.0 - np.floor(np.log2(np.maximum(u, 1.0))))


_UNARY = {
    "abs": np.abs, "sign": np.sign, "trunc": np.trunc, "floor": np.floor, "ceil": np.ceil,
    "round": _round, "sqrt": np.sqrt, "cbrt": np.cbrt, "exp": np.exp, "expm1": np.expm1,
    "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos,
    "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
    "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
    "fround": lambda x: np.asarray(x, np.float64).astype(np.float32).astype(np.float64),
    "clz32": _clz32,
}
_BINARY = {"atan2": np.arctan2, "pow": None}
_VARIADIC = ("max", "min", "hypot")

#: every callable Math member
MATH_FUNCTIONS: frozenset[str] = frozenset(_UNARY) | frozenset(_BINARY) | frozenset(_VARIADIC) | {"random"}


def truthy(x) -> np.ndarray:
    """JS truthiness of numbers/booleans: 0, -0 and NaN are false."""
    x = np.asarray(x)
    if x.dtype == np.bool_:
        return x
    return (x != 0) & ~np.isnan(x)


def _to_uint32_bits(x) -> np.ndarray:
    x = np.asarray(x)
    if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
        return x.astype(np.int64) & 0xFFFFFFFF
    x = x.astype(np.float64)
    t = np.where(np.isfinite(x), np.trunc(np.where(np.isfinite(x), x, 0.0)), 0.0)
    return np.fmod(t, 4294967296.0).astype(np.int64) & 0xFFFFFFFF


def to_uint32(x) -> np.ndarray:
    """JS ToUint32 (int64 array)."""
    return _to_uint32_bits(x)


def to_int32(x) -> np.ndarray:
    """JS ToInt32 (int64 array): NaN/±Infinity -> 0, truncation, wrap modulo 2**32."""
    u = _to_uint32_bits(x)
    return np.where(u >= 2147483648, u - 4294967296, u)


def js_pow(a, b) -> np.ndarray:
    """``a ** b`` / ``Math.pow`` with JS rules: x ** NaN is NaN, (±1) ** ±Infinity is NaN."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    r = np.power(a, b)
    return np.where(np.isnan(b) | ((np.abs(a) == 1.0) & np.isinf(b)), np.nan, r)


def call_math(name: str, args: list, shape: tuple, rng) -> np.ndarray:
    """Call ``Math.<name>`` with numpy arguments (missing arguments are NaN, like undefined)."""
    args = [np.asarray(a, dtype=np.float64) for a in args]
    arg = lambda n: args[n] if n < len(args) else np.float64(np.nan)  # noqa: E731
    if name in _UNARY:
        return _UNARY[name](arg(0))
    if name == "atan2":
        return np.arctan2(arg(0), arg(1))
    if name == "pow":
        return js_pow(arg(0), arg(1))
    if name == "max":
        return _reduce(np.maximum, args, -np.inf)
    if name == "min":
        return _reduce(np.minimum, args, np.inf)
    if name == "hypot":
        if not args:
            return np.float64(0.0)
        out = np.abs(args[0])
        for a in args[1:]:
            out = np.hypot(out, a)
        return out
    if name == "random":
        return rng.random(shape)
    raise MMError(f"expr init: unknown Math function {name!r}")


def _reduce(f, args, empty):
    if not args:
        return np.float64(empty)
    out = args[0]
    for a in args[1:]:
        out = f(out, a)
    return out
