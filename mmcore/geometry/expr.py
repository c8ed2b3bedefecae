"""The expression tree: immutable leaves and matmul nodes, and the public constructors.

Expressions are frozen dataclasses compared by identity: the same leaf object used twice
(the attention head's ``input`` for Q and for V) is one matrix with one set of values.

Examples:
    >>> import mmcore
    >>> A = mmcore.matrix("A", 8, 6, init="rows")
    >>> B = mmcore.matrix("B", 6, 4, init="cols")
    >>> C = (A @ B).named("C")
    >>> C.shape, C.text()
    ((8, 4), 'C = A @ B')
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import Any

import numpy as np

from mmcore.errors import MMError

__all__ = ["Expr", "Leaf", "MatMul", "Blocks", "Placement", "matrix", "name"]

_uids = itertools.count(1)
_NAME_RE = re.compile(r"^\w+[\w.\-!#$%^&/\[\]]*$")

def _init_names() -> tuple[str, ...]:
    from mmcore.values.inits import INIT_NAMES
    return tuple(INIT_NAMES)


def _epilog_names() -> tuple[str, ...]:
    from mmcore.values.epilogs import EPILOG_NAMES
    return tuple(EPILOG_NAMES)


@dataclasses.dataclass(frozen=True)
class Blocks:
    """Requested partition block counts of one matmul node; ``None`` means "not set here"."""

    i: int | None = None
    j: int | None = None
    k: int | None = None

    def __post_init__(self):
        for axis in ("i", "j", "k"):
            v = getattr(self, axis)
            if v is not None and (not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1):
                raise MMError(f"{axis} blocks: expected a positive integer, got {v!r}")


@dataclasses.dataclass(frozen=True)
class Placement:
    """mm's four per-node layout settings."""

    polarity: str = "negative"          # "negative" | "positive"
    left: str = "left"                  # left placement: "left" | "right"
    right: str = "top"                  # right placement: "top" | "bottom"
    result: str = "front"               # result placement: "front" | "back"

    def __post_init__(self):
        for field, allowed in (("polarity", ("negative", "positive")), ("left", ("left", "right")),
                               ("right", ("top", "bottom")), ("result", ("front", "back"))):
            v = getattr(self, field)
            if v not in allowed:
                label = field if field == "polarity" else f"{field} placement"
                raise MMError(f"{label}: expected one of {', '.join(map(repr, allowed))}, got {v!r}")

    def code(self) -> str:
        """mm's short code, e.g. ``-LTF``."""
        return ("+" if self.polarity == "positive" else "-") + self.left[0].upper() + \
            self.right[0].upper() + self.result[0].upper()


class Expr:
    """Base of leaves and matmul nodes: ``@``, names, shapes, text."""

    name: str | None
    __array_ufunc__ = None      # numpy defers ``array @ expr`` to ``Expr.__rmatmul__``

    def __matmul__(self, other: "Expr") -> "MatMul":
        if isinstance(other, np.ndarray):
            other = matrix(None, other)
        if not isinstance(other, Expr):
            return NotImplemented
        return MatMul(self, other)

    def __rmatmul__(self, other: Any) -> "MatMul":
        if isinstance(other, np.ndarray):
            return MatMul(matrix(None, other), self)
        return NotImplemented

    @property
    def shape(self) -> tuple[int, int]:
        raise NotImplementedError

    def named(self, name: str) -> "Expr":
        """A copy with ``name`` (leaves keep their identity and values)."""
        _check_name(name)
        return dataclasses.replace(self, name=name)

    def styled(self, **style: Any) -> "Expr":
        """A copy whose face(s) and subtree use other colour or legend settings, as mm merges a
        node's own ``viz``/``deco`` over its parent's: ``sensitivity``, ``min_size``, ``min_light``,
        ``max_light``, ``elem_scale``, ``zero_hue``, ``hue_gap``, ``hue_spread``, ``legends``,
        ``shape_legends``, ``row_guides``, ``flow_guides``.

        Examples:
            >>> A = matrix("A", 2, 2); B = matrix("B", 2, 2)
            >>> (A @ B).styled(sensitivity="local").style
            (('sensitivity', 'local'),)
        """
        from mmcore.geometry.options import check_style
        merged = dict(self.style)
        merged.update(check_style(style))
        return dataclasses.replace(self, style=tuple(sorted(merged.items())))

    def label(self) -> str:
        """The name shown for this node: its name, else ``left @ right`` by the children's labels."""
        if self.name or isinstance(self, Leaf):
            return self.name
        right = self.right.label()
        if isinstance(self.right, MatMul) and self.right.name is None:
            right = f"({right})"
        return f"{self.left.label()} @ {right}"

    def text(self, top: bool = True) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.text()} {self.shape[0]}×{self.shape[1]}>"

    def _repr_mimebundle_(self, include=None, exclude=None):  # Jupyter: the figure widget (mmcore/widget.py)
        return __import__("mmcore.widget").widget.mimebundle(self, include, exclude)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise MMError(f"name: expected a non-empty string, got {name!r}")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Leaf(Expr):
    """A matrix: ``h`` × ``w`` values from an mm init function or a numpy array."""

    name: str
    h: int
    w: int
    init: str = "row major"
    min: float = -1.0
    max: float = 1.0
    dropout: float = 0.0
    expr: str = ""
    url: str = ""
    data: np.ndarray | None = None
    uid: int = dataclasses.field(default_factory=lambda: next(_uids))
    style: tuple = ()            # per-node colour/legend overrides, (key, value) pairs (see ``styled``)
    spacing: tuple = ()          # per-node gap/scatter/molecule/blast overrides (mm links' child ``layout``)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.h, self.w)

    def text(self, top: bool = True) -> str:
        return self.name

    def __hash__(self):
        return hash(("leaf", self.uid))

    def __eq__(self, other):
        return isinstance(other, Leaf) and other.uid == self.uid and other.name == self.name


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class MatMul(Expr):
    """``left @ right`` with an optional name, epilog, partition blocks and placement."""

    left: Expr
    right: Expr
    name: str | None = None
    epilog: str = "none"
    blocks: Blocks = Blocks()
    placement: Placement | None = None
    options: Any = None          # root-level layout/colour settings carried from mm (mmcore.geometry.options.Options)
    textbook: bool = False       # the textbook epilog (per-row layernorm, exact GELU, ...) instead of mm's
    style: tuple = ()            # per-node colour/legend overrides, (key, value) pairs (see ``styled``)
    spacing: tuple = ()          # per-node gap/scatter/molecule/blast overrides (mm links' child ``layout``)

    def __post_init__(self):
        (h, d), (d2, w) = self.left.shape, self.right.shape
        if d != d2:
            raise MMError(f"cannot multiply {self.left.text(False)} ({h}×{d}) by "
                          f"{self.right.text(False)} ({d2}×{w}): inner dimensions {d} and {d2} differ")
        names = _epilog_names()
        if not isinstance(self.epilog, str) or self.epilog not in names:
            raise MMError(f"epilog: expected one of {', '.join(names)}; got {self.epilog!r}")

    @property
    def shape(self) -> tuple[int, int]:
        return (self.left.shape[0], self.right.shape[1])

    @property
    def depth(self) -> int:
        """The inner dimension k."""
        return self.left.shape[1]

    def text(self, top: bool = True) -> str:
        left = self.left.text(False)
        right = self.right.text(False)
        if isinstance(self.right, MatMul) and self.right.name is None:
            right = f"({right})"
        body = f"{left} @ {right}"
        if self.name is not None:
            body = f"{self.name} = {body}"
            return body if top else f"({body})"
        return body

    def with_epilog(self, epilog: str, *, textbook: bool = False) -> "MatMul":
        """A copy whose result goes through ``epilog`` (mm's names: ``relu``, ``softmax(tril(x/sqrt(k)))``, ...).

        ``textbook=True`` uses the textbook definition where mm has a quirk (layernorm per row,
        softmax's row maximum from −∞, GELU with the exact erf); mm links cannot carry it.
        """
        return dataclasses.replace(self, epilog=epilog, textbook=bool(textbook))

    def partition(self, i: int | None = None, j: int | None = None, k: int | None = None) -> "MatMul":
        """A copy split into ``i``/``j``/``k`` blocks (mm propagates them to the children)."""
        b = self.blocks
        return dataclasses.replace(self, blocks=Blocks(i if i is not None else b.i,
                                                       j if j is not None else b.j,
                                                       k if k is not None else b.k))

    def placed(self, polarity: str | None = None, left: str | None = None, right: str | None = None,
               result: str | None = None) -> "MatMul":
        """A copy with this node's placement settings (used by the root, or by every node with ``scheme="custom"``)."""
        p = self.placement or Placement()
        return dataclasses.replace(self, placement=Placement(polarity or p.polarity, left or p.left,
                                                             right or p.right, result or p.result))


def matrix(name: str | None, h: Any = None, w: int | None = None, *, init: str | None = None,
           min: float = -1.0, max: float = 1.0, dropout: float = 0.0, expr: str = "",
           key: str | None = None) -> Leaf:
    """A leaf matrix.

    ``matrix("A", 8, 6, init="rows")`` uses an mm init function; ``matrix("A", array)`` takes a
    2-D numpy array; ``matrix("W", "weights.npz", key="wq")`` loads a file (``.npy``, ``.npz``,
    ``.csv``, ``.safetensors``); ``matrix("M", 4, 4, expr="i == j ? 1 : 0")`` uses an expression.

    Examples:
        >>> matrix("A", 2, 3, init="eye").shape
        (2, 3)
    """
    if name is not None:
        _check_name(name)
    if isinstance(h, (str, bytes)) or hasattr(h, "__fspath__"):
        import mmcore.io as _io   # lazy: only when a file is named
        h = _io.load_matrix(h, key=key)
    if h is not None and not isinstance(h, (int, np.integer)):
        arr = np.asarray(h)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.size == 0:
            raise MMError(f"matrix {name or ''}: expected a non-empty 2-D array, got shape {arr.shape}")
        if not np.issubdtype(arr.dtype, np.number) and arr.dtype != np.bool_:
            raise MMError(f"matrix {name or ''}: expected numbers, got dtype {arr.dtype}")
        data = np.array(arr, dtype=np.float32, copy=True)
        data.setflags(write=False)
        return Leaf(name or "M", int(data.shape[0]), int(data.shape[1]), init="array", data=data)
    if h is None or w is None:
        raise MMError(f"matrix {name or ''}: expected a shape (h, w), an array or a file, got h={h!r}, w={w!r}")
    for label, v in (("h", h), ("w", w)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise MMError(f"matrix {name}: {label}: expected a positive integer, got {v!r}")
    if init is None:
        init = "expr" if expr else "row major"
    if init not in _init_names():
        raise MMError(f"matrix {name}: init: expected one of {', '.join(_init_names())}; got {init!r}")
    return Leaf(name or "M", int(h), int(w), init=init, min=float(min), max=float(max),
                dropout=float(dropout), expr=expr)


def name(label: str, expr: Expr) -> Expr:
    """``expr`` named ``label`` (same as ``expr.named(label)``).

    Examples:
        >>> A = matrix("A", 2, 3); B = matrix("B", 3, 2)
        >>> name("attn", A @ B).text()
        'attn = A @ B'
    """
    return expr.named(label)
