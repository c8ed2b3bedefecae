"""Runtime assets that the site serves beside the pages: the JS bundles and the self-hosted Pyodide.

Both are built outside MkDocs (``npm run build`` writes ``pyodide_app/static/mm/``;
``scripts/build_pyodide.py`` assembles the Pyodide index under ``.cache/``) and copied into
``site/assets/mm/`` after every build, so ``docs/`` and the ``mkdocs serve`` watcher stay small.

Example:
    >>> runtime_sources(REPO).bundle_dir.name, PYODIDE_VERSION
    ('mm', '0.27.7')
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import shutil

__all__ = ["PYODIDE_VERSION", "REPO", "RuntimeSources", "runtime_sources", "missing_runtime", "copy_runtime"]

PYODIDE_VERSION = "0.27.7"
REPO = pathlib.Path(__file__).resolve().parent.parent

_BUNDLE_FILES = ("app.js", "worker.js")
_PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")


@dataclasses.dataclass(frozen=True)
class RuntimeSources:
    """Where the built runtime is found before it is copied into the site."""

    bundle_dir: pathlib.Path   # esbuild output (app.js, worker.js, ...)
    pyodide_dir: pathlib.Path  # py-compiled Pyodide index with the custom lock listing mmcore


def runtime_sources(repo: pathlib.Path = REPO) -> RuntimeSources:
    """The default places, relative to the repository (``MM_PYODIDE_DIR`` overrides the Pyodide one)."""
    pyodide = os.environ.get("MM_PYODIDE_DIR") or repo / ".cache" / "pyodide" / "dist" / PYODIDE_VERSION
    return RuntimeSources(bundle_dir=repo / "pyodide_app" / "static" / "mm", pyodide_dir=pathlib.Path(pyodide))


def missing_runtime(src: RuntimeSources) -> list[str]:
    """Human-readable list of what is not built yet (empty when everything is there)."""
    missing = [f"{src.bundle_dir / f} (run `npm run build`)" for f in _BUNDLE_FILES if not (src.bundle_dir / f).is_file()]
    missing += [f"{src.pyodide_dir / f} (run `python scripts/build_pyodide.py`)"
                for f in _PYODIDE_FILES if not (src.pyodide_dir / f).is_file()]
    return missing


def copy_runtime(src: RuntimeSources, site_dir: pathlib.Path) -> pathlib.Path:
    """Copy bundles to ``site/assets/mm/`` and Pyodide to ``site/assets/mm/pyodide/<version>/``.

    Raises ``FileNotFoundError`` naming every missing piece and the command that makes it.
    """
    missing = missing_runtime(src)
    if missing:
        raise FileNotFoundError("the browser runtime is not built; missing:\n  " + "\n  ".join(missing)
                                + "\n(`make site` builds everything)")
    dest = site_dir / "assets" / "mm"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src.bundle_dir, dest, dirs_exist_ok=True)
    shutil.copytree(src.pyodide_dir, dest / "pyodide" / PYODIDE_VERSION, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".stamp"))
    return dest
