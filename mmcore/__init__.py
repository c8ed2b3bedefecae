"""mmcore: mm's 3-D picture of matrix multiplication, as a pure-numpy engine.

Build an expression from leaves and ``@``, lay it out as mm would, and get a scene of faces
(every matrix drawn) with their values and lazily computed element positions.

* ``matrix(name, h, w, init=...)`` / ``matrix(name, array)`` / ``matrix(name, "w.npz", key=...)``: leaves;
* ``A @ B``, ``.named("attn")`` (or ``name("attn", A @ B)``), ``.with_epilog("relu")``,
  ``.partition(i=, j=, k=)``, ``.placed(...)`` (custom scheme), ``.styled(sensitivity=...)``;
* ``layout(expr, gap=, scheme=, polarity=, scatter=, molecule=, blast=, sensitivity=, seed=, ...)``
  -> ``Scene``: ``scene.face(path)`` (``""`` root, ``"L"``, ``"R"``, ``"LR"`` ...), ``.values``,
  ``.positions()``, ``scene.to_bytes()`` / ``Scene.from_bytes(b)``, ``scene.outline()``;
* ``from_mm(params_or_link)`` / ``to_mm(expr)``: mm's params and links, both directions.

Examples:
    >>> import mmcore
    >>> A = mmcore.matrix("A", 8, 6, init="rows")
    >>> B = mmcore.matrix("B", 6, 4, init="cols")
    >>> scene = mmcore.layout(A @ B)
    >>> scene.face("").shape, scene.face("L").shape, scene.face("R").shape
    ((8, 4), (8, 6), (6, 4))
    >>> scene.face("").positions().shape
    (8, 4, 3)
"""

from . import startup as _startup

_startup.install()   # the browser's wheel carries mmcore's dataclass methods compiled (mmcore.startup)

from . import scene  # noqa: E402  (after install: these define the dataclasses)
from .geometry.build import layout  # noqa: E402
from .geometry.expr import Blocks, Expr, Leaf, MatMul, Placement, matrix, name  # noqa: E402
from .errors import MMError  # noqa: E402
from .scene import Scene  # noqa: E402
from .cell import show  # noqa: E402

__version__ = "0.1.0"

__all__ = ["matrix", "name", "layout", "from_mm", "to_mm", "Expr", "Leaf", "MatMul", "Blocks",
           "Placement", "Scene", "show", "scene", "MMError", "__version__"]


def from_mm(source):
    """An expression from mm's params (dict or JSON text) or an mm link (``?params=`` or compressed).

    The expression carries mm's layout and colour settings, so ``mmcore.layout(expr)`` draws
    the same picture mm does.
    """
    from .mm.api import from_mm as _from_mm
    return _from_mm(source)


def to_mm(expr, **options) -> str:
    """An mm link that opens the same picture as ``mmcore.layout(expr, **options)``."""
    from .mm.api import to_mm as _to_mm
    return _to_mm(expr, **options)


_LAZY_SUBMODULES = ("anim", "models", "bert", "io")


def __getattr__(name: str):
    """``mmcore.anim``, ``mmcore.models``, ``mmcore.bert`` and ``mmcore.io`` import on first use (they are
    not needed to draw a plain expression, and importing them up front would slow every cell's start:
    mmcore.anim alone is ~50 ms of Python's start in the browser)."""
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'mmcore' has no attribute {name!r}")
