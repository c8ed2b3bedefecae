"""Decorations of a laid-out scene, following mm's ``deco`` rules: legends, row guides, flow vanes.

* Name legend on every face, centred, ``legends * cbrt(H*W) / 10`` high, shrunk by ``8 / len``
  for names longer than 8 characters, lifted one unit off the face.
* Shape legends (``I = 32``, `` / n`` when partitioned), ``2/5`` of the name size without the
  shrink: rows and columns of every leaf (left: I and K, right: K and J) and of the root's result
  (I and J), on the cube's outer side as mm chooses it from the node's placement.
* Row guides per block (mm's ``rowGuide``): the first and last column, row lines every
  ``max(1, (h - 1) / 8)`` rows, and the corner diagonal from (0, w/8) to (h/8, 0); alpha = ``row guides``.
* Flow vanes per cube (mm's ``flowGuide``): a triangle from the left argument (blue) and one from
  the right (red), meeting the cube's centre line and pointing into the result, scaled by ``flow guides``.

Examples:
    >>> import mmcore
    >>> A = mmcore.matrix("A", 32, 24); B = mmcore.matrix("B", 24, 32)
    >>> s = mmcore.layout(A @ B, gap=3)
    >>> [(lb.text, lb.size) for lb in s.labels if lb.face == "L"]
    [('A', 5.494628), ('I = 32', 2.197851), ('K = 24', 2.197851)]
    >>> s.guides[0].lines.shape, [len(a.points) for a in s.arrows]
    ((12, 2, 3), [3, 3])
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from mmcore.scene import Arrow, Face, Guide, Label, Node, Scene

__all__ = ["decorate", "name_size"]


def name_size(legends: float, shape: tuple[int, int], name: str = "") -> float:
    """mm's name legend height: ``legends * cbrt(H*W) / 10``, times ``min(1, 8 / len(name))``."""
    size = legends * float(np.cbrt(shape[0] * shape[1])) / 10
    if len(name) > 8:
        size *= 8 / len(name)
    return round(size, 6)       # cbrt may differ in the last bit between libms: keep bytes identical


def _round6(x: float) -> float:
    """``np.round(x, 6) + 0.0`` of one float, by numpy's own steps: rint(x·1e6) / 1e6 (Python's
    ``round`` to an integer is round-half-even, like rint; the integer converts back exactly)."""
    y = x * 1e6
    return round(y) / 1e6 + 0.0 if math.isfinite(y) else float(np.round(x, 6))


def _v(a) -> tuple[float, float, float]:
    return tuple(_round6(float(x)) for x in a)


def _at(face: Face, r, c) -> np.ndarray:
    """World point(s) at offset coordinates (r, c) of a face (fractional allowed)."""
    r = np.asarray(r, dtype=float)[..., None]
    c = np.asarray(c, dtype=float)[..., None]
    return np.asarray(face.p00) + r * np.asarray(face.row_dir) + c * np.asarray(face.col_dir)


# One point or direction as three floats: a label needs a dozen small vector steps, each a numpy
# call costing more than its arithmetic (several times more in Pyodide). Every step below does the
# IEEE operations of the numpy expression it replaces, in the same order, so the bits are the same.

def _at3(face: Face, r: float, c: float) -> tuple[float, float, float]:
    """``_at`` of one point: p00 + r·row_dir + c·col_dir."""
    return tuple(p + r * rd + c * cd for p, rd, cd in zip(face.p00, face.row_dir, face.col_dir))


def _add3(a, b) -> tuple[float, float, float]:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _neg3(a) -> tuple[float, float, float]:
    return (-a[0], -a[1], -a[2])


def _cross3(a, b) -> tuple[float, float, float]:
    """``np.cross`` of two 3-vectors (numpy computes a1·b2 - a2·b1, a2·b0 - a0·b2, a0·b1 - a1·b0)."""
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _disp(face: Face) -> tuple[float, float]:
    """Offsets of the last row and column (mm's displayed height and width minus one)."""
    return float(face.row_offsets[-1]), float(face.col_offsets[-1])


def _local(node: Node, p) -> tuple[float, float, float]:
    """``origin + p @ axes``. A node's axes are a signed permutation (mm turns cubes by quarter turns
    only), so each coordinate has one non-zero product, exact, and the sum's order cannot matter."""
    (a, b, c), o = node.axes, node.origin
    return tuple(o[j] + (p[0] * a[j] + p[1] * b[j] + p[2] * c[j]) for j in range(3))


def _outward(face: Face, owner: Node | None) -> tuple[float, float, float]:
    n = _cross3(face.row_dir, face.col_dir)           # face.normal()
    if owner is None:
        return n
    h, w = _disp(face)
    centre = _local(owner, tuple(e / 2 for e in owner.extent))
    d = [x - y for x, y in zip(_at3(face, h / 2, w / 2), centre)]
    return n if d[0] * n[0] + d[1] * n[1] + d[2] * n[2] >= 0 else _neg3(n)


def _oriented(right, up, outward):
    """Mirror ``right`` when needed so the text reads correctly from the face's outer side.

    right × up is ±outward here (both are ± the face's row and column directions), so the sign of
    the dot product is far from any rounding."""
    cross = _cross3(right, up)
    if cross[0] * outward[0] + cross[1] * outward[1] + cross[2] * outward[2] < 0:
        right = _neg3(right)
    return right, up


def _flags(code: str) -> dict:
    """mm's placement booleans of a node (``getPlacementInfo``)."""
    return {"polarity": code[0] == "+", "left": code[1] == "L", "right": code[2] == "T", "result": code[3] == "F"}


def _shape_info(face: Face, nodes: dict) -> dict | None:
    """mm's ``shape_info``: {h: (letter, place), w: (letter, place)} for leaves and the root result."""
    if face.kind == "leaf" and face.path:
        parent = _flags(nodes[face.path[:-1]].placement)
        if face.path.endswith("L"):
            return {"h": ("I", parent["result"] == parent["polarity"]), "w": ("K", parent["right"])}
        return {"h": ("K", parent["left"]), "w": ("J", parent["result"] == parent["polarity"])}
    if face.kind == "result" and face.path == "":
        own = _flags(nodes[""].placement)
        return {"h": ("I", own["left"]), "w": ("J", own["right"])}
    return None


def _labels(scene: Scene, styles: dict) -> list[Label]:
    out: list[Label] = []
    nodes = {n.path: n for n in scene.nodes}
    for face in scene.faces:
        style = styles[face.path]
        legends = style["legends"]
        if legends <= 0:
            continue
        owner = nodes.get(face.path if face.kind == "result" else face.path[:-1])
        outward = _outward(face, owner)
        row_dir, col_dir = tuple(map(float, face.row_dir)), tuple(map(float, face.col_dir))
        dh, dw = _disp(face)
        lift = tuple(x * 1.0 for x in outward)
        right, up = _oriented(col_dir, _neg3(row_dir), outward)
        out.append(Label(face.name, "name", face.path, _v(_add3(_at3(face, dh / 2, dw / 2), lift)), _v(right), _v(up),
                         name_size(legends, face.shape, face.name)))
        info = _shape_info(face, nodes) if style["shape_legends"] else None
        if info is None:
            continue
        size = round(name_size(legends, face.shape) / 2.5, 6)
        glyph = 0.7 * size            # height of a capital letter
        (ni, _), (nj, _) = face.blocks["i"], face.blocks["j"]
        letter, place = info["h"]
        text = f"{letter} = {face.shape[0]}" + (f" / {ni}" if ni > 1 else "")
        at = _at3(face, dh / 2, dw + 2 * glyph if place else -2 * glyph)
        r, u = _oriented(_neg3(row_dir), _neg3(col_dir) if not place else col_dir, outward)
        out.append(Label(text, "shape", face.path, _v(_add3(at, lift)), _v(r), _v(u), size))
        letter, place = info["w"]
        text = f"{letter} = {face.shape[1]}" + (f" / {nj}" if nj > 1 else "")
        at = _at3(face, dh + 3 * glyph if place else -2 * glyph, dw / 2)
        r, u = _oriented(col_dir, _neg3(row_dir), outward)
        out.append(Label(text, "shape", face.path, _v(_add3(at, lift)), _v(r), _v(u), size))
    return out


def _row_guide(bh: int, bw: int) -> np.ndarray:
    """mm's ``rowGuide`` of one block in block-local (row, col): (n, 2, 2)."""
    segs = [((0, 0), (bh - 1, 0)), ((0, bw - 1), (bh - 1, bw - 1))]
    stride = max(1.0, (bh - 1) / 8)
    i = 0.0
    while i < bh:
        segs.append(((i, 0), (i, bw - 1)))
        i += stride
    segs.append(((0, bw / 8), (bh / 8, 0)))
    return np.asarray(segs, dtype=np.float64)


def _guide_segments(face: Face) -> np.ndarray:
    """Every block's row guide in face offset coordinates, (n, 2, 2) as (row, col) pairs."""
    (ni, si), (nj, sj) = face.blocks["i"], face.blocks["j"]
    h, w = face.shape
    cache: dict = {}
    out = []
    for bi in range(ni):
        r0 = bi * si
        if r0 >= h:
            continue
        bh = min(h, r0 + si) - r0
        for bj in range(nj):
            c0 = bj * sj
            if c0 >= w:
                continue
            bw = min(w, c0 + sj) - c0
            block = cache.get((bh, bw))
            if block is None:
                block = cache[bh, bw] = _row_guide(bh, bw)
            out.append(block + (float(face.row_offsets[r0]), float(face.col_offsets[c0])))
    return np.concatenate(out)


def _guides(scene: Scene, styles: dict) -> list[Guide]:
    out: list[Guide] = []
    for face in scene.faces:
        light = styles[face.path]["row_guides"]
        if light <= 0:
            continue
        rc = _guide_segments(face)
        lines = _at(face, rc[..., 0], rc[..., 1]).astype(np.float32)
        (_, si), (_, sj) = face.blocks["i"], face.blocks["j"]
        bh, bw = min(face.shape[0], si), min(face.shape[1], sj)
        corner = tuple(_v(p) for p in _at(face, [0, 0, bh / 8], [0, bw / 8, 0]))
        out.append(Guide(face.path, lines, corner, float(light)))
    return out


def _count(path: str, nodes: dict) -> int:
    return sum(1 for p in nodes if p.startswith(path))


def _scatter(sp: dict, count: int, total: int) -> float:
    if count < sp["molecule"]:
        return 0.0
    return sp["scatter"] * (count ** sp["blast"] if sp["blast"] >= 0 else (total - count) ** (-sp["blast"]))


def _arrows(scene: Scene, styles: dict, spacings: dict) -> list[Arrow]:
    out: list[Arrow] = []
    nodes = {n.path: n for n in scene.nodes}
    for node in scene.nodes:
        scale = float(styles[node.path]["flow_guides"])
        if scale <= 0:
            continue
        sp = spacings[node.path]
        g = float(sp["gap"])
        f = _flags(node.placement)
        ex, ey, ez = node.extent
        cw, ch, cd = ex / 2, ey / 2, ez / 2
        s_left = _scatter(sp, _count(node.left, nodes), len(nodes))
        s_right = _scatter(sp, _count(node.right, nodes), len(nodes))
        px = (lambda x: x) if f["left"] else (lambda x: ex - x)
        py = (lambda y: y) if f["right"] else (lambda y: ey - y)
        pz = (lambda z: z) if f["result"] else (lambda z: ez - z)
        tip = pz(cd - (cd - g) * scale)
        left = [(px(cw - (cw - g + s_left) * scale), ch, pz(cd)), (cw, ch, pz(cd)), (cw, ch, tip)]
        right = [(cw, py(ch - (ch - g + s_right) * scale), pz(cd)), (cw, ch, pz(cd)), (cw, ch, tip)]
        for side, pts in (("left", left), ("right", right)):
            out.append(Arrow(node.path, side, tuple(_v(_local(node, p)) for p in pts), round(scale, 6)))
    return out


def decorate(scene: Scene, opts, styles: dict | None = None, spacings: dict | None = None) -> Scene:
    """``scene`` with its labels, guides and arrows, from mm's deco settings: ``opts``'s, or per
    face path ``styles`` (dicts with ``legends``, ``shape_legends``, ``row_guides``, ``flow_guides``);
    ``spacings``: per node path its merged ``gap``, ``scatter``, ``molecule``, ``blast``."""
    if styles is None:
        styles = {f.path: opts.style() for f in scene.faces}
    if spacings is None:
        base = {"gap": float(opts.gap), "scatter": float(opts.scatter), "molecule": opts.molecule,
                "blast": float(opts.blast)}
        spacings = {n.path: base for n in scene.nodes}
    return dataclasses.replace(scene, labels=tuple(_labels(scene, styles)), guides=tuple(_guides(scene, styles)),
                               arrows=tuple(_arrows(scene, styles, spacings)))
