"""Decorations of a laid-out scene: name and shape legends, row guides, flow arrows.

Following mm's ``deco`` settings: a name legend ``legends * cbrt(H*W) / 10`` units high (shrunk
for names longer than 8 characters) at the centre of every face; shape legends ``I = 32``,
``K = 24``, ``J = 32`` (`` / n`` when partitioned) along the argument edges of every cube; white
row guides per block (border, about 8 row lines, a triangle at element (0, 0)) with alpha
``row guides``; and per cube a blue vane from the left argument and a red one from the right,
pointing into the result, sized by ``flow guides``.

Example:
    >>> import mmcore
    >>> A = mmcore.matrix("A", 32, 24); B = mmcore.matrix("B", 24, 32)
    >>> s = mmcore.layout(A @ B, gap=3)
    >>> [(lb.text, round(lb.size, 3)) for lb in s.labels if lb.face == "L"]
    [('A', 5.495), ('I = 32', 2.747), ('K = 24', 2.747)]
    >>> [g.lines.shape for g in s.guides][:1], [a.side for a in s.arrows]
    ([(11, 2, 3)], ['left', 'right'])
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .scene import Arrow, Face, Guide, Label, Scene

__all__ = ["decorate", "name_size"]


def name_size(legends: float, shape: tuple[int, int], name: str) -> float:
    """mm's name legend height: ``legends * cbrt(H*W) / 10``, shrunk for names over 8 characters."""
    size = legends * float(np.cbrt(shape[0] * shape[1])) / 10
    if len(name) > 8:
        size *= 8 / len(name)
    return round(size, 6)       # cbrt may differ in the last bit between libms: keep bytes identical


def _v(a) -> tuple[float, float, float]:
    return tuple(float(x) + 0.0 for x in np.round(np.asarray(a, dtype=float), 6))


def _local(face: Face, r: float, c: float) -> np.ndarray:
    """World point at fractional element coordinates (r, c) in offset units."""
    return np.asarray(face.p00) + r * np.asarray(face.row_dir) + c * np.asarray(face.col_dir)


def _extent(face: Face) -> tuple[float, float]:
    return float(face.row_offsets[-1]), float(face.col_offsets[-1])


def _centre(face: Face) -> np.ndarray:
    rmax, cmax = _extent(face)
    return _local(face, rmax / 2, cmax / 2)


def _orientation(face: Face, outward: np.ndarray):
    """Text right/up vectors for a face whose front side points along ``outward``."""
    right = np.asarray(face.col_dir, float)
    up = -np.asarray(face.row_dir, float)
    if np.dot(np.cross(right, up), outward) < 0:
        right = -right
    return right, up


def _node_centre(node) -> np.ndarray:
    o = np.asarray(node.origin)
    return o + np.asarray(node.extent) @ np.asarray(node.axes) / 2


def _outward(face: Face, owner_centre: np.ndarray) -> np.ndarray:
    n = face.normal()
    return n if np.dot(_centre(face) - owner_centre, n) >= 0 else -n


def _labels(scene: Scene, opts) -> list[Label]:
    out: list[Label] = []
    if opts.legends <= 0:
        return out
    nodes = {n.path: n for n in scene.nodes}
    for face in scene.faces:
        owner = nodes.get(face.path if face.kind == "result" else face.path[:-1])
        outward = _outward(face, _node_centre(owner)) if owner is not None else face.normal()
        right, up = _orientation(face, outward)
        size = name_size(opts.legends, face.shape, face.name)
        lift = outward * 0.5
        out.append(Label(face.name, "name", face.path, _v(_centre(face) + lift), _v(right), _v(up), size))
        if opts.shape_legends and owner is not None and face.kind == "leaf":
            shape_size = name_size(opts.legends, face.shape, "") / 2
            for text, pos in _shape_texts(face, owner, right, up, shape_size, opts.gap):
                out.append(Label(text, "shape", face.path, _v(pos + lift), _v(right), _v(up), shape_size))
    return out


def _shape_texts(face: Face, owner, right, up, size: float, gap: float):
    """(text, position) of the shape legends of an argument face: rows and columns dimensions."""
    i_dim, k_dim, j_dim = owner.shape
    rmax, cmax = _extent(face)
    is_left = face.path.endswith("L")
    if is_left:
        row_text = f"I = {i_dim}" + (f" / {face.blocks['i'][0]}" if face.blocks["i"][0] > 1 else "")
        col_text = f"K = {k_dim}" + (f" / {face.blocks['j'][0]}" if face.blocks["j"][0] > 1 else "")
    else:
        row_text = f"K = {k_dim}" + (f" / {face.blocks['i'][0]}" if face.blocks["i"][0] > 1 else "")
        col_text = f"J = {j_dim}" + (f" / {face.blocks['j'][0]}" if face.blocks["j"][0] > 1 else "")
    margin = max(gap / 2, size)
    # rows dimension: beside the middle of the (0, *) column edge, outside the face
    row_edge = _local(face, rmax / 2, -margin) - np.asarray(face.col_dir) * len(row_text) * size * 0.25
    col_edge = _local(face, -margin, cmax / 2)
    texts = [(col_text, col_edge)]
    if is_left:
        texts.insert(0, (row_text, row_edge))
    return texts


def _block_bounds(offsets: np.ndarray, n: int, size: int) -> np.ndarray:
    """(first, last) offset of every displayed block, minus/plus half an element, shape (n, 2)."""
    length = len(offsets)
    first = np.arange(n) * size
    last = np.minimum(length, first + size) - 1
    return np.stack([offsets[first] - 0.5, offsets[last] + 0.5], axis=1).astype(np.float64)


def _guide_segments(face: Face) -> np.ndarray:
    """Border of every block and about 8 row lines per block, as (row, col) offset pairs (n, 2, 2)."""
    (ni, si), (nj, sj) = face.blocks["i"], face.blocks["j"]
    rows = _block_bounds(face.row_offsets, ni, si)
    cols = _block_bounds(face.col_offsets, nj, sj)
    segs = []
    for bi, (top, bottom) in enumerate(rows):
        r0 = bi * si
        r1 = min(face.shape[0], r0 + si) - 1
        step = max(1, -(-(r1 - r0 + 1) // 8))
        inner = face.row_offsets[r0 + step:r1 + 1:step].astype(np.float64)
        for left, right in cols:
            corners = np.array([(top, left), (top, right), (bottom, right), (bottom, left)])
            segs.append(np.stack([corners, np.roll(corners, -1, axis=0)], axis=1))
            if len(inner):
                line = np.empty((len(inner), 2, 2))
                line[:, :, 0] = inner[:, None]
                line[:, 0, 1], line[:, 1, 1] = left, right
                segs.append(line)
    return np.concatenate(segs) if segs else np.zeros((0, 2, 2))


def _guides(scene: Scene, opts) -> list[Guide]:
    out: list[Guide] = []
    if opts.row_guides <= 0:
        return out
    for face in scene.faces:
        rc = _guide_segments(face)
        p00, rd, cd = (np.asarray(v, dtype=np.float64) for v in (face.p00, face.row_dir, face.col_dir))
        lines = (p00 + rc[..., :1] * rd + rc[..., 1:] * cd).astype(np.float32)
        h, w = face.shape
        t = float(min(3.0, max(1.0, min(h, w) / 4)))
        corner = (_v(_local(face, -0.5, -0.5)), _v(_local(face, -0.5, -0.5 + t)), _v(_local(face, -0.5 + t, -0.5)))
        out.append(Guide(face.path, lines, corner, float(opts.row_guides)))
    return out


def _arrows(scene: Scene, opts) -> list[Arrow]:
    out: list[Arrow] = []
    if opts.flow_guides <= 0:
        return out
    faces = {f.path: f for f in scene.faces}
    for node in scene.nodes:
        centre = _node_centre(node)
        result = _centre(faces[node.path])
        size = round(float(opts.flow_guides) * float(np.cbrt(np.prod(node.extent))) / 6, 6)
        end = centre + 0.75 * (result - centre)
        for side, path in (("left", node.left), ("right", node.right)):
            start = centre + 0.75 * (_centre(faces[path]) - centre)
            out.append(Arrow(node.path, side, (_v(start), _v(centre), _v(end)), size))
    return out


def decorate(scene: Scene, opts) -> Scene:
    """``scene`` with its labels, guides and arrows filled in from ``opts`` (mm's deco settings)."""
    return dataclasses.replace(scene, labels=tuple(_labels(scene, opts)),
                               guides=tuple(_guides(scene, opts)), arrows=tuple(_arrows(scene, opts)))
