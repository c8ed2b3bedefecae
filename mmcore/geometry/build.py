"""``mmcore.layout``: expression + settings -> :class:`~mmcore.scene.Scene`.

Geometry from ``mmcore.geometry.layout.place``; values and colour ranges (mm's sensitivity rule over the
global |x| maximum of every face, intermediates included) from ``mmcore.values.lazy``, computed on
first use; legends, row guides, flow arrows from ``mmcore.geometry.decor``; a camera hint.

Examples:
    >>> import mmcore
    >>> A = mmcore.matrix("A", 8, 6, init="rows"); B = mmcore.matrix("B", 6, 4, init="cols")
    >>> s = mmcore.layout(A @ B)
    >>> [f.path for f in s.faces], s.face("").values[0, 0]
    (['', 'L', 'R'], np.float32(6.0))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mmcore.geometry.decor import decorate
from mmcore.values.lazy import Evaluation, LazyFaceData, LazyViz, abs_range, node_key
from mmcore.geometry.expr import Expr, MatMul
from mmcore.geometry.layout import bbox, place
from mmcore.geometry.limits import check_figure
from mmcore.geometry.options import ANIM_KEYWORDS, Options
from mmcore.errors import MMError
from mmcore.scene import Camera, Face, Node, Scene

__all__ = ["layout", "abs_range", "pop_anim"]


def _round9(x: float) -> float:
    """``np.round(x, 9) + 0.0`` of one float by numpy's own steps, rint(x·1e9) / 1e9, without a
    numpy call per point (Python's integer ``round`` is round-half-even, like rint)."""
    y = x * 1e9
    return round(y) / 1e9 + 0.0 if math.isfinite(y) else float(np.round(x, 9))


def _vec(a) -> tuple[float, float, float]:
    return tuple(_round9(float(x)) for x in a)


def layout(expr: Expr, *, compute_values: bool = True, **options: Any) -> Scene:
    """Lay out ``expr`` as mm would; keyword options override the expression's own settings.

    Options: ``gap``, ``scheme`` (blocks/zigzag/wheel/custom), ``polarity``, ``left_placement``,
    ``right_placement``, ``result_placement`` (the root's), ``scatter``, ``molecule``, ``blast``,
    ``sensitivity``, ``viz`` (dict of mm's colour settings), ``legends``, ``row_guides``,
    ``flow_guides``, ``seed``. ``compute_values=False`` gives a geometry-only scene (all values 0).
    """
    if not isinstance(expr, Expr):
        raise MMError(f"layout: expected an mmcore expression (a matrix or A @ B), got {type(expr).__name__}")
    check_figure(expr)                               # size limits before any memory is spent (mmcore.geometry.limits)
    source = (expr, dict(options))                   # what mmcore.to_mm needs for this scene's mm link
    root_place = {k: options.pop(k, None) for k in
                  ("polarity", "left_placement", "right_placement", "result_placement")}
    anim = pop_anim(options)                         # anim=, fuse=, hide_inputs= (mmcore.anim)
    base = expr.options if isinstance(expr, MatMul) and expr.options is not None else Options()
    opts = base.merged(**options)
    if anim is None:
        anim = opts.anim
    if isinstance(expr, MatMul) and any(v is not None for v in root_place.values()):
        expr = expr.placed(root_place["polarity"], root_place["left_placement"],
                           root_place["right_placement"], root_place["result_placement"])
    node_geoms, face_geoms = place(expr, opts)
    evaluation = Evaluation(expr, [fg.node for fg in face_geoms], seed=opts.seed,
                            sensitivity=opts.sensitivity, zeros=not compute_values)
    styles = face_styles(face_geoms, opts)
    base_style = opts.style()
    faces = []
    for fg in face_geoms:
        rot = fg.frame.rot
        style = styles[fg.path]
        diff = {k: v for k, v in style.items() if v != base_style[k]}
        faces.append(Face(
            path=fg.path, name=fg.node.label(), kind=fg.kind, shape=fg.node.shape,
            p00=_vec(fg.frame.trans), row_dir=_vec(rot[:, 1]), col_dir=_vec(rot[:, 0]),
            row_offsets=fg.rows.offsets(fg.gap), col_offsets=fg.cols.offsets(fg.gap),
            blocks={"i": [fg.rows.count, fg.rows.size], "j": [fg.cols.count, fg.cols.size]},
            data=LazyFaceData(evaluation, node_key(fg.node), style["sensitivity"]),
            epilog=fg.node.epilog if fg.kind == "result" else "none", inputs=fg.inputs, style=diff or None))

    nodes = []
    for ng in node_geoms:
        h, d = ng.node.left.shape
        nodes.append(Node(
            path=ng.path, name=ng.node.label(), epilog=ng.node.epilog, shape=(h, d, ng.node.right.shape[1]),
            blocks=ng.blocks, extent=_vec(ng.extent), origin=_vec(ng.frame.trans),
            axes=tuple(_vec(ng.frame.rot[:, a]) for a in range(3)),
            left=ng.path + "L", right=ng.path + "R", placement=ng.placement.code(), textbook=ng.node.textbook))

    if node_geoms:
        lo, hi = bbox(node_geoms)
    else:
        f = faces[0]
        corners = np.stack([f.position(0, 0), f.position(f.shape[0] - 1, f.shape[1] - 1)])
        lo, hi = corners.min(axis=0), corners.max(axis=0)
    viz = LazyViz(dict(opts.viz_dict, sensitivity=opts.sensitivity), evaluation)
    scene = Scene(title=expr.text(), gap=float(opts.gap), bbox_min=_vec(lo), bbox_max=_vec(hi), viz=viz,
                  faces=tuple(faces), nodes=tuple(nodes), camera=_camera(opts, lo, hi), source=source)
    spacings = {ng.path: ng.spacing for ng in node_geoms}
    scene = decorate(scene, opts, styles, spacings)
    if anim is None:
        return scene
    from mmcore.anim import attach
    return attach(scene, anim)


def pop_anim(options: dict):
    """``mmcore.anim.pop_anim_options(options)``: the animation its keywords ask for, taken out of ``options``
    (None without any), importing mmcore.anim only when one of them is there (a still figure does not need it).

    >>> opts = {"gap": 3}; pop_anim(opts), opts
    (None, {'gap': 3})
    """
    if not any(k in options for k in ANIM_KEYWORDS):
        return None
    from mmcore.anim import pop_anim_options
    return pop_anim_options(options)


def face_styles(face_geoms, opts: Options) -> dict[str, dict]:
    """Each face's colour/legend settings: the figure's, then every node's own ``style`` from the root
    down to the face's node merged over them (mm merges a child's ``viz``/``deco`` over its parent's)."""
    node_at = {fg.path: fg.node for fg in face_geoms}
    base = opts.style()
    out = {}
    for fg in face_geoms:
        merged = dict(base)
        for depth in range(len(fg.path) + 1):
            merged.update(node_at[fg.path[:depth]].style)
        out[fg.path] = merged
    return out


def _camera(opts: Options, lo, hi) -> Camera:
    """mm's camera from a link; else mm's default (−48, 48, 48), scaled like mm rescales it when the
    scene's box changes (by the sum of its sides, 117 for the default 32³ cube with gap 4)."""
    if opts.camera is not None:
        pos, target = opts.camera
        return Camera(_vec(pos), _vec(target))
    ratio = max(float(np.sum(np.asarray(hi) - np.asarray(lo))), 24.0) / 117.0
    return Camera(_vec(np.array([-48.0, 48.0, 48.0]) * round(ratio, 9)), (0.0, 0.0, 0.0))
