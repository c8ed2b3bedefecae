"""The ``matmul-atlas`` MkDocs plugin: live ``mm`` cells in any MkDocs site.

Installed with this package (entry point ``mkdocs.plugins``: ``matmul-atlas``). It wraps the hook's
machinery (``pyodide_app/hook.py``: the ``mm`` fence of ``pymdownx.superfences``, build-time scenes
beside each page, the JS bundles and the self-hosted Pyodide copied into ``site/assets/mm/``).

Example (mkdocs.yml):
    theme: {name: material}
    plugins:
      - search
      - matmul-atlas:
          height: 420                       # figure height (px) of cells without height=
          prelude: "rng = np.random.default_rng(0)"   # code before every cell (shown in the cell)
          pyodide: bundled                  # or the URL of a Pyodide 0.27.7 index, e.g. a CDN
          link_cases: ""                    # optional JSON list of {id, url}: more mm links per cell id
    markdown_extensions: [pymdownx.superfences]
    extra_javascript: [{path: assets/mm/app.js, type: module}]     # the plugin adds these two itself
    extra_css: [assets/mm/mm.css]                                   # when they are missing
"""

from __future__ import annotations

import json
import logging
import os
import pathlib

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from pyodide_app import hook
from pyodide_app._assets import PYODIDE_VERSION
from pyodide_app._links import LinkIndex

__all__ = ["MatmulAtlasConfig", "MatmulAtlasPlugin"]

APP_JS = "assets/mm/app.js"
APP_CSS = "assets/mm/mm.css"
log = logging.getLogger("mkdocs.plugins.matmul_atlas")


class MatmulAtlasConfig(Config):
    """Options under ``plugins: - matmul-atlas:``."""

    #: "bundled" (the self-hosted copy shipped in this package, ~19 MB in the built site) or the URL of
    #: a Pyodide index of the same version (the site then gets only a loader shim and the mmcore wheel)
    pyodide = c.Type(str, default="bundled")
    #: default figure height in CSS pixels (120..2000) for cells without ``height=``; unset: the renderer's aspect
    height = c.Optional(c.Type(int))
    #: Python code put before every cell's code (at build time and in the reader's editor)
    prelude = c.Type(str, default="")
    #: copy the runtime (JS bundles, Pyodide) into the site; off only for unit tests of the HTML
    runtime_assets = c.Type(bool, default=True)
    #: a JSON file (relative to mkdocs.yml) listing ``{"id": cell id, "url": mm link}``: links that also open
    #: that cell's prebuilt figure in the playground when they compute the same scene (checked at build time)
    link_cases = c.Type(str, default="")


class MatmulAtlasPlugin(BasePlugin[MatmulAtlasConfig]):
    """The hook's functions as a plugin, with options."""

    def on_config(self, config, **kwargs):
        url = self.config.pyodide.strip()
        if url != "bundled" and not url.startswith(("http://", "https://", "/", "./", "../")):
            raise PluginError(f"matmul-atlas: pyodide={url!r} (expected 'bundled' or the URL of a "
                              f"Pyodide {PYODIDE_VERSION} index)")
        height = self.config.height
        if height is not None and not 120 <= height <= 2000:
            raise PluginError(f"matmul-atlas: height={height} (expected figure height in px, 120 to 2000)")
        if self.config.prelude.strip():
            try:
                compile(self.config.prelude, "<matmul-atlas prelude>", "exec")
            except SyntaxError as e:
                raise PluginError(f"matmul-atlas: the prelude is not valid Python: {e}") from None
        hook.configure(prelude=self.config.prelude, default_height=height,
                       pyodide_url=None if url == "bundled" else url)
        self._links = LinkIndex(self._link_cases(config))
        self._add_assets(config)
        return hook.on_config(config, **kwargs)

    @staticmethod
    def _add_assets(config) -> None:
        """The page bundle and the cell styles, unless mkdocs.yml lists them already."""
        scripts = [str(getattr(s, "path", s)) for s in config.extra_javascript]
        if APP_JS not in scripts:
            from mkdocs.config.config_options import ExtraScriptValue

            script = ExtraScriptValue(APP_JS)
            script.type = "module"
            config.extra_javascript.append(script)
        if APP_CSS not in [str(s) for s in config.extra_css]:
            config.extra_css.append(APP_CSS)

    def on_page_markdown(self, markdown, page, config, files, **kwargs):
        return hook.on_page_markdown(markdown, page=page, config=config, files=files, **kwargs)

    def _link_cases(self, config) -> dict[str, list[str]]:
        """``link_cases``'s links by cell id (none when the option is empty)."""
        if not self.config.link_cases.strip():
            return {}
        path = pathlib.Path(config.config_file_path or ".").resolve().parent / self.config.link_cases
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            cases: dict[str, list[str]] = {}
            for row in rows:
                cases.setdefault(str(row["id"]), []).append(str(row["url"]))
            return cases
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise PluginError(f"matmul-atlas: link_cases={self.config.link_cases!r}: expected a JSON list of "
                              f"{{\"id\": cell id, \"url\": mm link}} objects ({type(e).__name__}: {e})") from None

    def on_page_content(self, html, page, config, files, **kwargs):
        scenes = dict(hook._builder.scenes)   # the page's prebuilt scenes, before the hook writes them
        out = hook.on_page_content(html, page=page, config=config, files=files, **kwargs)
        folder = pathlib.PurePosixPath(page.file.dest_uri).parent.as_posix()
        self._links.add_page("" if folder == "." else folder, scenes)
        return out

    def on_post_page(self, output, page, config, **kwargs):
        return hook.on_post_page(output, page=page, config=config, **kwargs)

    def on_post_build(self, config, **kwargs):
        if self.config.runtime_assets:
            out = hook.on_post_build(config, **kwargs)
            index = self._links.write(pathlib.Path(config.site_dir))
            log.info("matmul-atlas: %s: %d mm links open a prebuilt figure (%d bytes; %d checked in %.1f s, "
                     "%d left out)", index.name, len(self._links.entries), index.stat().st_size,
                     self._links.checked, self._links.seconds, len(self._links.rejected))
            return out
        old = os.environ.get("MM_RUNTIME_ASSETS")
        os.environ["MM_RUNTIME_ASSETS"] = "skip"      # the hook's switch for "no runtime copy"
        try:
            return hook.on_post_build(config, **kwargs)
        finally:
            if old is None:
                os.environ.pop("MM_RUNTIME_ASSETS", None)
            else:
                os.environ["MM_RUNTIME_ASSETS"] = old
