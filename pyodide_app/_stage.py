"""Put the browser runtime inside the package before building the wheel (source checkout only).

The wheel of ``matmul-atlas`` carries everything a site needs, so a user with only ``pip install`` (no
node, no network at build time) gets working live cells: the JS bundles (``static/mm/``, from
``npm run build``) are already in place; this copies the assembled Pyodide index (from
``scripts/build_pyodide.py``, ~20 MB: core, numpy, the small mmcore wheel, the custom lock) into
``pyodide_app/static/pyodide/<version>/``. Both folders are git-ignored.

Usage (then ``python -m build`` and ``twine check dist/*``):
    python -m pyodide_app._stage
"""

from __future__ import annotations

import shutil
import sys

from pyodide_app._assets import PACKAGED_PYODIDE, missing_runtime, runtime_sources

__all__ = ["stage"]

WIDGET_FILES = ("widget.js", "widget-static.js")


def stage() -> list[str]:
    """Copy the Pyodide index into the package; returns what it staged. Raises ``FileNotFoundError``
    naming what is not built yet."""
    src = runtime_sources()
    missing = missing_runtime(src) + [f"{src.bundle_dir / f} (run `npm run build`)"
                                      for f in WIDGET_FILES if not (src.bundle_dir / f).is_file()]
    if missing:
        raise FileNotFoundError("cannot stage the runtime; missing:\n  " + "\n  ".join(missing))
    if src.pyodide_dir.resolve() != PACKAGED_PYODIDE.resolve():
        shutil.rmtree(PACKAGED_PYODIDE, ignore_errors=True)
        shutil.copytree(src.pyodide_dir, PACKAGED_PYODIDE, ignore=shutil.ignore_patterns(".stamp", "*.new-*"))
    return sorted(p.name for p in PACKAGED_PYODIDE.iterdir())


def main() -> int:
    try:
        files = stage()
    except FileNotFoundError as e:
        print(f"stage: {e}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in PACKAGED_PYODIDE.iterdir()) / 1e6
    print(f"stage: {len(files)} files ({size:.1f} MB) in {PACKAGED_PYODIDE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
