"""mm links: read and write the URLs of bhosmer's mm tool (``?params=<JSON>`` and its compressed form).

mm keeps its whole state (a params tree) in the query string, either as ``params=<JSON>`` or, for
long states, *compressed*: the tree is flattened to dotted keys (``left.left.h``); every prefix
path and every last segment gets a small number, each value is written as
``<prefixId>.<keyId>=value`` (a root key as ``<keyId>=value``) and the dictionary follows as
``name=id`` pairs. Values come back as strings and are cast by the type of the same-named key in
mm's defaults (boolean, number, string); unknown keys stay strings, as in mm.

Examples:
    >>> p = {"expr": "L @ R", "left": {"h": 4, "init": "eye"}, "layout": {"gap": 2}}
    >>> link = make_mm_link(p, compress=True)
    >>> link.split("?")[1]
    '0=L+%40+R&1.2=4&1.3=eye&4.5=2&expr=0&left=1&h=2&init=3&layout=4&gap=5'
    >>> parse_mm_link(link) == p
    True
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import parse_qsl, quote_plus

from mmcore.mm.defaults import MM_DEFAULTS, default_params, default_types
from mmcore.errors import MMError

__all__ = ["MM_DEFAULTS", "MM_BASE_URL", "parse_mm_link", "make_mm_link", "flatten", "unflatten",
           "js_number_to_string"]

MM_BASE_URL = "https://bhosmer.github.io/mm/index.html"
_MAX_QUERY = 2048  # mm compresses when the uncompressed query is longer than this


# --- flattening -----------------------------------------------------------------------------

def flatten(tree: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (mm's ``flatten``; dict order kept)."""
    flat = {}
    for k, v in tree.items():
        if not isinstance(k, str) or "." in k:
            raise MMError(f"mm link: key {prefix + str(k)!r} cannot be written: expected a name "
                          "without '.'")
        if isinstance(v, dict):
            if not v:
                raise MMError(f"mm link: {prefix + k!r} is an empty group: mm links cannot hold it")
            flat.update(flatten(v, prefix + k + "."))
        elif v is None or isinstance(v, (list, tuple)):
            raise MMError(f"mm link: {prefix + k!r} is {type(v).__name__}: expected a number, "
                          "a boolean, a string or a group")
        else:
            flat[prefix + k] = v
    return flat


def unflatten(flat: dict) -> dict:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``; a path that is both a value and a group is an error."""
    tree: dict = {}
    for path, v in flat.items():
        node = tree
        parts = path.split(".")
        for depth, part in enumerate(parts[:-1]):
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise MMError(f"mm link: {'.'.join(parts[:depth + 1])!r} is both a value and a group")
        if isinstance(node.get(parts[-1]), dict):
            raise MMError(f"mm link: {path!r} is both a value and a group")
        node[parts[-1]] = v
    return tree


# --- JavaScript value <-> text --------------------------------------------------------------

def js_number_to_string(x) -> str:
    """JavaScript's ``String(number)``: ``32``, ``0.5``, ``1e-7``, ``1e+21``, ``NaN``.

    >>> [js_number_to_string(v) for v in (32.0, 0.1, 1e-7, 1.5e21, -0.0)]
    ['32', '0.1', '1e-7', '1.5e+21', '0']
    """
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    d, exp = _shortest_digits(abs(x))
    k, n = len(d), len(d) + exp  # value = 0.d × 10**n
    if k <= n <= 21:
        s = d + "0" * (n - k)
    elif 0 < n <= 21:
        s = d[:n] + "." + d[n:]
    elif -6 < n <= 0:
        s = "0." + "0" * (-n) + d
    else:
        e = n - 1
        s = d[0] + ("." + d[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + s


def _shortest_digits(x: float) -> tuple[str, int]:
    """The shortest digits that give back ``x`` (positive, finite), without trailing zeros, and the
    power of ten of the last one: ``x == int(digits) * 10**exp``. Read from ``repr`` (the same digits
    as JavaScript's); no ``decimal`` import, which cost the first figure's run ~10 ms in Pyodide.

    >>> _shortest_digits(0.1), _shortest_digits(32.0), _shortest_digits(1.5e21), _shortest_digits(1e-7)
    (('1', -1), ('32', 0), ('15', 20), ('1', -7))
    """
    mantissa, _, e = repr(x).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    kept = digits.rstrip("0")
    return kept, (int(e) if e else 0) - len(frac) + len(digits) - len(kept)


def _value_text(v) -> str:
    if isinstance(v, (bool, int, float)):
        return js_number_to_string(v)
    return str(v)


_JS_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _cast_number(path: str, text: str):
    t = text.strip()
    if t == "":
        return 0  # JavaScript: Number("") is 0
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    if _JS_NUMBER.match(t):
        return float(t)
    if t in ("Infinity", "+Infinity", "-Infinity"):
        return -math.inf if t.startswith("-") else math.inf
    raise MMError(f"mm link: {path} should be a number, got {text!r}")


def _cast(path: str, text: str, types: dict):
    name = path.rsplit(".", 1)[-1]
    if path == "compress":
        return text == "true"  # mm sets the root flag as a boolean after loading
    kind = types.get(name)
    if kind is bool:
        return text == "true"
    if kind is float:
        return _cast_number(path, text)
    return text


# --- parsing --------------------------------------------------------------------------------

def _query_of(text: str) -> str:
    s = text.strip()
    if "?" in s:
        s = s.split("?", 1)[1]
    elif re.match(r"^[a-z][a-z0-9+.-]*://", s, re.I) or s.startswith("/"):
        raise MMError("mm link: the address has no query: expected ?params=<JSON> or mm's "
                      "compressed form after '?'")
    return s.split("#", 1)[0]


def _parse_json(text: str) -> dict:
    try:
        params = json.loads(text)
    except json.JSONDecodeError as e:
        raise MMError(f"mm link: params is not valid JSON at char {e.pos}: {e.msg}") from None
    if not isinstance(params, dict):
        raise MMError(f"mm link: params should be a JSON object, got {type(params).__name__}")
    return params


def _uncompress(pairs: dict[str, str]) -> dict[str, str]:
    names: dict[str, str] = {}
    props: dict[str, str] = {}
    for k, v in pairs.items():
        if re.fullmatch(r"\d+(\.\d+)?", k):
            props[k] = v
        else:
            if not re.fullmatch(r"\d+", v.strip()):
                raise MMError(f"mm link: dictionary entry {k}={v!r} should map a name to a number")
            names[v.strip()] = k
    if not props:
        raise MMError("mm link: expected ?params=<JSON> or mm's compressed form "
                      "(<id>.<id>=value plus name=id pairs), got only the keys "
                      + ", ".join(repr(k) for k in list(pairs)[:6]))

    def name(i: str, key: str) -> str:
        if i not in names:
            raise MMError(f"mm link: compressed key {key!r} uses id {i}, which the dictionary "
                          "does not define")
        return names[i]

    flat = {}
    for key, v in props.items():
        prefix, _, last = key.partition(".")
        path = name(prefix, key) + "." + name(last, key) if last else name(prefix, key)
        flat[path] = v
    return flat


def parse_mm_link(text: str, *, with_defaults: bool = False) -> dict:
    """The params tree of an mm link: a full URL (any host/path), a bare query string with or
    without ``?``, ``params=<JSON>`` (URL-encoded, ``+`` as space) or mm's compressed form.
    A JSON object text ``{...}`` is accepted too.

    By default the tree holds exactly what the link holds. ``with_defaults=True`` merges it
    into mm's defaults the way mm loads a link: JSON replaces whole top-level groups, the
    compressed form overrides single flattened keys (so a matmul node keeps the default leaf
    keys ``h``, ``w``, ``init`` … it does not mention).

    >>> parse_mm_link("?params=%7B%22layout%22%3A%7B%22gap%22%3A3%7D%7D")
    {'layout': {'gap': 3}}
    >>> parse_mm_link("0.1=7&left=0&h=1")
    {'left': {'h': 7}}
    """
    if not isinstance(text, str):
        raise MMError(f"mm link: expected a link as text, got {type(text).__name__}")
    if text.strip().startswith("{"):
        params = _parse_json(text)
        return {**default_params(), **params} if with_defaults else params
    query = _query_of(text)
    if not query.strip():
        raise MMError("mm link: the query is empty: expected ?params=<JSON> or mm's compressed form")
    pairs = dict(parse_qsl(query, keep_blank_values=True))
    if not pairs:
        raise MMError(f"mm link: no key=value pairs in {query[:60]!r}")
    if "params" in pairs and len(pairs) == 1:
        params = _parse_json(pairs["params"])
        return {**default_params(), **params} if with_defaults else params
    if "config" in pairs and len(pairs) == 1:
        raise MMError("mm link: ?config=<url> links point to a JSON file: load that file and pass "
                      "its params instead")
    types = default_types()
    flat = {path: _cast(path, v, types) for path, v in _uncompress(pairs).items()}
    if with_defaults:
        flat = {**flatten(default_params()), **flat}
    return unflatten(flat)


# --- writing --------------------------------------------------------------------------------

def _encode(pairs) -> str:
    """``URLSearchParams.toString()``: form encoding, space as '+'."""
    return "&".join(quote_plus(k, safe="*") + "=" + quote_plus(v, safe="*") for k, v in pairs)


def _compress(flat: dict) -> list[tuple[str, str]]:
    """mm's ``compress``: ids in order of first use (prefix before last segment); JavaScript
    object order puts the integer-like keys (root values) first."""
    names: dict[str, str] = {}

    def ident(p: str) -> str:
        if p not in names:
            names[p] = str(len(names))
        return names[p]

    values: dict[str, str] = {}
    for path, v in flat.items():
        prefix, _, last = path.rpartition(".")
        key = ident(prefix) + "." + ident(last) if prefix else ident(last)
        values[key] = _value_text(v)
    root = sorted((k for k in values if "." not in k), key=int)
    rest = [k for k in values if "." in k]
    return ([(k, values[k]) for k in root] + [(k, values[k]) for k in rest]
            + [(n, i) for n, i in names.items()])


def make_mm_link(params: dict, *, compress: bool | None = None, base: str = MM_BASE_URL) -> str:
    """An mm link for ``params``: ``<base>?params=<JSON>``, or mm's compressed form when
    ``compress`` is True, or (``None``) when the JSON query would be longer than 2048 characters,
    like mm. Values are written as given (the ``compress`` flag too), so
    ``parse_mm_link(make_mm_link(p)) == p``.

    >>> make_mm_link({"expr": "A @ B"})
    'https://bhosmer.github.io/mm/index.html?params=%7B%22expr%22%3A%22A+%40+B%22%7D'
    """
    if not isinstance(params, dict):
        raise MMError(f"mm link: expected params as a dict, got {type(params).__name__}")
    flat = flatten(params)  # validates the tree for both forms
    if compress is not True:
        try:
            text = json.dumps(params, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except ValueError:
            raise MMError("mm link: params hold NaN or Infinity, which JSON cannot carry: "
                          "use compress=True") from None
        query = _encode([("params", text)])
        if compress is False or len(query) <= _MAX_QUERY:
            return f"{base}?{query}"
    return f"{base}?{_encode(_compress(flat))}"
