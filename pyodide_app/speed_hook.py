"""MkDocs hook: fill the "How fast is it" page from ``benchmarks/results.json`` (see ``_speed.py``).

Example (mkdocs.yml):
    hooks: [pyodide_app/hook.py, pyodide_app/speed_hook.py]
"""

from __future__ import annotations

import pathlib
import sys

_REPO = pathlib.Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from pyodide_app._speed import expand  # noqa: E402

RESULTS = _REPO / "benchmarks" / "results.json"


def on_page_markdown(markdown, page, config, files, **kwargs):
    """Replace ``<!-- mm:bench-results -->`` with the measured tables."""
    return expand(markdown, RESULTS)
