"""mm's params tree (the JSON behind every mm link) <-> mmcore expressions, with validation.

``params_to_expr`` reads the tree mm stores (root: ``expr``, ``left``, ``right``, ``block``,
``layout``, ``viz``, ``deco``, ``cam``; children: leaves with ``h``/``w``/``init`` or matmuls with
``matmul: true``) and carries mm's layout and colour settings on the root. Every malformed value
raises ``MMError`` naming its key path. ``expr_to_params`` writes the tree back.

Examples:
    >>> e = params_to_expr({"left": {"name": "A", "h": 4, "w": 3}, "right": {"name": "B", "h": 3, "w": 2}})
    >>> e.text(), e.shape
    ('A @ B', (4, 2))
    >>> params_to_expr({"left": {"h": "x"}})
    Traceback (most recent call last):
    ...
    mmcore.errors.MMError: params.left.h: expected a positive integer, got "x"
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from typing import Any

import numpy as np

from mmcore.geometry.expr import Blocks, Expr, Leaf, MatMul, Placement, _epilog_names, _init_names
from mmcore.geometry.options import SCHEMES, SENSITIVITIES, VIZ_DEFAULTS, Options, params_anim_alg
from mmcore.errors import MMError

__all__ = ["params_to_expr"]


def _fail(path: str, expected: str, got: Any) -> MMError:
    shown = json.dumps(got) if isinstance(got, str) else repr(got)
    return MMError(f"{path}: expected {expected}, got {shown}")


def _get(d: dict, key: str, path: str, default: Any) -> Any:
    return d[key] if key in d else default


def _dict(d: Any, path: str) -> dict:
    if not isinstance(d, dict):
        raise _fail(path, "an object", d)
    return d


def _pos_int(d: dict, key: str, path: str, default: int, lo: int = 1) -> int:
    v = _num(d, key, path, default, expected="a positive integer")
    if v != int(v) or v < lo:
        raise _fail(f"{path}.{key}", "a positive integer", d[key])
    return int(v)


def _num(d: dict, key: str, path: str, default: float, expected: str = "a number") -> float:
    """``d[key]`` (or ``default``) as a finite number; numeric strings are read as mm does."""
    v = _get(d, key, path, default)
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            raise _fail(f"{path}.{key}", expected, d[key]) from None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise _fail(f"{path}.{key}", expected, d[key])
    return v


def _str(d: dict, key: str, path: str, default: str) -> str:
    v = _get(d, key, path, default)
    if v is None:
        return default
    if not isinstance(v, str):
        raise _fail(f"{path}.{key}", "a string", v)
    return v


def _choice(d: dict, key: str, path: str, default: str, allowed) -> str:
    v = _str(d, key, path, default)
    if v not in allowed:
        raise _fail(f"{path}.{key}", "one of " + ", ".join(json.dumps(a) for a in allowed), v)
    return v


def _bool(d: dict, key: str, path: str, default: bool) -> bool:
    v = _get(d, key, path, default)
    if isinstance(v, str) and v in ("true", "false"):
        return v == "true"
    if not isinstance(v, bool):
        raise _fail(f"{path}.{key}", "true or false", v)
    return v


def _placement(d: dict, path: str) -> Placement | None:
    lay = d.get("layout")
    if lay is None:
        return None
    lay = _dict(lay, f"{path}.layout")
    p = f"{path}.layout"
    return Placement(_choice(lay, "polarity", p, "negative", ("negative", "positive")),
                     _choice(lay, "left placement", p, "left", ("left", "right")),
                     _choice(lay, "right placement", p, "top", ("top", "bottom")),
                     _choice(lay, "result placement", p, "front", ("front", "back")))


def _blocks(d: dict, path: str) -> Blocks:
    blk = d.get("block")
    if blk is None:
        return Blocks()
    blk = _dict(blk, f"{path}.block")
    got = {}
    for axis in ("i", "j", "k"):
        key = f"{axis} blocks"
        if key in blk:
            got[axis] = _pos_int(blk, key, f"{path}.block", 1)
    return Blocks(**got)


_LITERAL_RE = re.compile(r"^\s*(\[.*\])\s*\[\s*i\s*\]\s*\[\s*j\s*\]\s*$", re.S)


def _literal(expr: str, h: int, w: int) -> np.ndarray | None:
    """The values of an ``expr`` init that is a literal table ``[[..], ..][i][j]`` (as ``to_mm`` writes
    numpy leaves), when it is exactly h×w; else None (the expression compiler handles it)."""
    m = _LITERAL_RE.match(expr)
    if not m:
        return None
    try:
        table = np.asarray(json.loads(m.group(1)), dtype=np.float32)
    except (ValueError, TypeError):
        return None
    if table.shape != (h, w):
        return None
    table.setflags(write=False)
    return table


_DECO_STYLE = (("legends", "legends"), ("shape", "shape_legends"), ("row guides", "row_guides"),
               ("flow guides", "flow_guides"))


def _style(d: dict, path: str) -> tuple:
    """A child node's own ``viz``/``deco`` values (mm merges them over its parent's for the subtree)."""
    out = {}
    if "viz" in d:
        viz = _dict(d["viz"], f"{path}.viz")
        if "sensitivity" in viz:
            out["sensitivity"] = _choice(viz, "sensitivity", f"{path}.viz", "global", SENSITIVITIES)
        for key in VIZ_DEFAULTS:
            if key.replace("_", " ") in viz:
                out[key] = float(_num(viz, key.replace("_", " "), f"{path}.viz", 0.0))
    if "deco" in d:
        deco = _dict(d["deco"], f"{path}.deco")
        for mm_key, key in _DECO_STYLE:
            if mm_key in deco:
                out[key] = (_bool(deco, mm_key, f"{path}.deco", True) if key == "shape_legends"
                            else float(_num(deco, mm_key, f"{path}.deco", 0.0)))
    return tuple(sorted(out.items()))


def _spacing(d: dict, path: str) -> tuple:
    """A child node's own gap/scatter/molecule/blast (mm merges a child's ``layout`` over its parent's)."""
    lay = d.get("layout")
    if not isinstance(lay, dict):
        return ()
    out = {}
    for key in ("gap", "scatter", "molecule", "blast"):
        if key in lay:
            out[key] = float(_num(lay, key, f"{path}.layout", 0.0))
    if out.get("gap", 1) <= 0:
        raise _fail(f"{path}.layout.gap", "a positive number", lay["gap"])
    if out.get("molecule", 1) < 1:
        raise _fail(f"{path}.layout.molecule", "a number ≥ 1", lay["molecule"])
    return tuple(sorted(out.items()))


def _build(d: dict, path: str, side: str, forced_h: int | None) -> Expr:
    d = _dict(d, path)
    style = _style(d, path) if path != "params" else ()
    spacing = _spacing(d, path) if path != "params" else ()
    has_children = isinstance(d.get("left"), dict) and isinstance(d.get("right"), dict)
    if path != "params" and not _bool(d, "matmul", path, has_children):
        name = _str(d, "name", path, side) or side
        h = _pos_int(d, "h", path, 32)
        w = _pos_int(d, "w", path, 32)
        init = _choice(d, "init", path, "row major" if side == "L" else "col major", _init_names())
        expr = _str(d, "expr", path, "")
        h = forced_h if forced_h is not None else h
        leaf = Leaf(name, h, w, init=init,
                    min=float(_num(d, "min", path, -1.0)), max=float(_num(d, "max", path, 1.0)),
                    dropout=float(_num(d, "dropout", path, 0.0)), expr=expr,
                    url=_str(d, "url", path, ""), data=_literal(expr, h, w) if init == "expr" else None,
                    style=style, spacing=spacing)
        if not 0 <= leaf.dropout <= 1:
            raise _fail(f"{path}.dropout", "a number from 0 to 1", leaf.dropout)
        return leaf
    left = _build(d.get("left", {}), f"{path}.left", "L", None)
    right = _build(d.get("right", {}), f"{path}.right", "R", left.shape[1])
    names = _epilog_names()
    epilog = _str(d, "epilog", path, "none")
    if epilog not in names:
        raise _fail(f"{path}.epilog", "one of " + ", ".join(json.dumps(a) for a in names), epilog)
    node = MatMul(left, right, epilog=epilog, blocks=_blocks(d, path), placement=_placement(d, path),
                  style=style, spacing=spacing)
    name = _str(d, "name", path, "")
    if path == "params":
        text = _str(d, "expr", path, "")
        if "=" in text.split("@")[0]:
            name = text.split("=")[0].strip() if not name or name == text else name
    if name and name != node.label() and name != node.text():
        node = node.named(name)
    return node


def _options(p: dict) -> Options:
    lay = _dict(p.get("layout", {}), "params.layout")
    viz = _dict(p.get("viz", {}), "params.viz")
    deco = _dict(p.get("deco", {}), "params.deco")
    vizvals = {}
    for key in VIZ_DEFAULTS:
        mm_key = key.replace("_", " ")
        vizvals[key] = float(_num(viz, mm_key, "params.viz", VIZ_DEFAULTS[key]))
    camera = None
    if "cam" in p:
        cam = _dict(p["cam"], "params.cam")
        tgt = _dict(cam.get("target", {}), "params.cam.target")
        camera = (tuple(float(_num(cam, a, "params.cam", 0.0)) for a in "xyz"),
                  tuple(float(_num(tgt, a, "params.cam.target", 0.0)) for a in "xyz"))
    return Options(
        gap=_num(lay, "gap", "params.layout", 4), scheme=_choice(lay, "scheme", "params.layout", "blocks", SCHEMES),
        scatter=_num(lay, "scatter", "params.layout", 0), molecule=_num(lay, "molecule", "params.layout", 1),
        blast=_num(lay, "blast", "params.layout", 0),
        sensitivity=_choice(viz, "sensitivity", "params.viz", "global", SENSITIVITIES),
        viz=tuple(vizvals.items()), legends=_num(deco, "legends", "params.deco", 6),
        shape_legends=_bool(deco, "shape", "params.deco", True),
        row_guides=_num(deco, "row guides", "params.deco", 0.6),
        flow_guides=_num(deco, "flow guides", "params.deco", 0.5),
        camera=camera, keep_placements=True)


def params_to_expr(params: dict | str) -> MatMul:
    """The expression (with its figure settings in ``.options``) described by mm's params."""
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except json.JSONDecodeError as e:
            raise MMError(f"params: expected JSON text, got invalid JSON ({e.msg} at character {e.pos})") from None
    params = _dict(params, "params")
    node = _build(params, "params", "", None)
    opts = _options(params)
    if params_anim_alg(params) is not None:        # mmcore.anim is imported only for a link that animates
        from mmcore.anim import from_params as _anim_from_params
        opts = dataclasses.replace(opts, anim=_anim_from_params(params))
    if opts.gap <= 0:
        raise _fail("params.layout.gap", "a positive number", opts.gap)
    if node.placement is None:
        node = node.placed()
    return dataclasses.replace(node, options=opts)
