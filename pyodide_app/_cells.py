"""Build-time cells: number them per page, run them in CPython, keep their scenes for the page's folder.

One ``CellBuilder`` lives for one MkDocs build. The hook tells it which page is being rendered
(``start_page``), superfences calls ``format`` for each ``mm`` fence, and ``finish_page`` writes
the prebuilt scenes (``<cell-id>.mmscene``) beside the page's HTML.

Example:
    >>> builder = CellBuilder()
    >>> builder.start_page("tutorial/demo.md", display_path="docs/tutorial/demo.md")
    >>> html = builder.format("print('hi')\\n", "mm", "mm-cell", {}, None)
    >>> 'data-mm-cell="demo-1"' in html, '>hi\\n</pre>' in html
    (True, True)
"""

from __future__ import annotations

import dataclasses
import pathlib

from mkdocs.exceptions import PluginError
from pymdownx.superfences import SuperFencesException

from pyodide_app._fence import CellView, FenceError, page_slug, parse_options, render_cell, scene_label

__all__ = ["CellBuildError", "CellBuilder", "accept_options"]


class CellBuildError(PluginError, SuperFencesException):
    """A cell that cannot be built; superfences lets it through and MkDocs stops the build with it."""


def accept_options(language, inputs, options, attrs, md) -> bool:
    """superfences validator: pass every header option on to ``format``, which checks them with the page known."""
    options.update(inputs)
    return True


class CellBuilder:
    """Per-build state of the ``mm`` cells (the page being rendered, its cell count and scenes).

    ``prelude``: code put before every cell's own code (shown in the cell too, so the reader's Run in
    the browser executes exactly what the build ran); ``default_height``: figure height in px of the
    cells without ``height=`` (None: the renderer's own aspect).
    """

    def __init__(self, *, prelude: str = "", default_height: int | None = None) -> None:
        self.prelude = prelude.strip("\n") + "\n" if prelude.strip() else ""
        self.default_height = default_height
        self.src_uri = "?"
        self.display_path = "?"
        self.count = 0
        self.ids: set[str] = set()
        self.scenes: dict[str, bytes] = {}
        self.cells_built = 0

    def start_page(self, src_uri: str, *, display_path: str) -> None:
        """Begin a page: ``display_path`` (e.g. ``docs/tutorial/x.md``) is what error messages name."""
        self.src_uri, self.display_path = src_uri, display_path
        self.count, self.ids, self.scenes = 0, set(), {}

    def format(self, source, language, class_name, options, md, **kwargs) -> str:
        """superfences formatter of the ``mm`` fence (superfences would swallow any other exception
        and print the fence as plain text, so every failure becomes a ``CellBuildError``)."""
        try:
            return self._format(source, options, kwargs.get("id_value"))
        except CellBuildError:
            raise
        except Exception as e:
            raise CellBuildError(f"{self.display_path}, cell {self.count}: the mm fence failed to build:"
                                 f" {type(e).__name__}: {e}") from e

    def _format(self, source: str, options: dict | None, id_value: str | None) -> str:
        self.count += 1
        where = f"{self.display_path}, cell {self.count}"
        raw = {str(k): str(v) for k, v in (options or {}).items()}
        if id_value and "id" not in raw:
            raw["id"] = id_value
        try:
            opts = parse_options(raw, where=where)
        except FenceError as e:
            raise CellBuildError(str(e)) from None
        if opts.height is None and self.default_height:
            opts = dataclasses.replace(opts, height=self.default_height)
        source = self.prelude + source
        cell_id = opts.cell_id or f"{page_slug(self.src_uri)}-{self.count}"
        if cell_id in self.ids:
            raise CellBuildError(f"{where}: cell id {cell_id!r} is used twice in this page (expected unique ids)")
        self.ids.add(cell_id)
        scene, stdout = self._run(source, cell_id, where) if opts.prebuild else (None, "")
        scene_file = None
        if scene is not None:
            scene_file = f"{cell_id}.mmscene"
            self.scenes[scene_file] = scene
        view = CellView(cell_id=cell_id, source=source, options=opts, scene_file=scene_file,
                        label=scene_label(scene), stdout=stdout)
        return render_cell(view)

    def _run(self, source: str, cell_id: str, where: str) -> tuple[bytes | None, str]:
        from mmcore.cell import format_cell_error
        from pyodide_app._timeout import run_cell_limited as run_cell  # a time limit per cell

        try:
            result = run_cell(source, cell_id=cell_id)
        except Exception as e:  # any failure of the cell stops the build, named
            err = format_cell_error(e)
            line = f" line {err.line}" if err.line else ""
            raise CellBuildError(f"{where} (id {cell_id!r}){line} raised {err.message}\n{err.traceback}") from e
        self.cells_built += 1
        return result.scene, result.stdout

    def finish_page(self, page_dir: pathlib.Path) -> list[pathlib.Path]:
        """Write this page's scenes into ``page_dir`` (the folder of its HTML); returns the files written."""
        written = []
        if self.scenes:
            page_dir.mkdir(parents=True, exist_ok=True)
        for name, data in sorted(self.scenes.items()):
            path = page_dir / name
            path.write_bytes(data)
            written.append(path)
        self.scenes = {}
        return written
