"""``from_mm`` and ``to_mm``: mm's params and links <-> mmcore expressions.

``from_mm`` accepts mm's params (a dict or JSON text) or an mm link in either form
(``?params=<JSON>`` or mm's compressed query; parsed by ``mmcore.mm.link.parse_mm_link``). The
expression carries mm's layout and colour settings, so ``mmcore.layout`` draws mm's picture.
``to_mm`` writes a link mm opens to the same picture: every node's placement and blocks are
written as drawn (mm uses stored placements when it loads a link).

Examples:
    >>> import mmcore
    >>> A = mmcore.matrix("A", 4, 3, init="rows"); B = mmcore.matrix("B", 3, 2, init="eye")
    >>> link = mmcore.to_mm((A @ B).named("C"), gap=2)
    >>> e = mmcore.from_mm(link)
    >>> e.text(), e.options.gap, mmcore.layout(e).face("R").p00
    ('C = A @ B', 2, (2.0, 0.0, -4.0))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mmcore.geometry.expr import Expr, Leaf, MatMul
from mmcore.geometry.layout import place
from mmcore.mm.link import make_mm_link, parse_mm_link
from mmcore.geometry.options import Options
from mmcore.geometry.build import pop_anim
from mmcore.mm.params import params_to_expr
from mmcore.errors import MMError

__all__ = ["from_mm", "to_mm", "expr_to_params", "MM_URL"]

MM_URL = "https://bhosmer.github.io/mm/index.html"
_MAX_LITERAL = 4096

_ANIM = {"fuse": "none", "speed": 20, "hide inputs": False, "alg": "none", "spin": 0, "folder": "closed"}


def from_mm(source: Any) -> MatMul:
    """The expression behind mm's params (dict or JSON text) or an mm link (``?params=`` or compressed)."""
    if isinstance(source, dict):
        return params_to_expr(source)
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    if not isinstance(source, str):
        raise MMError(f"from_mm: expected mm params (a dict or JSON text) or an mm link, got {type(source).__name__}")
    text = source.strip()
    if not text:
        raise MMError("from_mm: expected mm params or an mm link, got an empty string")
    if text.startswith("{"):
        return params_to_expr(text)
    params = parse_mm_link(text)
    if not isinstance(params, dict):
        raise MMError(f"from_mm: expected the link to hold a params object, got {type(params).__name__}")
    return params_to_expr(params)


def _num(x: float):
    x = float(x)
    return int(x) if x == int(x) and abs(x) < 2 ** 53 else x


def _array_expr(leaf: Leaf) -> str:
    if leaf.data.size > _MAX_LITERAL:
        raise MMError(f"to_mm: leaf {leaf.name} holds a {leaf.h}×{leaf.w} array; an mm link can carry at most "
                      f"{_MAX_LITERAL} literal values (use an init function, or matrix(name, h, w, init=...))")
    def js(v) -> str:
        if np.isnan(v):
            return "NaN"
        if np.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return str(np.float32(v))
    rows = ",".join("[" + ",".join(js(v) for v in row) + "]" for row in leaf.data)
    return f"[{rows}][i][j]"


_DECO_KEYS = {"legends": "legends", "shape_legends": "shape", "row_guides": "row guides",
              "flow_guides": "flow guides"}


def _style_params(style: tuple) -> dict:
    """A node's own ``viz``/``deco`` groups (mm merges them over its parent's)."""
    viz, deco = {}, {}
    for key, value in style:
        if key in _DECO_KEYS:
            deco[_DECO_KEYS[key]] = value if isinstance(value, bool) else _num(value)
        else:
            viz[key.replace("_", " ")] = value if isinstance(value, str) else _num(value)
    return {**({"viz": viz} if viz else {}), **({"deco": deco} if deco else {})}


def _leaf_params(leaf: Leaf) -> dict:
    init, expr = leaf.init, leaf.expr
    if leaf.data is not None:
        init, expr = "expr", _array_expr(leaf)
    return {"name": leaf.name, "matmul": False, "h": leaf.h, "w": leaf.w, "init": init, "url": leaf.url,
            "min": _num(leaf.min), "max": _num(leaf.max), "dropout": _num(leaf.dropout), "expr": expr,
            "folder": "closed", **_style_params(leaf.style),
            **({"layout": {k: _num(v) for k, v in leaf.spacing}} if leaf.spacing else {})}


def _node_params(node: MatMul, path: str, geoms: dict) -> dict:
    if node.textbook and node.epilog != "none":
        raise MMError(f"to_mm: {node.label()} uses the textbook {node.epilog}; mm has only its own variant "
                      f"(use with_epilog({node.epilog!r}) without textbook=True)")
    g = geoms[path]
    ib, kb, jb = g.blocks
    pl = g.placement
    out = {"name": node.label(), "matmul": True, "epilog": node.epilog,
           "block": {"i blocks": ib, "j blocks": jb, "k blocks": kb},
           "layout": {"polarity": pl.polarity, "left placement": pl.left, "right placement": pl.right,
                      "result placement": pl.result}}
    for side, child in (("left", node.left), ("right", node.right)):
        cpath = path + side[0].upper()
        out[side] = _leaf_params(child) if isinstance(child, Leaf) else _node_params(child, cpath, geoms)
    out["folder"] = "closed"
    if path:
        out.update(_style_params(node.style))
    out["layout"].update({k: _num(v) for k, v in node.spacing})
    return out


def expr_to_params(expr: MatMul, opts: Options) -> dict:
    """mm's params tree for ``expr`` drawn with ``opts`` (placements and blocks as laid out)."""
    nodes, _ = place(expr, opts)
    geoms = {n.path: n for n in nodes}
    root = _node_params(expr, "", geoms)
    root.pop("matmul")
    root["expr"] = expr.text()
    layout = {"scheme": opts.scheme, "gap": _num(opts.gap), "scatter": _num(opts.scatter),
              "molecule": _num(opts.molecule), "blast": _num(opts.blast)}
    layout.update(root.pop("layout"))
    viz = {"sensitivity": opts.sensitivity}
    viz.update({k.replace("_", " "): _num(v) for k, v in opts.viz})
    params = {"expr": root.pop("expr"), "name": root["name"], "epilog": root["epilog"],
              "left": root["left"], "right": root["right"], "anim": dict(_ANIM), "block": root["block"],
              "layout": layout,
              "deco": {"legends": _num(opts.legends), "shape": bool(opts.shape_legends), "spotlight": 2,
                       "row guides": _num(opts.row_guides), "flow guides": _num(opts.flow_guides),
                       "lens size": 0.5, "magnification": 10, "interior spotlight": False, "axes": False},
              "viz": viz, "diag": {"url": ""}}
    own = _style_params(expr.style)          # the root's own style is the figure's
    params["viz"].update(own.get("viz", {}))
    params["deco"].update(own.get("deco", {}))
    if opts.camera is not None:
        (x, y, z), (tx, ty, tz) = opts.camera
        params["cam"] = {"x": x, "y": y, "z": z, "target": {"x": tx, "y": ty, "z": tz}}
    params["compress"] = False
    return params


def to_mm(expr: Expr, compress: bool | None = None, **options: Any) -> str:
    """An mm link (``https://bhosmer.github.io/mm/index.html?...``) showing ``expr`` as ``mmcore.layout`` would."""
    if not isinstance(expr, MatMul):
        raise MMError(f"to_mm: expected a matmul expression (A @ B), got {type(expr).__name__}")
    root_place = {k: options.pop(k, None) for k in
                  ("polarity", "left_placement", "right_placement", "result_placement")}
    anim = pop_anim(options)                             # anim=, anim_speed=, fuse=, ... as mmcore.layout takes them
    base = expr.options if expr.options is not None else Options()
    opts = base.merged(**options)
    if anim is None:
        anim = opts.anim
    if any(v is not None for v in root_place.values()):
        expr = expr.placed(root_place["polarity"], root_place["left_placement"],
                           root_place["right_placement"], root_place["result_placement"])
    params = expr_to_params(expr, opts)
    if anim is not None:
        from mmcore.anim import to_params as _anim_to_params
        params = _anim_to_params(anim, params)           # mm's anim group (mmcore.anim)
    return make_mm_link(params, compress=compress, base=MM_URL)
