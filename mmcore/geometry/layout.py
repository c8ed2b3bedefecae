"""mm's geometry: place every face and cube of an expression tree (DESIGN section 4).

Each matmul node gets a rigid transform (rotation × translation) from its parent's argument
slot; the whole scene is the root frame turned by π about x, so j runs +x, i runs −y and k
runs +z. Faces keep only ``p00``, two unit directions and 1-D offsets: positions are lazy.

Examples:
    >>> import mmcore
    >>> L = mmcore.matrix("L", 32, 24); R = mmcore.matrix("R", 24, 32)
    >>> s = mmcore.layout(L @ R, gap=3)
    >>> s.face("").p00, s.face("L").p00, s.face("R").p00
    ((3.0, -3.0, 0.0), (0.0, -3.0, -26.0), (3.0, 0.0, -26.0))
    >>> s.center
    (-18.5, 18.5, 14.5)
"""

from __future__ import annotations

import dataclasses

import numpy as np

from mmcore.geometry.blocks import BlockSplit
from mmcore.geometry.expr import Blocks, Expr, Leaf, MatMul, Placement
from mmcore.geometry.options import Options
from mmcore.geometry.schemes import child_placement

__all__ = ["Xform", "NodeGeometry", "FaceGeometry", "place", "bbox", "lifted_blocks"]

_I3 = np.eye(3)
_RX_PI = np.diag([1.0, -1.0, -1.0])
_RY_POS = np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]], dtype=float)    # Ry(+π/2): (x,y,z)->(z,y,-x)
_RY_NEG = _RY_POS.T                                                     # Ry(−π/2): (x,y,z)->(-z,y,x)
_RX_POS = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], dtype=float)    # Rx(+π/2): (x,y,z)->(x,-z,y)
_RX_NEG = _RX_POS.T                                                     # Rx(−π/2): (x,y,z)->(x,z,-y)


@dataclasses.dataclass(frozen=True, eq=False)
class Xform:
    """A rigid transform ``x -> rot @ x + trans``."""

    rot: np.ndarray
    trans: np.ndarray

    @staticmethod
    def of(rot=_I3, trans=(0.0, 0.0, 0.0)) -> "Xform":
        return Xform(np.asarray(rot, dtype=float), np.asarray(trans, dtype=float))

    def then(self, inner: "Xform") -> "Xform":
        """``self · inner``: apply ``inner`` first, then ``self``."""
        return Xform(self.rot @ inner.rot, self.rot @ inner.trans + self.trans)

    def apply(self, p) -> np.ndarray:
        return self.rot @ np.asarray(p, dtype=float) + self.trans


@dataclasses.dataclass(frozen=True, eq=False)
class FaceGeometry:
    """Where one face lies: its tree path, the node it belongs to, frame and row/col splits."""

    path: str
    node: Expr
    kind: str
    frame: Xform              # element (r, c) at frame.apply((col_off[c], row_off[r], 0))
    rows: BlockSplit
    cols: BlockSplit
    inputs: tuple[str, ...]
    gap: float                # the face's own gap (block gaps in its offsets)


@dataclasses.dataclass(frozen=True, eq=False)
class NodeGeometry:
    """One matmul cube: its frame, extents, effective blocks and placement."""

    path: str
    node: MatMul
    frame: Xform
    extent: tuple[float, float, float]
    blocks: tuple[int, int, int]           # (ib, kb, jb) after propagation
    splits: tuple[BlockSplit, BlockSplit, BlockSplit]
    placement: Placement
    spacing: dict             # the node's merged gap, scatter, molecule, blast


def _count(expr: Expr) -> int:
    return 0 if isinstance(expr, Leaf) else 1 + _count(expr.left) + _count(expr.right)


def _scatter(sp: dict, count: int, total: int) -> float:
    """mm's ``scatterFromCount`` with a node's merged spacing settings."""
    if count < sp["molecule"]:
        return 0.0
    mult = count ** sp["blast"] if sp["blast"] >= 0 else (total - count) ** (-sp["blast"])
    return sp["scatter"] * mult


def _merged(spacing: dict, node: Expr) -> dict:
    """A node's spacing: its parent's, overridden by the node's own (mm merges ``layout`` groups)."""
    return {**spacing, **dict(node.spacing)} if node.spacing else spacing


def _slot(side: str, pl: Placement, extent, cez: float, s: float) -> Xform:
    ex, ey, ez = extent
    positive = pl.polarity == "positive"
    if side == "L":
        if positive:
            return Xform.of(_RY_NEG, (-s if pl.left == "left" else ex + cez + s, 0.0, 0.0))
        return Xform.of(_RY_POS, (-(cez + s) if pl.left == "left" else ex + s, 0.0, ez))
    if positive:
        return Xform.of(_RX_POS, (0.0, -s if pl.right == "top" else ey + cez + s, 0.0))
    return Xform.of(_RX_NEG, (0.0, -(cez + s) if pl.right == "top" else ey + s, ez))


def _node_extent(node: MatMul, ib: int, kb: int, jb: int, g: float):
    (h, d), w = node.left.shape, node.right.shape[1]
    si, sk, sj = BlockSplit.of(h, ib), BlockSplit.of(d, kb), BlockSplit.of(w, jb)
    ext = (sj.displayed_length(g) + 2 * g - 1, si.displayed_length(g) + 2 * g - 1,
           sk.displayed_length(g) + 2 * g - 1)
    return (si, sk, sj), ext


def place(expr: Expr, opts: Options) -> tuple[list[NodeGeometry], list[FaceGeometry]]:
    """Frames of every matmul cube and every face of ``expr`` (faces in pre-order: result, L…, R…)."""
    spacing = _merged({"gap": float(opts.gap), "scatter": float(opts.scatter), "molecule": opts.molecule,
                       "blast": float(opts.blast)}, expr)
    g = spacing["gap"]
    total = _count(expr)
    nodes: list[NodeGeometry] = []
    faces: list[FaceGeometry] = []
    world = Xform.of(_RX_PI)
    if isinstance(expr, Leaf):
        split_r, split_c = BlockSplit.of(expr.h, 1), BlockSplit.of(expr.w, 1)
        faces.append(FaceGeometry("", expr, "leaf", world.then(Xform.of(_I3, (g, g, 0.0))), split_r, split_c, (), g))
        return nodes, faces
    root_pl = expr.placement or Placement()
    wanted = {} if opts.keep_placements else lifted_blocks(expr)
    b = wanted.get(id(expr), expr.blocks)
    _walk(expr, "", world, root_pl, (b.i or 1, b.k or 1, b.j or 1), spacing, opts, total, nodes, faces, wanted)
    return nodes, faces


def lifted_blocks(expr: Expr, out: dict | None = None) -> dict:
    """Requested blocks per node with children's requests lifted to where the dimension starts.

    mm propagates i/j/k blocks downward at build time (a left child's i and j are its parent's i
    and k; a right child's are the parent's k and j), so a request made on a child only counts
    once it is moved up to the ancestor that owns the dimension; a node's own request wins.
    """
    out = {} if out is None else out
    if isinstance(expr, Leaf):
        return out
    lifted_l = lifted_blocks(expr.left, out).get(id(expr.left), Blocks()) if isinstance(expr.left, MatMul) else Blocks()
    lifted_r = lifted_blocks(expr.right, out).get(id(expr.right), Blocks()) if isinstance(expr.right, MatMul) else Blocks()
    own = expr.blocks

    def first(*vals):
        return next((v for v in vals if v is not None), None)

    out[id(expr)] = Blocks(i=first(own.i, lifted_l.i), j=first(own.j, lifted_r.j),
                           k=first(own.k, lifted_l.j, lifted_r.i))
    return out


def _walk(node: MatMul, path: str, frame: Xform, pl: Placement, blocks, sp: dict, opts: Options,
          total: int, nodes: list, faces: list, wanted: dict) -> float:
    ib, kb, jb = blocks
    g = sp["gap"]
    splits, ext = _node_extent(node, ib, kb, jb, g)
    si, sk, sj = splits
    nodes.append(NodeGeometry(path, node, frame, ext, blocks, splits, pl, sp))
    result_z = ext[2] if pl.result == "back" else 0.0
    faces.append(FaceGeometry(path, node, "result", frame.then(Xform.of(_I3, (g, g, result_z))), si, sj,
                              (path + "L", path + "R"), g))
    for side, child, (ci, cj) in (("L", node.left, (ib, kb)), ("R", node.right, (kb, jb))):
        cpath = path + side
        s = _scatter(sp, _count(child), total)
        csp = _merged(sp, child)
        cg = csp["gap"]
        if isinstance(child, Leaf):
            slot = frame.then(_slot(side, pl, ext, 0.0, s))
            faces.append(FaceGeometry(cpath, child, "leaf", slot.then(Xform.of(_I3, (cg, cg, 0.0))),
                                      BlockSplit.of(child.h, ci), BlockSplit.of(child.w, cj), (), cg))
            continue
        own_k = wanted.get(id(child), child.blocks).k
        ck = own_k if own_k is not None else kb
        cpl = child_placement(opts, pl, child, side == "L")
        csplits, cext = _node_extent(child, ci, ck, cj, cg)
        slot = frame.then(_slot(side, pl, ext, cext[2], s))
        _walk(child, cpath, slot, cpl, (ci, ck, cj), csp, opts, total, nodes, faces, wanted)
    return ext[2]


def bbox(nodes: list[NodeGeometry]) -> tuple[np.ndarray, np.ndarray]:
    """Union over every cube of the box spanned by local (0,0,0) and (EX,EY,EZ) (mm's centring box)."""
    lo = np.full(3, np.inf)
    hi = np.full(3, -np.inf)
    for n in nodes:
        a = n.frame.apply((0.0, 0.0, 0.0))
        b = n.frame.apply(n.extent)
        lo = np.minimum(lo, np.minimum(a, b))
        hi = np.maximum(hi, np.maximum(a, b))
    return lo, hi
