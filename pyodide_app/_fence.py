"""The ``mm`` fence: its options and the static HTML of one live cell (pyodide_app/README.md).

Pure functions over frozen records; nothing here knows MkDocs. The HTML is readable with
JavaScript off (pygments-highlighted code) and carries everything the browser runtime needs.

Example:
    >>> opts = parse_options({"id": "intro", "height": "360"}, where="index.md, cell 1")
    >>> opts.cell_id, opts.height, opts.prebuild
    ('intro', 360, True)
    >>> html = render_cell(CellView(cell_id="intro", source="A @ B\\n", options=opts,
    ...                             scene_file="intro.mmscene", label="3D figure: A @ B", stdout=""))
    >>> 'data-mm-cell="intro"' in html and 'data-scene="intro.mmscene"' in html
    True
"""

from __future__ import annotations

import dataclasses
import html
import json
import re

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

__all__ = ["FENCE_OPTIONS", "FenceOptions", "FenceError", "CellView", "parse_options", "page_slug",
           "render_cell", "scene_label"]

#: every option the fence header accepts, with what it means (anything else fails the build)
FENCE_OPTIONS = {
    "id": "cell id, unique in the page: letters, digits, '-' and '_'",
    "height": "figure height in CSS pixels, an integer from 120 to 2000",
    "run": "'true' (default: the figure is built with the site) or 'false' (it appears after Run)",
    "autorun": "'false' (default) or 'mm-link' (the playground: run the link's figure when the URL has one)",
}

_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_AUTORUN = ("false", "mm-link")


class FenceError(ValueError):
    """A bad ``mm`` fence; the message names the page and the cell."""


@dataclasses.dataclass(frozen=True)
class FenceOptions:
    """The validated options of one fence."""

    cell_id: str | None = None
    height: int | None = None
    prebuild: bool = True
    autorun: str = "false"


@dataclasses.dataclass(frozen=True)
class CellView:
    """Everything the static HTML of one cell shows."""

    cell_id: str
    source: str
    options: FenceOptions
    scene_file: str | None  # relative to the page URL; None: nothing prebuilt
    label: str              # text alternative of the figure
    stdout: str             # output captured at build time


def parse_options(raw: dict[str, str], *, where: str) -> FenceOptions:
    """Validate the fence header options; ``where`` ("page.md, cell 2") prefixes every error."""
    unknown = sorted(set(raw) - set(FENCE_OPTIONS))
    if unknown:
        known = ", ".join(f"{k}=" for k in FENCE_OPTIONS)
        raise FenceError(f"{where}: unknown mm fence option {unknown[0]!r} (expected one of: {known})")
    cell_id = raw.get("id")
    if cell_id is not None and not _ID_RE.match(cell_id):
        raise FenceError(f"{where}: id={cell_id!r} is not a valid cell id (expected {FENCE_OPTIONS['id']},"
                         " starting with a letter)")
    height = raw.get("height")
    if height is not None:
        if not re.fullmatch(r"\d{1,5}", height) or not 120 <= int(height) <= 2000:
            raise FenceError(f"{where}: height={height!r} (expected {FENCE_OPTIONS['height']})")
        height = int(height)
    run = raw.get("run", "true")
    if run not in ("true", "false"):
        raise FenceError(f"{where}: run={run!r} (expected {FENCE_OPTIONS['run']})")
    autorun = raw.get("autorun", "false")
    if autorun not in _AUTORUN:
        raise FenceError(f"{where}: autorun={autorun!r} (expected {FENCE_OPTIONS['autorun']})")
    return FenceOptions(cell_id=cell_id, height=height, prebuild=run == "true", autorun=autorun)


def page_slug(src_uri: str) -> str:
    """The page part of default cell ids: ``tutorial/first-matmul.md`` -> ``first-matmul``;
    ``playground/index.md`` -> ``playground``; ``index.md`` -> ``home``."""
    parts = [p for p in re.split(r"[\\/]", src_uri) if p]
    stem = re.sub(r"\.[^.]*$", "", parts[-1]) if parts else "home"
    if stem in ("index", "README"):
        stem = parts[-2] if len(parts) > 1 else "home"
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-").lower() or "page"
    return slug if slug[0].isalpha() else f"p{slug}"


def scene_label(scene: bytes | None) -> str:
    """Text alternative of a prebuilt figure, from the scene header: title and the root's shapes.

    Example:
        >>> scene_label(None)
        '3D figure: appears after Run'
    """
    if not scene:
        return "3D figure: appears after Run"
    try:
        n = int.from_bytes(scene[8:12], "little")
        header = json.loads(scene[12:12 + n].decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return "3D figure"
    title = str(header.get("title") or "matrices")
    root = next((node for node in header.get("nodes", []) if node.get("path") == ""), None)
    if root and len(root.get("shape", [])) == 3:
        i, k, j = root["shape"]
        return f"3D figure: {title} ({i}×{k} by {k}×{j})"
    return f"3D figure: {title}"


def _highlighted(source: str) -> str:
    code = highlight(source, PythonLexer(), HtmlFormatter(nowrap=True))
    return f'<div class="highlight"><pre><span></span><code>{code}</code></pre></div>'


def _json_script_text(source: str) -> str:
    """``source`` as a JSON string that is safe inside ``<script>`` (no ``<``, ``>`` or ``&``)."""
    text = json.dumps(source, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_cell(view: CellView) -> str:
    """The cell's static HTML, exactly the structure of pyodide_app/README.md."""
    a = html.escape
    height = view.options.height
    root_attrs = f'data-mm-cell="{a(view.cell_id)}" data-state="idle"'
    if view.scene_file:
        root_attrs += f' data-scene="{a(view.scene_file)}"'
    elif view.options.prebuild:          # it ran at build time and drew nothing: no empty frame until it does
        root_attrs += ' data-figure="none"'
    root_attrs += f' data-autorun="{a(view.options.autorun)}"'
    if height:
        root_attrs += f' data-height="{height}"'
    fig_style = f' style="height: {height}px"' if height else ""
    out_hidden = "" if view.stdout else " hidden"
    return (
        f'<div class="mm-cell" {root_attrs}>\n'
        '<div class="mm-cell__toolbar" role="toolbar" aria-label="Cell controls">\n'
        '<button type="button" data-action="run">Run</button>\n'
        '<button type="button" data-action="stop" disabled>Stop</button>\n'
        '<button type="button" data-action="reset">Reset</button>\n'
        '<button type="button" data-action="share">Share</button>\n'
        '<span class="mm-cell__status" data-mm-status aria-live="polite"></span>\n'
        '</div>\n'
        f'<div class="mm-cell__code" data-mm-code>{_highlighted(view.source)}</div>\n'
        f'<script type="application/json" data-mm-source>{_json_script_text(view.source)}</script>\n'
        f'<div class="mm-cell__figure" data-mm-figure role="img" aria-label="{a(view.label)}"{fig_style}></div>\n'
        f'<pre class="mm-cell__output" data-mm-output{out_hidden}>{a(view.stdout)}</pre>\n'
        '</div>'
    )
