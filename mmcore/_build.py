"""``mmcore.layout``: expression + settings -> :class:`~mmcore.scene.Scene`.

Geometry from ``_layout.place``, values from ``_values.evaluate``, colour ranges by mm's
sensitivity rule over the global |x| maximum of every face (intermediates included), then
legends, row guides, flow arrows and a camera hint from ``_decor``.

Example:
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

from ._decor import decorate
from ._expr import Expr, Leaf, MatMul
from ._layout import bbox, place
from .color import color_range
from ._options import Options
from ._values import evaluate
from .errors import MMError
from .scene import Camera, Face, Node, Scene

__all__ = ["layout", "abs_range"]


def _min_nonzero_abs(values: np.ndarray) -> float:
    """Smallest non-zero |x| of a finite float32 array, by one integer pass over the bits."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32) & np.uint32(0x7FFFFFFF)
    bits -= np.uint32(1)                  # 0 wraps to the largest value and is never the minimum
    smallest = np.uint32(bits.min()) + np.uint32(1)
    return float(np.array([smallest], dtype=np.uint32).view(np.float32)[0]) if smallest else 0.0


def abs_range(values: np.ndarray) -> tuple[float, float]:
    """(max |x|, min non-zero |x|) over the finite entries; (0, 0) when there are none.

    Example:
        >>> abs_range(np.array([[0.0, -2.0], [0.5, np.nan]], dtype=np.float32))
        (2.0, 0.5)
    """
    if values.size == 0:
        return 0.0, 0.0
    hi, lo = float(np.max(values)), float(np.min(values))
    if math.isfinite(hi) and math.isfinite(lo):
        absmax = max(abs(hi), abs(lo))
        if absmax == 0:
            return 0.0, 0.0
        if lo > 0:
            return absmax, lo
        if hi < 0:
            return absmax, -hi
        return absmax, _min_nonzero_abs(values)
    a = np.abs(values[np.isfinite(values)])
    nz = a[a > 0]
    if nz.size == 0:
        return 0.0, 0.0
    return float(nz.max()), float(nz.min())


def _color_range(sensitivity: str, local_max: float, local_min: float, global_max: float):
    lo, hi = color_range(sensitivity, local_max, local_min, global_max)
    return float(lo), float(hi)


def _vec(a) -> tuple[float, float, float]:
    return tuple(float(x) + 0.0 for x in np.round(np.asarray(a, dtype=float), 9))


def layout(expr: Expr, *, compute_values: bool = True, **options: Any) -> Scene:
    """Lay out ``expr`` as mm would; keyword options override the expression's own settings.

    Options: ``gap``, ``scheme`` (blocks/zigzag/wheel/custom), ``polarity``, ``left_placement``,
    ``right_placement``, ``result_placement`` (the root's), ``scatter``, ``molecule``, ``blast``,
    ``sensitivity``, ``viz`` (dict of mm's colour settings), ``legends``, ``row_guides``,
    ``flow_guides``, ``seed``. ``compute_values=False`` gives a geometry-only scene (all values 0).
    """
    if not isinstance(expr, Expr):
        raise MMError(f"layout: expected an mmcore expression (a matrix or A @ B), got {type(expr).__name__}")
    root_place = {k: options.pop(k, None) for k in
                  ("polarity", "left_placement", "right_placement", "result_placement")}
    from .anim import attach, pop_anim_options
    anim = pop_anim_options(options)                 # anim=, fuse=, hide_inputs= (mmcore.anim)
    base = expr.options if isinstance(expr, MatMul) and expr.options is not None else Options()
    opts = base.merged(**options)
    if anim is None:
        anim = opts.anim
    if isinstance(expr, MatMul) and any(v is not None for v in root_place.values()):
        expr = expr.placed(root_place["polarity"], root_place["left_placement"],
                           root_place["right_placement"], root_place["result_placement"])
    node_geoms, face_geoms = place(expr, opts)
    values = evaluate(expr, seed=opts.seed, zeros=not compute_values)

    ranges = {}
    for fg in face_geoms:
        key = ("leaf", fg.node.uid) if isinstance(fg.node, Leaf) else id(fg.node)
        if key not in ranges:
            ranges[key] = abs_range(values.of(fg.node))
    global_max = max((r[0] for r in ranges.values()), default=0.0)

    faces = []
    for fg in face_geoms:
        key = ("leaf", fg.node.uid) if isinstance(fg.node, Leaf) else id(fg.node)
        absmax, absmin = ranges[key]
        rot = fg.frame.rot
        faces.append(Face(
            path=fg.path, name=fg.node.label(), kind=fg.kind, shape=fg.node.shape,
            p00=_vec(fg.frame.trans), row_dir=_vec(rot[:, 1]), col_dir=_vec(rot[:, 0]),
            row_offsets=fg.rows.offsets(opts.gap), col_offsets=fg.cols.offsets(opts.gap),
            blocks={"i": [fg.rows.count, fg.rows.size], "j": [fg.cols.count, fg.cols.size]},
            values=values.of(fg.node), absmax=absmax, absmin=absmin,
            color_range=_color_range(opts.sensitivity, absmax, absmin, global_max),
            epilog=fg.node.epilog if fg.kind == "result" else "none", inputs=fg.inputs))

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
    viz = dict(opts.viz_dict, sensitivity=opts.sensitivity, global_absmax=global_max)
    scene = Scene(title=expr.text(), gap=float(opts.gap), bbox_min=_vec(lo), bbox_max=_vec(hi), viz=viz,
                  faces=tuple(faces), nodes=tuple(nodes), camera=_camera(opts, lo, hi))
    return attach(decorate(scene, opts), anim)


def _camera(opts: Options, lo, hi) -> Camera:
    """mm's camera from a link; else mm's default (−48, 48, 48), scaled like mm rescales it when the
    scene's box changes (by the sum of its sides, 117 for the default 32³ cube with gap 4)."""
    if opts.camera is not None:
        pos, target = opts.camera
        return Camera(_vec(pos), _vec(target))
    ratio = max(float(np.sum(np.asarray(hi) - np.asarray(lo))), 24.0) / 117.0
    return Camera(_vec(np.array([-48.0, 48.0, 48.0]) * round(ratio, 9)), (0.0, 0.0, 0.0))
