"""A readable text outline of a scene, for golden files and diffs.

Examples:
    >>> import mmcore
    >>> A = mmcore.matrix("A", 2, 3, init="rows"); B = mmcore.matrix("B", 3, 2, init="cols")
    >>> print(mmcore.layout(A @ B, gap=1).outline().splitlines()[0])
    scene "A @ B"  gap 1  bbox (0, -3, -4)..(3, 0, 0)  center (-1.5, 1.5, 2)
"""

from __future__ import annotations

import numpy as np

__all__ = ["outline"]


def _n(x: float) -> str:
    x = float(x)
    if x == int(x):
        return str(int(x))
    return f"{x:.6g}"


def _p(v) -> str:
    return "(" + ", ".join(_n(a) for a in v) + ")"


def _offsets(a: np.ndarray) -> str:
    if len(a) <= 6:
        return "[" + " ".join(_n(x) for x in a) + "]"
    return "[" + " ".join(_n(x) for x in a[:3]) + " … " + " ".join(_n(x) for x in a[-2:]) + "]"


def outline(scene) -> str:
    """Scene summary: header line, one line per cube, two per face, then decorations."""
    lines = [f'scene "{scene.title}"  gap {_n(scene.gap)}  bbox {_p(scene.bbox_min)}..{_p(scene.bbox_max)}'
             f'  center {_p(scene.center)}']
    viz = scene.viz
    lines.append("viz " + " ".join(f"{k}={_n(v) if isinstance(v, (int, float)) else v}"
                                    for k, v in sorted(viz.items())))
    for n in scene.nodes:
        lines.append(f'node "{n.path}" {n.name!r} {n.placement} shape {n.shape[0]}×{n.shape[1]}×{n.shape[2]}'
                     f' blocks {n.blocks[0]},{n.blocks[1]},{n.blocks[2]} extent {_p(n.extent)}'
                     f' origin {_p(n.origin)} epilog {n.epilog}')
    for f in scene.faces:
        v = f.values
        lines.append(f'face "{f.path}" {f.kind} {f.name!r} {f.shape[0]}×{f.shape[1]} p00 {_p(f.p00)}'
                     f' rows {_p(f.row_dir)} cols {_p(f.col_dir)} blocks i{f.blocks["i"]} j{f.blocks["j"]}')
        lines.append(f'     row_off {_offsets(f.row_offsets)} col_off {_offsets(f.col_offsets)}'
                     f' sum {float(np.sum(v, dtype=np.float64)):.6g} absmax {_n(f.absmax)}'
                     f' range {_p(f.color_range)}')
    for lb in scene.labels:
        lines.append(f'label {lb.kind} "{lb.face}" {lb.text!r} at {_p(lb.position)} size {_n(lb.size)}')
    for g in scene.guides:
        lines.append(f'guide "{g.face}" {len(g.lines)} lines corner {_p(g.corner[0])} alpha {_n(g.alpha)}')
    for a in scene.arrows:
        lines.append(f'arrow "{a.node}" {a.side} {len(a.points)} points from {_p(a.points[0])}'
                     f' to {_p(a.points[-1])}')
    c = scene.camera
    if c is not None:
        lines.append(f"camera {_p(c.position)} -> {_p(c.target)}")
    return "\n".join(lines) + "\n"
