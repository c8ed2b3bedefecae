"""The scene: everything the renderer draws, as plain records (no three.js knowledge).

A :class:`Scene` holds faces (every matrix drawn), nodes (every matmul cube), labels, row
guides, flow arrows, a bounding box, mm's colour settings and a camera hint. It is written to
and read from the binary wire format of ``docs/reference/scene-format.md``.

Examples:
    >>> import mmcore
    >>> A = mmcore.matrix("A", 8, 6, init="rows"); B = mmcore.matrix("B", 6, 4, init="cols")
    >>> scene = mmcore.layout(A @ B, gap=2)
    >>> scene.face("L").positions()[0, 0].tolist()
    [0.0, -2.0, -7.0]
    >>> Scene.from_bytes(scene.to_bytes()).face("").shape
    (8, 4)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .errors import MMError

__all__ = ["Scene", "Face", "FaceData", "Node", "Label", "Guide", "Arrow", "Camera"]

Vec = tuple[float, float, float]


@dataclasses.dataclass(frozen=True, eq=False)
class FaceData:
    """A face's numbers: values after the epilog, |x| range and the colour range to use."""

    values: np.ndarray             # float32 (H, W)
    absmax: float                  # max |x| over finite entries
    absmin: float                  # min non-zero |x| over finite entries
    color_range: tuple[float, float]


@dataclasses.dataclass(frozen=True, eq=False)
class Face:
    """One matrix drawn in the scene; element (r, c) sits at ``p00 + row_offsets[r]*row_dir + col_offsets[c]*col_dir``.

    Geometry is always at hand; ``values`` and the ranges come from ``data``, which a laid-out scene
    computes on first use (so positions of a figure whose leaves cannot be loaded still work).
    """

    path: str
    name: str
    kind: str                      # "leaf" | "result"
    shape: tuple[int, int]
    p00: Vec
    row_dir: Vec
    col_dir: Vec
    row_offsets: np.ndarray        # float32 (H,)
    col_offsets: np.ndarray        # float32 (W,)
    blocks: dict                   # {"i": [n, size], "j": [n, size]}
    data: Any                      # FaceData, or an object with the same attributes computed on demand
    epilog: str = "none"
    inputs: tuple[str, ...] = ()
    style: dict | None = None      # colour/legend settings of this face that differ from the scene's

    @property
    def values(self) -> np.ndarray:
        """float32 (H, W), after the epilog."""
        return self.data.values

    @property
    def absmax(self) -> float:
        return self.data.absmax

    @property
    def absmin(self) -> float:
        return self.data.absmin

    @property
    def color_range(self) -> tuple[float, float]:
        """(absmin, absmax) to colour with, after the sensitivity rule."""
        return self.data.color_range

    def positions(self) -> np.ndarray:
        """World centre of every element, float64 (H, W, 3) (computed on demand, never stored)."""
        p00 = np.asarray(self.p00, dtype=np.float64)
        rows = self.row_offsets.astype(np.float64)[:, None] * np.asarray(self.row_dir, dtype=np.float64)
        cols = self.col_offsets.astype(np.float64)[:, None] * np.asarray(self.col_dir, dtype=np.float64)
        return p00 + rows[:, None, :] + cols[None, :, :]

    def position(self, r: int, c: int) -> np.ndarray:
        """World centre of element (r, c)."""
        return (np.asarray(self.p00) + float(self.row_offsets[r]) * np.asarray(self.row_dir)
                + float(self.col_offsets[c]) * np.asarray(self.col_dir))

    def normal(self) -> np.ndarray:
        """Unit normal ``row_dir × col_dir``."""
        return np.cross(np.asarray(self.row_dir), np.asarray(self.col_dir))


@dataclasses.dataclass(frozen=True)
class Node:
    """One matmul cube: local (x, y, z) maps to ``origin + x*axes[0] + y*axes[1] + z*axes[2]``."""

    path: str
    name: str
    epilog: str
    shape: tuple[int, int, int]          # (I, K, J)
    blocks: tuple[int, int, int]         # requested (ib, kb, jb) after propagation
    extent: Vec
    origin: Vec
    axes: tuple[Vec, Vec, Vec]
    left: str
    right: str
    placement: str = "-LTF"              # mm's short layout code
    textbook: bool = False               # the epilog's textbook variant (not mm's)

    def corners(self) -> np.ndarray:
        """World images of local (0,0,0) and (EX,EY,EZ), shape (2, 3)."""
        o = np.asarray(self.origin, dtype=np.float64)
        a = np.asarray(self.axes, dtype=np.float64)
        return np.stack([o, o + np.asarray(self.extent) @ a])


@dataclasses.dataclass(frozen=True)
class Label:
    """A text legend: baseline along ``right``, glyphs up along ``up``, ``size`` world units high."""

    text: str
    kind: str                             # "name" | "shape"
    face: str
    position: Vec
    right: Vec
    up: Vec
    size: float


@dataclasses.dataclass(frozen=True, eq=False)
class Guide:
    """Row guides of one face: line segments (n, 2, 3) and the (0, 0) corner triangle."""

    face: str
    lines: np.ndarray
    corner: tuple[Vec, Vec, Vec]
    alpha: float


@dataclasses.dataclass(frozen=True)
class Arrow:
    """A flow vane from one argument into the node's result."""

    node: str
    side: str                             # "left" | "right"
    points: tuple[Vec, ...]
    size: float


@dataclasses.dataclass(frozen=True)
class Camera:
    """A camera hint in centred coordinates."""

    position: Vec
    target: Vec = (0.0, 0.0, 0.0)
    up: Vec = (0.0, 1.0, 0.0)


@dataclasses.dataclass(frozen=True, eq=False)
class Scene:
    """A laid-out figure. Build with ``mmcore.layout(expr)``; look faces up by tree path."""

    title: str
    gap: float
    bbox_min: Vec
    bbox_max: Vec
    viz: dict
    faces: tuple[Face, ...]
    nodes: tuple[Node, ...]
    labels: tuple[Label, ...] = ()
    guides: tuple[Guide, ...] = ()
    arrows: tuple[Arrow, ...] = ()
    camera: Camera | None = None
    anim: Any = None
    #: ``(expression, layout options)`` this scene was laid out from (its mm link); None once decoded
    source: Any = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def center(self) -> Vec:
        """Add to every position to centre the scene (``-(bbox centre)``), as mm does."""
        return tuple(-(a + b) / 2 + 0.0 for a, b in zip(self.bbox_min, self.bbox_max))

    def face(self, path: str) -> Face:
        """The face at ``path`` (``""`` root result, ``"L"``/``"R"`` its arguments, ``"LR"`` ...)."""
        for f in self.faces:
            if f.path == path:
                return f
        raise MMError(f"no face at path {path!r}: expected one of {', '.join(repr(f.path) for f in self.faces)}")

    def node(self, path: str) -> Node:
        """The matmul cube at ``path``."""
        for n in self.nodes:
            if n.path == path:
                return n
        raise MMError(f"no matmul at path {path!r}: expected one of {', '.join(repr(n.path) for n in self.nodes)}")

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.faces)

    def element_count(self) -> int:
        return sum(f.shape[0] * f.shape[1] for f in self.faces)

    def _repr_mimebundle_(self, include=None, exclude=None):  # Jupyter: the figure widget (mmcore/widget.py)
        return __import__("mmcore.widget").widget.mimebundle(self, include, exclude)

    def to_bytes(self) -> bytes:
        """The wire format (deterministic: the same scene gives identical bytes)."""
        from .wire.codec import scene_to_bytes
        return scene_to_bytes(self)

    @staticmethod
    def from_bytes(data: bytes | bytearray | memoryview) -> "Scene":
        """Read a scene written by :meth:`to_bytes`."""
        from .wire.codec import decode
        return _scene_from_header(decode(data))

    def outline(self) -> str:
        """A readable text summary for golden files and diffs."""
        from .wire.outline import outline
        return outline(self)


def _scene_from_header(h: dict) -> Scene:
    """The scene objects of a decoded blob (:func:`mmcore.wire.codec.decode`: arrays already in place)."""
    t = tuple
    faces = tuple(Face(
        path=f["path"], name=f["name"], kind=f["kind"], shape=t(f["shape"]), p00=t(f["p00"]),
        row_dir=t(f["row_dir"]), col_dir=t(f["col_dir"]), row_offsets=f["row_offsets"],
        col_offsets=f["col_offsets"], blocks=f["blocks"],
        data=FaceData(f["values"], f["absmax"], f["absmin"], t(f["color_range"])),
        epilog=f.get("epilog", "none"), inputs=t(f.get("inputs", ())), style=f.get("style")) for f in h["faces"])
    nodes = tuple(Node(
        path=n["path"], name=n["name"], epilog=n["epilog"], shape=t(n["shape"]), blocks=t(n["blocks"]),
        extent=t(n["extent"]), origin=t(n["origin"]), axes=t(t(a) for a in n["axes"]),
        left=n["left"], right=n["right"], placement=n.get("placement", ""),
        textbook=bool(n.get("textbook", False))) for n in h["nodes"])
    labels = tuple(Label(lb["text"], lb["kind"], lb["face"], t(lb["position"]), t(lb["right"]),
                         t(lb["up"]), lb["size"]) for lb in h.get("labels", []))
    guides = tuple(Guide(g["face"], g["lines"], t(t(c) for c in g["corner"]), g["alpha"])
                   for g in h.get("guides", []))
    arrows = tuple(Arrow(a["node"], a["side"], t(t(p) for p in a["points"]), a["size"])
                   for a in h.get("arrows", []))
    cam = h.get("camera")
    camera = Camera(t(cam["position"]), t(cam["target"]), t(cam["up"])) if cam else None
    return Scene(title=h["title"], gap=h["gap"], bbox_min=t(h["bbox"]["min"]), bbox_max=t(h["bbox"]["max"]),
                 viz=h["viz"], faces=faces, nodes=nodes, labels=labels, guides=guides, arrows=arrows,
                 camera=camera, anim=h.get("anim"))
