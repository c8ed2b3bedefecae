"""MkDocs hook of Matmul Atlas: live ``mm`` cells and the browser runtime (contract: pyodide_app/README.md).

Listed in mkdocs.yml under ``hooks:``. It

* registers the ``mm`` custom fence of ``pymdownx.superfences`` (no ``!!python/name`` tag needed);
* renders each cell as static HTML and runs it at build time with ``mmcore.cell.run_cell``,
  writing ``<cell-id>.mmscene`` beside the page; a failing cell or an unknown option stops the
  build with a message naming the page, the cell and the problem;
* copies the JS bundles and the self-hosted Pyodide into ``site/assets/mm/`` after the build
  (skipped when the environment variable ``MM_RUNTIME_ASSETS=skip``, for hook unit tests);
* puts preload hints in the ``<head>`` of each page with cells (its scripts and first scene start with
  the HTML: ``pyodide_app/_preload.py``);
* writes ``site/.nojekyll`` (GitHub Pages serves a published branch as it is, without Jekyll).

Example (mkdocs.yml):
    hooks: [pyodide_app/hook.py]
    markdown_extensions: [pymdownx.superfences]

The ``matmul-atlas`` plugin (``pyodide_app/plugin.py``, what mkdocs.yml uses now) runs these same
functions with its options set through ``configure`` (prelude, default height, Pyodide URL).
"""

from __future__ import annotations

import os
import pathlib
import sys

_REPO = pathlib.Path(__file__).resolve().parent.parent


def _import_from_repo() -> None:
    """Let ``mmcore`` and ``pyodide_app`` import from this repository (MkDocs restores ``sys.path``
    after loading a hook, so this runs again in ``on_config``)."""
    if str(_REPO) not in sys.path:
        sys.path.insert(0, str(_REPO))


_import_from_repo()

from mkdocs.exceptions import PluginError  # noqa: E402

from pyodide_app._assets import copy_runtime, runtime_sources  # noqa: E402
from pyodide_app._cells import CellBuilder, accept_options  # noqa: E402
from pyodide_app._preload import PreloadHints  # noqa: E402
from pyodide_app._early_script import insert_early_script  # noqa: E402

_builder = CellBuilder()
_preload: PreloadHints | None = None   # the bundle's preload hints (read in on_config)
_DEFAULTS = {"prelude": "", "default_height": None, "pyodide_url": None}
_options: dict = dict(_DEFAULTS)   # set by configure() for the next build, then taken by on_config
_active: dict = dict(_DEFAULTS)    # the options of the build that runs now


def configure(*, prelude: str = "", default_height: int | None = None, pyodide_url: str | None = None) -> None:
    """Options of the next build only (the plugin's; the hook alone keeps the defaults)."""
    _options.update(prelude=prelude, default_height=default_height, pyodide_url=pyodide_url)


def on_config(config, **kwargs):
    """Register the ``mm`` fence (a fresh cell builder per build)."""
    global _builder, _active, _preload
    _import_from_repo()
    _active = dict(_options)
    _options.update(_DEFAULTS)
    _builder = CellBuilder(prelude=_active["prelude"], default_height=_active["default_height"])
    try:
        _preload = PreloadHints.from_bundle(runtime_sources().bundle_dir)
    except ValueError as e:
        raise PluginError(str(e)) from None
    if "pymdownx.superfences" not in config.markdown_extensions:
        raise PluginError("mkdocs.yml: the mm cells need `pymdownx.superfences` in markdown_extensions")
    superfences = config.mdx_configs.setdefault("pymdownx.superfences", {})
    fences = [f for f in superfences.get("custom_fences", []) if f.get("name") != "mm"]
    fences.append({"name": "mm", "class": "mm-cell", "format": _format, "validator": accept_options})
    superfences["custom_fences"] = fences
    return config


def _format(source, language, class_name, options, md, **kwargs):
    return _builder.format(source, language, class_name, options, md, **kwargs)


def on_page_markdown(markdown, page, config, files, **kwargs):
    """Remember the page whose cells are about to be rendered."""
    docs = pathlib.Path(config.docs_dir)
    root = pathlib.Path(config.config_file_path or docs).resolve().parent
    try:
        display = (docs.resolve() / page.file.src_uri).relative_to(root).as_posix()
    except ValueError:
        display = page.file.src_uri
    _builder.start_page(page.file.src_uri, display_path=display)
    return markdown


def on_page_content(html, page, config, files, **kwargs):
    """Write the page's prebuilt scenes beside its HTML."""
    page_dir = pathlib.Path(config.site_dir) / pathlib.PurePosixPath(page.file.dest_uri).parent
    _builder.finish_page(page_dir)
    return html


def on_post_page(output, page, config, **kwargs):
    """Start a cell page's scripts and first scene with its HTML (``<link>`` preload hints in ``<head>``:
    pyodide_app/_preload.py) and add the page's early script before Material's bundle (it holds the search index
    back while Python boots, and starts the playground link's worker: pyodide_app/_early_script.py); other pages
    are unchanged."""
    if _preload is None or "data-mm-cell" not in output:
        return output
    return insert_early_script(_preload.insert(output, page.url), page.url)


def on_post_build(config, **kwargs):
    """Write ``site/.nojekyll`` and copy the JS bundles and the self-hosted Pyodide into ``site/assets/mm/``."""
    # GitHub Pages publishing a branch (e.g. ghp-import's gh-pages) runs Jekyll over it unless this file
    # exists, and Jekyll would drop every file or folder whose name starts with "_".
    (pathlib.Path(config.site_dir) / ".nojekyll").write_bytes(b"")
    if os.environ.get("MM_RUNTIME_ASSETS") == "skip":
        return
    try:
        copy_runtime(runtime_sources(), pathlib.Path(config.site_dir), pyodide_url=_active["pyodide_url"])
    except FileNotFoundError as e:
        raise PluginError(str(e)) from None
