"""Find the live cells of a built site by reading its HTML (no browser needed).

Example:
    >>> cells = site_cells(built_site)            # doctest: +SKIP
    >>> cells[0].url_path, cells[0].cell_id        # doctest: +SKIP
    ('tutorial/first-matmul/', 'first-matmul-1')
"""

from __future__ import annotations

import dataclasses
import html.parser
import json
import pathlib

__all__ = ["SiteCell", "site_cells", "page_cells"]


@dataclasses.dataclass(frozen=True)
class SiteCell:
    """One `[data-mm-cell]` of a built page."""

    url_path: str          # page URL relative to the site root, e.g. "tutorial/first-matmul/" ("" for home)
    cell_id: str
    source: str            # the original code (from the data-mm-source script)
    scene: str | None      # data-scene, relative to the page
    autorun: str

    def scene_file(self, site: pathlib.Path) -> pathlib.Path | None:
        return site / self.url_path / self.scene if self.scene else None


class _CellParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[dict] = []
        self._in_source = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-mm-cell" in a:
            self.cells.append({"id": a["data-mm-cell"], "scene": a.get("data-scene") or None,
                               "autorun": a.get("data-autorun", "false"), "source": None})
        elif tag == "script" and "data-mm-source" in a and self.cells:
            self._in_source, self._text = True, []

    def handle_data(self, data):
        if self._in_source:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_source:
            self._in_source = False
            if self.cells[-1]["source"] is None:
                self.cells[-1]["source"] = json.loads("".join(self._text))


def page_cells(site: pathlib.Path, page: pathlib.Path) -> list[SiteCell]:
    """The cells of one built page file (an index.html under site)."""
    parser = _CellParser()
    parser.feed(page.read_text(encoding="utf-8"))
    rel = page.parent.relative_to(site).as_posix()
    url_path = "" if rel == "." else rel + "/"
    return [SiteCell(url_path, c["id"], c["source"] or "", c["scene"], c["autorun"]) for c in parser.cells]


def site_cells(site: pathlib.Path) -> list[SiteCell]:
    """Every cell of every page of the site, pages in path order."""
    out: list[SiteCell] = []
    for page in sorted(site.rglob("index.html")):
        if "assets" in page.relative_to(site).parts:
            continue
        out.extend(page_cells(site, page))
    return out
