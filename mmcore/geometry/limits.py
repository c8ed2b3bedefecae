"""Size limits of one figure, checked before any value is computed or any memory is spent.

A figure (the scene of one cell) may hold at most ``MAX_ELEMENTS`` matrix elements in all its faces
together and at most ``MAX_FACES`` faces. The same rule runs at build time (CPython) and in the
reader's browser (Pyodide), because both go through ``mmcore.layout`` and ``mmcore.cell.run_cell``.
The limits are documented in docs/reference/limits.md.

Examples:
    >>> import mmcore
    >>> figure_size(mmcore.matrix("A", 4, 3) @ mmcore.matrix("B", 3, 2))
    (26, 3)
    >>> check_figure(mmcore.matrix("A", 30000, 30000))
    Traceback (most recent call last):
      ...
    mmcore.errors.MMError: figure too big: 900,000,000 elements (largest matrix A, 30000×30000); the limit is 20,000,000 elements per figure
"""

from __future__ import annotations

from typing import Any

from mmcore.errors import MMError

__all__ = ["MAX_ELEMENTS", "MAX_FACES", "figure_size", "check_figure", "check_scene"]

#: Elements of all faces of one figure together: room for the essay's attention layer at GPT-2-small size
#: (18,350,080 elements, which the renderer draws smoothly); the site's own figures hold at most about 1.2 million.
MAX_ELEMENTS = 20_000_000
#: Faces (matrices drawn) of one figure.
MAX_FACES = 2_000


def _walk(expr: Any):
    """Every distinct node of an expression tree once (iterative: a very deep chain cannot overflow)."""
    from mmcore.geometry.expr import MatMul

    seen: set[int] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, MatMul):
            stack.append(node.right)
            stack.append(node.left)


def figure_size(expr: Any) -> tuple[int, int]:
    """``(elements, faces)`` the figure of ``expr`` would draw: every leaf and every product once."""
    elements = faces = 0
    for node in _walk(expr):
        h, w = node.shape
        elements += int(h) * int(w)
        faces += 1
    return elements, faces


def _too_big(elements: int, faces: int, largest: tuple[int, str, tuple[int, int]]) -> None:
    _, name, (h, w) = largest
    if elements > MAX_ELEMENTS:
        raise MMError(f"figure too big: {elements:,} elements (largest matrix {name}, {h}×{w});"
                      f" the limit is {MAX_ELEMENTS:,} elements per figure")
    if faces > MAX_FACES:
        raise MMError(f"figure too big: {faces:,} matrices; the limit is {MAX_FACES:,} matrices per figure")


def check_figure(expr: Any) -> None:
    """Raise ``MMError`` naming the size and the limit when ``expr``'s figure would pass a limit."""
    elements = faces = 0
    largest = (0, "", (0, 0))
    for node in _walk(expr):
        h, w = node.shape
        n = int(h) * int(w)
        elements += n
        faces += 1
        if n > largest[0]:
            largest = (n, node.label() if hasattr(node, "label") else "?", (int(h), int(w)))
    _too_big(elements, faces, largest)


def check_scene(scene: Any) -> None:
    """The same rule for a scene already laid out (before its values are written out)."""
    elements = faces = 0
    largest = (0, "", (0, 0))
    for face in scene.faces:
        h, w = face.shape
        n = int(h) * int(w)
        elements += n
        faces += 1
        if n > largest[0]:
            largest = (n, str(getattr(face, "name", "?")), (int(h), int(w)))
    _too_big(elements, faces, largest)
