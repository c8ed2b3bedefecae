"""Read a chapter's live cells from its Markdown, as the site build sees them.

Example:
    >>> cells = page_cells(DOCS / "tutorial" / "lora.md")     # doctest: +SKIP
    >>> sorted(cells)[:2]                                        # doctest: +SKIP
    ['blog59', 'lora-add']
"""

from __future__ import annotations

import pathlib
import re

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"
#: an ``mm`` fence, possibly indented (inside an admonition or a list): indent, options, body
FENCE = re.compile(r"^( *)```mm([^\n]*)\n(.*?)^\1```", re.S | re.M)


def page_cells(page: pathlib.Path) -> dict[str, str]:
    """``{cell id: source}`` of every ``mm`` cell of a page, in page order, indentation removed."""
    cells: dict[str, str] = {}
    for m in FENCE.finditer(page.read_text(encoding="utf-8")):
        indent, options, body = m.groups()
        found = re.search(r'id="([^"]+)"', options)
        assert found, f"{page.name}: a cell without an id: {options!r}"
        assert found.group(1) not in cells, f"{page.name}: duplicate cell id {found.group(1)}"
        cells[found.group(1)] = "".join(line[len(indent):] for line in body.splitlines(keepends=True))
    return cells


def run_edited(page: pathlib.Path, cell_id: str, *edits: tuple[str, str]):
    """Run a page's cell as the build does, after ``(old, new)`` text edits (a reader's "Try it");
    returns ``(Scene, stdout)``. Each ``old`` must be in the cell, so a changed page fails loudly."""
    from mmcore.cell import run_cell
    from mmcore.scene import Scene

    source = page_cells(page)[cell_id]
    for old, new in edits:
        assert old in source, f"{cell_id}: {old!r} not in the cell"
        source = source.replace(old, new)
    result = run_cell(source, cell_id=cell_id)
    return Scene.from_bytes(result.scene), result.stdout
