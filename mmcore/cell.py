"""Run one cell of a page: the single code path shared by the site build (CPython) and the browser (Pyodide).

A cell is a small Python program. It runs in a fresh namespace where ``mmcore``, ``np`` (numpy) and
``show`` are already imported. Its figure is the value of its last expression statement when that is an
mmcore expression or scene, otherwise the argument of its last ``show(...)`` call. The figure is laid out
with ``mmcore.layout`` and returned as scene bytes (wire format v1, docs/reference/scene-format.md).

Examples:
    >>> from mmcore.cell import run_cell
    >>> result = run_cell("x = 6 * 7\\nprint('x is', x)", cell_id="demo-1")
    >>> result.scene is None, result.stdout
    (True, 'x is 42\\n')
    >>> run_cell("1 / 0", cell_id="demo-2")
    Traceback (most recent call last):
      ...
    ZeroDivisionError: division by zero

Exceptions propagate unchanged; their tracebacks name the file ``<cell CELL_ID>`` so a reader sees
which cell failed. ``format_cell_error`` turns one into the message, the traceback trimmed to the
cell's own frames, and the cell line number, which is what the browser worker shows.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import io
import linecache
import traceback
from typing import Any, Callable, NamedTuple

__all__ = ["CellResult", "CellError", "run_cell", "show", "format_cell_error", "cell_filename"]

# The figure collector of the cell that is running now (None outside run_cell).
_active_figures: list | None = None


@dataclasses.dataclass(frozen=True)
class CellResult:
    """What a cell produced: its scene bytes (``None`` when it shows nothing) and its captured stdout."""

    scene: bytes | None
    stdout: str


class CellError(NamedTuple):
    """A failed cell, ready for display: ``message`` ("ZeroDivisionError: division by zero"),
    ``traceback`` (only the cell's own frames, then the message) and the cell ``line`` (1-based or None).
    A named tuple, so ``message, tb, line = format_cell_error(exc)`` works too."""

    message: str
    traceback: str
    line: int | None


def cell_filename(cell_id: str) -> str:
    """The file name a cell's code runs under: ``cell_filename("intro-1") == "<cell intro-1>"``."""
    return f"<cell {cell_id}>"


def _is_scene(value: Any) -> bool:
    from mmcore.scene import Scene

    return isinstance(value, Scene)


def _is_expr(value: Any) -> bool:
    from mmcore.geometry.expr import Expr

    return isinstance(value, Expr)


def _is_figure(value: Any) -> bool:
    return _is_expr(value) or _is_scene(value)


def show(x: Any) -> Any:
    """Make ``x`` (an mmcore expression or scene) the figure of the running cell; returns ``x``.

    Outside a cell it only checks ``x``.

    Examples:
        >>> import mmcore
        >>> A = mmcore.matrix("A", 4, 3, init="rows")
        >>> show(A @ mmcore.matrix("B", 3, 2, init="cols")).shape
        (4, 2)
    """
    if not _is_figure(x):
        from mmcore.errors import MMError

        raise MMError(f"show() expects an mmcore expression or scene, got {type(x).__name__}: {x!r:.80}")
    if _active_figures is not None:
        _active_figures.append(x)
    return x


def _scene_bytes(figure: Any) -> bytes:
    if _is_scene(figure):
        from mmcore.geometry.limits import check_scene

        check_scene(figure)          # the figure's size limit (mmcore.layout checks an expression)
        link = _mm_link(*figure.source) if figure.source is not None else None
        if link is None:
            return bytes(figure.to_bytes())
        from mmcore.wire.codec import scene_to_bytes

        return scene_to_bytes(figure, {"mm_link": link})
    import mmcore

    from mmcore.wire.codec import scene_to_bytes

    scene = mmcore.layout(figure)
    link = _mm_link(figure)          # appended to the header as with_header_key would, with no copy of the arrays
    return scene_to_bytes(scene, {"mm_link": link} if link else None)


def _mm_link(expr: Any, options: dict | None = None) -> str | None:
    """mm's link for an expression laid out with ``options`` (``mmcore.to_mm``), or None when mm cannot
    show it."""
    import mmcore

    try:
        link = mmcore.to_mm(expr, **(options or {}))
    except Exception:  # noqa: BLE001 - any failure only means "no link"
        return None
    return link if isinstance(link, str) and link else None


def with_header_key(blob: bytes, key: str, value: Any) -> bytes:
    """The scene blob with ``key: value`` added to its JSON header (the arrays are untouched).

    >>> import mmcore
    >>> b = with_header_key(mmcore.layout(mmcore.matrix("A", 2, 2) @ mmcore.matrix("B", 2, 2)).to_bytes(), "k", "v")
    >>> from mmcore.wire.codec import read_header; read_header(b)["k"]
    'v'
    """
    import json
    import struct

    from mmcore.wire.codec import read_header

    header = read_header(blob)
    data = memoryview(blob)[header.pop("_data_start"):]
    header[key] = value
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    version = struct.unpack("<I", bytes(blob[4:8]))[0]
    head = bytes(blob[:4]) + struct.pack("<II", version, len(text)) + text
    head += b"\0" * ((-len(head)) % 8)
    return head + bytes(data)


class _Tee(io.StringIO):
    """A stdout that keeps everything and also passes each write to ``echo``."""

    def __init__(self, echo: Callable[[str], None] | None):
        super().__init__()
        self._echo = echo

    def write(self, text: str) -> int:
        if self._echo is not None and text:
            self._echo(text)
        return super().write(text)


def _compile(source: str, filename: str) -> tuple[Any, Any]:
    """Compile ``source`` as (body code, last-expression code or None)."""
    tree = ast.parse(source, filename=filename, mode="exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, filename, "exec")
    return body, (compile(last, filename, "eval") if last is not None else None)


def run_cell(source: str, *, cell_id: str = "cell", echo: Callable[[str], None] | None = None) -> CellResult:
    """Run ``source`` in a fresh namespace and return its scene bytes and stdout.

    ``echo`` (optional) receives stdout text as it is written (the browser worker streams it).
    A last expression whose value is neither a figure nor ``None`` is printed, as in a notebook.
    """
    global _active_figures
    import numpy as np

    import mmcore

    filename = cell_filename(cell_id)
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    namespace: dict[str, Any] = {"__name__": "__main__", "mmcore": mmcore, "np": np, "show": show}
    out = _Tee(echo)
    figures: list = []
    previous, _active_figures = _active_figures, figures
    try:
        with contextlib.redirect_stdout(out):
            body, last = _compile(source, filename)
            exec(body, namespace)
            if last is not None:
                value = eval(last, namespace)
                if _is_figure(value):
                    figures.append(value)
                elif value is not None:
                    print(repr(value))
        scene = _scene_bytes(figures[-1]) if figures else None
    finally:
        _active_figures = previous
    return CellResult(scene=scene, stdout=out.getvalue())


def format_cell_error(exc: BaseException) -> CellError:
    """Describe ``exc`` raised by ``run_cell`` for a reader: message, trimmed traceback, cell line.

    Examples:
        >>> try:
        ...     run_cell("a = 'x'\\nint(a)", cell_id="c")
        ... except ValueError as e:
        ...     err = format_cell_error(e)
        >>> err.message, err.line
        ("ValueError: invalid literal for int() with base 10: 'x'", 2)
        >>> print(err.traceback)
        Traceback (most recent call last):
          File "<cell c>", line 2, in <module>
            int(a)
        ValueError: invalid literal for int() with base 10: 'x'
    """
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<cell ")]
    line = frames[-1].lineno if frames else None
    if isinstance(exc, SyntaxError) and (exc.filename or "").startswith("<cell "):
        line = exc.lineno
    parts = []
    if frames:
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(frames))
    parts.extend(traceback.format_exception_only(type(exc), exc))
    return CellError(message=message, traceback="".join(parts).rstrip("\n"), line=line)
