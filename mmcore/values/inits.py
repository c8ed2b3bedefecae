"""mm's leaf init functions (rows, cols, …, url, expr) with its range and dropout rules.

Values are computed in double precision and stored as float32, like mm's Float32Array. Random
inits draw from a numpy ``Generator`` (``rng``; an int seeds one; ``None`` means seed 0), so a
figure is deterministic; mm itself uses ``Math.random`` so its random values cannot be matched.

Range (``min``/``max``) applies to rows, cols, row major, col major, uniform and gaussian, and
only when ``min != 0 or max != 1``: value = min + max(0, max - min) * f. Dropout applies to those
and to pt linear when ``dropout > 0``: an element is kept when ``rand() > dropout``.

Examples:
    >>> init_values("rows", 3, 2, min=0, max=1).tolist()
    [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]
    >>> init_values("expr", 2, 2, expr="i == j").tolist()
    [[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

import builtins
import math
import re
import sys

import numpy as np

from mmcore.errors import MMError
from mmcore.values.lazy_random import LazyRandom

__all__ = ["INIT_NAMES", "RANDOM_INITS", "abs_no_nan", "init_values", "parse_csv_text", "uses_range",
           "uses_dropout", "is_random"]

#: mm's init functions, in the order of its menu.
INIT_NAMES: tuple[str, ...] = (
    "rows", "cols", "row major", "col major", "pt linear", "uniform", "gaussian",
    "tril mask", "triu mask", "eye", "diff", "url", "expr",
)
_RANGE_INITS = ("rows", "cols", "row major", "col major", "uniform", "gaussian")
_DROPOUT_INITS = _RANGE_INITS + ("pt linear",)
#: inits whose values are random (mm draws them from Math.random)
RANDOM_INITS: tuple[str, ...] = ("pt linear", "uniform", "gaussian")


def uses_range(init: str) -> bool:
    """True when mm applies min/max to ``init``."""
    return init in _RANGE_INITS


def uses_dropout(init: str) -> bool:
    """True when mm applies dropout to ``init``."""
    return init in _DROPOUT_INITS


def is_random(init: str, dropout: float = 0.0, expr: str = "") -> bool:
    """True when a leaf's values depend on the random generator (including an ``expr`` formula
    that calls ``Math.random``).

    >>> is_random("rows"), is_random("rows", 0.1), is_random("expr", expr="Math.random() < 0.5")
    (False, True, True)
    """
    return (init in RANDOM_INITS or (uses_dropout(init) and dropout > 0)
            or (init == "expr" and re.search(r"Math\s*\.\s*random", expr or "") is not None))


def _as_rng(rng) -> "np.random.Generator | LazyRandom":
    """A generator for ``rng``; seeds (None: 0) become a ``LazyRandom``, which imports ``numpy.random`` only
    when a draw needs it (``mmcore.values.lazy_random``)."""
    if rng is None:
        return LazyRandom(0)
    if isinstance(rng, LazyRandom):
        return rng
    if isinstance(rng, (int, np.integer)):
        return LazyRandom(int(rng))
    if isinstance(rng, np.random.Generator):
        return rng
    raise MMError(f"rng: expected a numpy Generator, an int seed or None, got {type(rng).__name__}")


def _base(init: str, i: np.ndarray, j: np.ndarray, h: int, w: int, rng, expr: str,
          url: str, data) -> np.ndarray:
    """The unscaled init function f(i, j, h, w) over the index grids (float64, (h, w))."""
    shape = (h, w)
    if init == "rows":
        return np.broadcast_to(i / (h - 1) if h > 1 else 0.0 * i, shape)
    if init == "cols":
        return np.broadcast_to(j / (w - 1) if w > 1 else 0.0 * j, shape)
    if init == "row major":
        return (i * w + j) / (h * w - 1) if h * w > 1 else np.zeros(shape)
    if init == "col major":
        return (j * h + i) / (h * w - 1) if h * w > 1 else np.zeros(shape)
    if init == "pt linear":
        return (2.0 * rng.random(shape) - 1.0) / math.sqrt(w)
    if init == "uniform":
        return rng.random(shape)
    if init == "gaussian":
        return _gaussian(rng, shape)
    if init == "tril mask":
        return (j <= i).astype(np.float64)
    if init == "triu mask":
        return (j >= i).astype(np.float64)
    if init == "eye":
        return (i == j).astype(np.float64)
    if init == "diff":
        return np.where(i == j, 1.0, np.where(i == j + 1, -1.0, 0.0))
    if init == "expr":
        from mmcore.values.jsexpr import compile_js_expr
        return compile_js_expr(expr)(i, j, h, w, rng=rng)
    if init == "url":
        return _wrap_rows(_load_rows(url, data), h, w)
    raise MMError(f"unknown init {init!r}: expected one of {', '.join(INIT_NAMES)}")


# Pyodide's numpy (no SIMD) takes |x| with a branch: on signs in random order it mispredicts about
# half the time, ~4.5 ns an element against ~1 ns for copysign (the wasm instruction); CPython's
# SIMD np.abs is faster than its copysign.
_ABS_BY_COPYSIGN = sys.platform == "emscripten"


def abs_no_nan(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``np.abs(x, out=out)`` for ``x`` holding no NaN (the same bits: copysign(x, 1) clears the
    sign bit, as abs does; only a NaN's could differ), by copysign where that is faster.

    >>> abs_no_nan(np.array([-1.5, -0.0, 2.0]), np.empty(3)).tolist()
    [1.5, 0.0, 2.0]
    """
    if _ABS_BY_COPYSIGN:
        return np.copysign(x, 1.0, out=out)
    return np.abs(x, out=out)


# Taylor coefficients of sin(2πs) = Σ c_k s^(2k+1), enough for |s| <= 1/4 to double precision
# (the first omitted term is below 2e-18); literals, so CPython and Pyodide use the same bits.
_SIN_2PI = (6.283185307179586, -41.341702240399755, 81.60524927607504, -76.70585975306136,
            42.058693944897634, -15.094642576822984, 3.8199525848482803, -0.7181223017785001,
            0.10422916220813978, -0.012031585942120619, 0.0011309237482517954)
_BLOCK = 1 << 15  # elements drawn at a time (this also fixes the order of the random draws)


def _constant(c: float) -> np.ndarray:
    """``c`` as a read-only 0-d float64 array: the same float64 loop and bits as the Python float
    in a ufunc with a float64 array, about 0.2 µs less per call (no scalar conversion each time).

    >>> float(np.multiply(np.ones(2), _constant(0.5))[0])
    0.5
    """
    arr = np.array(c, dtype=np.float64)
    arr.setflags(write=False)
    return arr


_SIN_2PI_ARRAYS = tuple(_constant(c) for c in _SIN_2PI)
_HALF, _QUARTER, _ONE, _MINUS_TWO, _MINUS_HALF = (_constant(c) for c in (0.5, 0.25, 1.0, -2.0, -0.5))


def cos_2pi(v: np.ndarray, s: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """cos(2πv) of float64 ``v``, written over ``v`` (``s``, ``s2``: scratch of the same shape).

    Only + and × after an exact reduction (s = 1/4 - |v - rint(v)|, cos(2πv) = sin(2πs)), so the
    bits are the same on every platform; |error| < 3e-16, about twice as fast as ``np.cos(2π·v)``.

    >>> v = np.array([0.0, 0.125, 0.5, 0.75]); cos_2pi(v, np.empty(4), np.empty(4)).round(15).tolist()
    [1.0, 0.707106781186548, -1.0, 0.0]
    """
    np.rint(v, out=s)
    np.subtract(v, s, out=s)              # t in [-1/2, 1/2], exact
    np.abs(s, out=s)
    np.subtract(0.25, s, out=s)           # s in [-1/4, 1/4]: cos(2πt) = sin(2π(1/4 - |t|))
    return _sin_2pi(s, s2, out=v)


def _cos_2pi_draws(v: np.ndarray, s: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """``cos_2pi(v, s, s2)`` with the same bits, one pass shorter, for draws of ``Generator.random``
    (multiples of 2^-53 in [0, 1)): there s = |v - 1/2| - 1/4, both steps exact (every multiple of
    2^-53 below 1 in magnitude is a double), is the same number as 1/4 - |v - rint(v)| (v <= 1/2:
    1/4 - v; v > 1/2: v - 3/4), and a zero is +0 either way (x - x).

    >>> v = np.array([0.0, 0.25, 0.5, 0.75]); _cos_2pi_draws(v, np.empty(4), np.empty(4)).tolist()
    [1.0, 0.0, -1.0, 0.0]
    """
    np.subtract(v, _HALF, out=s)
    abs_no_nan(s, out=s)
    np.subtract(s, _QUARTER, out=s)
    return _sin_2pi(s, s2, out=v)


def _sin_2pi(s: np.ndarray, s2: np.ndarray, out: np.ndarray) -> np.ndarray:
    """sin(2πs) for |s| <= 1/4 by the Taylor polynomial ``_SIN_2PI`` (Horner in s², then × s),
    written into ``out`` (``s2``: scratch)."""
    np.multiply(s, s, out=s2)
    acc = np.multiply(s2, _SIN_2PI_ARRAYS[-1], out=out)
    for c in _SIN_2PI_ARRAYS[-2:0:-1]:
        acc += c
        acc *= s2
    acc += _SIN_2PI_ARRAYS[0]
    acc *= s
    return acc


def _box_muller_numpy(u: np.ndarray, v: np.ndarray, s: np.ndarray, s2: np.ndarray, doubled: bool) -> np.ndarray:
    """``u`` (holding ln(1 - u)) = sqrt(m·u)·cos(2πv) + a, written over ``u`` (``v`` overwritten;
    ``s``, ``s2``: scratch), m, a = -2, 1 when ``doubled`` else -1/2, 1/2 (see ``_gaussian``).
    ``mmcore.values.wasm_poly`` does the same operations in the same order in Pyodide.

    >>> _box_muller_numpy(np.array([0.0, -0.5]), np.array([0.0, 0.5]), np.empty(2), np.empty(2), True).tolist()
    [1.0, 0.0]
    """
    u *= _MINUS_TWO if doubled else _MINUS_HALF  # doubled: sqrt(-2 ln u) = z / cos; else z / (2 cos)
    np.sqrt(u, out=u)
    u *= _cos_2pi_draws(v, s, s2)
    u += _ONE if doubled else _HALF           # = 2·(0.5 + 0.5·z), or 0.5 + 0.5·z, exactly
    return u


def _box_muller_kernel():
    """Pyodide's wasm Gaussian leaves' kernel (``mmcore.values.wasm_poly.BoxMuller``: ``draw`` and
    ``finish``), or None (CPython, ``MM_NO_WASM_KERNEL``, or not usable: numpy)."""
    if sys.platform != "emscripten":
        return None
    from mmcore.values.wasm_poly import pyodide_box_muller
    return pyodide_box_muller(_SIN_2PI, _box_muller_numpy)


def _gaussian(rng: np.random.Generator, shape: tuple[int, int], *, lo: float = 0.0,
              span: float | None = None, dtype=np.float64) -> np.ndarray:
    """mm's Box–Muller: u = 1 - rand(), v = rand(), z = sqrt(-2 ln u)·cos(2πv), 0.5 + 0.5·z;
    then ``lo + span·f`` when ``span`` is given; stored as ``dtype``. Computed a block of rows at
    a time in cache-sized float64 buffers (all u of a block are drawn before its v, by one call).

    Two passes fewer than the formula, with the same bits: scaling by a power of two is exact
    here (no value comes near the subnormal range: sqrt(-2 ln u) >= 1.4e-8 unless 0, and
    |cos 2πv| >= 6.9e-16 unless 0) and commutes with rounding, and sqrt(x/4) = sqrt(x)/2. So
    with mm's default range (span 2) ``2·(0.5 + 0.5·z)`` is ``1 + z`` rounded once, and otherwise
    ``0.5 + 0.5·z`` is ``0.5 + sqrt(-ln(u)/2)·cos 2πv`` (the 1/2 moved into the square root's
    argument). In Pyodide the draws and everything after the log run in wasm where they can
    (``_box_muller_kernel``: the same bits)."""
    h, w = shape
    out = np.empty(shape, dtype=dtype)
    step = max(1, _BLOCK // max(w, 1))
    n_max = min(h, step) * w
    uvbuf = np.empty(2 * n_max)
    sbuf, s2buf = np.empty(n_max), np.empty(n_max)
    doubled = span == 2.0                     # mm's default min -1, max 1
    span_c, lo_c = (_constant(span), _constant(lo)) if span is not None else (None, None)
    wasm = _box_muller_kernel()
    for r in range(0, h, step):
        rows = min(step, h - r)
        n = rows * w
        if wasm is None or not wasm.draw(rng, uvbuf[:2 * n]):
            rng.random(out=uvbuf[:2 * n])     # the block's n draws of u, then its n draws of v
        u, v = uvbuf[:n], uvbuf[n:2 * n]
        np.subtract(_ONE, u, out=u)
        np.log(u, out=u)
        done = wasm.finish(u, v, doubled) if wasm is not None else 0
        if done < n:
            _box_muller_numpy(u[done:], v[done:], sbuf[:n - done], s2buf[:n - done], doubled)
        if not doubled and span is not None:
            u *= span_c
        if span is not None:
            u += lo_c
        out[r:r + rows] = u.reshape(rows, w)
    return out


def init_values(init: str, h: int, w: int, *, min: float = -1.0, max: float = 1.0,
                dropout: float = 0.0, expr: str = "", url: str = "", rng=None,
                data=None) -> np.ndarray:
    """Values of an mm leaf: float32 array (h, w).

    ``init`` is one of ``INIT_NAMES``; ``expr`` is the JavaScript formula of the ``expr`` init;
    ``url`` the CSV (or .npy/.npz/.safetensors through ``mmcore.io``) of the ``url`` init;
    ``data`` optionally gives the url init's contents already loaded (CSV text or a 2-D array),
    which is how the browser passes fetched files; ``rng`` a numpy Generator or int seed.

    >>> init_values("diff", 3, 3).tolist()
    [[1.0, 0.0, 0.0], [-1.0, 1.0, 0.0], [0.0, -1.0, 1.0]]
    """
    if init not in INIT_NAMES:
        raise MMError(f"unknown init {init!r}: expected one of {', '.join(INIT_NAMES)}")
    for name, n in (("h", h), ("w", w)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise MMError(f"init {init!r}: {name} must be a positive integer, got {n!r}")
    h, w = int(h), int(w)
    try:
        lo, hi, drop = float(min), float(max), float(dropout)
    except (TypeError, ValueError):
        raise MMError(f"init {init!r}: min, max and dropout must be numbers, "
                      f"got {min!r}, {max!r}, {dropout!r}") from None
    gen = _as_rng(rng) if (init in RANDOM_INITS or init == "expr"
                           or (uses_dropout(init) and drop > 0)) else None
    if init == "gaussian" and not drop > 0:   # the common random leaf: straight to float32
        span = builtins.max(0.0, hi - lo) if (lo != 0 or hi != 1) else None
        with np.errstate(all="ignore"):
            return _gaussian(gen, (h, w), lo=lo, span=span, dtype=np.float32)
    i = np.arange(h, dtype=np.float64)[:, None]
    j = np.arange(w, dtype=np.float64)[None, :]
    with np.errstate(all="ignore"):
        f = np.asarray(_base(init, i, j, h, w, gen, expr, url, data), dtype=np.float64)
        f = np.broadcast_to(f, (h, w))
        if uses_range(init) and (lo != 0 or hi != 1):
            f = lo + builtins.max(0.0, hi - lo) * f
        if uses_dropout(init) and drop > 0:
            keep = gen.random((h, w)) > drop
            f = np.where(keep, f, 0.0)
        return np.ascontiguousarray(f, dtype=np.float32)


# --- url init --------------------------------------------------------------------------------

_NUM_LINE = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*"
                       r"(,\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*)*$")
_JS_DECIMAL = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _js_number(s: str) -> float:
    """JavaScript ``Number(s)`` (unary +) for one CSV cell: '' -> 0, junk -> NaN."""
    t = s.strip()
    if t == "":
        return 0.0
    if _JS_DECIMAL.match(t):
        return float(t)
    if t in ("Infinity", "+Infinity", "-Infinity"):
        return -math.inf if t[0] == "-" else math.inf
    for prefix, base in (("0x", 16), ("0b", 2), ("0o", 8)):
        if t[:2].lower() == prefix:
            try:
                return float(int(t[2:], base))
            except ValueError:
                return math.nan
    return math.nan


def parse_csv_text(text: str) -> list[np.ndarray]:
    """Rows of a CSV text exactly the way mm reads it: lines split on CR/LF, cells on ',', each
    cell converted like JavaScript's ``+cell`` ('' -> 0, junk -> NaN); a trailing newline gives a
    last row [0] (seen only when the leaf has more rows than the file). Used when ``mmcore.io``
    is absent; its ``parse_csv`` is stricter (junk and ragged rows are errors, trailing blank
    lines ignored).

    >>> [r.tolist() for r in parse_csv_text("1,2\\n3,x\\n")]
    [[1.0, 2.0], [3.0, nan], [0.0]]
    """
    rows = []
    for line in re.split(r"\r?\n|\r", text):
        if _NUM_LINE.match(line):
            rows.append(np.array(line.split(","), dtype=np.float64))
        else:
            rows.append(np.array([_js_number(c) for c in line.split(",")], dtype=np.float64))
    return rows


def _load_rows(url: str, data) -> list[np.ndarray]:
    """The url init's rows: ``data`` when given, else ``mmcore.io.load_matrix(url)`` (paths and
    URLs; .csv/.npy/.npz/.safetensors), else (no ``mmcore.io``) mm's own CSV reading."""
    if data is not None:
        if isinstance(data, str):
            return _csv_rows(data)
        return _array_rows(data)
    if not url:
        raise MMError("url init: no url given: expected the address or path of a CSV file")
    if url in _URL_CACHE:
        return _URL_CACHE[url]
    try:
        from mmcore.io import load_matrix
    except ImportError:  # pragma: no cover - mmcore.io is part of the package
        rows = parse_csv_text(_read_text(url))
    else:
        try:
            rows = _array_rows(load_matrix(url))
        except MMError as e:
            raise MMError(f"url init: {e}") from None
    if re.match(r"^https?://", url, re.I):  # like mm's DATA_CACHE: one download per address
        _URL_CACHE[url] = rows
    return rows


def _csv_rows(text: str) -> list[np.ndarray]:
    try:
        from mmcore.io import parse_csv
    except ImportError:  # pragma: no cover
        return parse_csv_text(text)
    return _array_rows(parse_csv(text, what="the url init's data"))


def _array_rows(data) -> list[np.ndarray]:
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.size == 0:
        raise MMError(f"url init: expected 2-D data, got shape {arr.shape}")
    return list(arr)


_URL_CACHE: dict[str, list[np.ndarray]] = {}


def _read_text(url: str) -> str:  # pragma: no cover - only without mmcore.io
    try:
        if re.match(r"^https?://", url, re.I):
            from urllib.request import urlopen
            with urlopen(url, timeout=30) as resp:
                return resp.read().decode("utf-8")
        with open(url[7:] if url.startswith("file://") else url, encoding="utf-8") as fh:
            return fh.read()
    except Exception as e:  # noqa: BLE001 - any transport failure is reported the same way
        raise MMError(f"url init: cannot load {url!r}: {e}") from None


def _wrap_rows(rows: list[np.ndarray], h: int, w: int) -> np.ndarray:
    """value[i, j] = rows[i % nrows][j % len(row)], mm's wrap-around."""
    if not rows:
        raise MMError("url init: the file has no rows: expected CSV numbers")
    out = np.empty((h, w), dtype=np.float64)
    jj = np.arange(w)
    for i in range(h):
        row = rows[i % len(rows)]
        out[i] = row[jj % len(row)] if len(row) != w else row
    return out
