"""Fixtures shared by every test folder.

``built_site`` (session): the path of the complete built site (``site/``: pages, prebuilt scenes,
JS bundles, self-hosted Pyodide). ``make test`` builds it just before pytest and sets
``MM_SITE_BUILT=1``, so it is used as it is; otherwise it is reused when ``site/`` is newer than
every input (docs, mmcore, pyodide_app, mkdocs.yml, build scripts) and rebuilt with
``scripts/build_site.sh`` when not. ``MM_SITE_DIR=/some/site`` points the tests at another build.

Example:
    def test_home_page_exists(built_site):
        assert (built_site / "index.html").is_file()
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # mmcore and pyodide_app import from the work tree
    sys.path.insert(0, str(REPO))

SITE = REPO / "site"
SITE_STAMP = REPO / ".cache" / "stamps" / "site"
SITE_INPUTS = ("benchmarks", "pyodide_app/plugin.py", "pyodide_app/speed_hook.py", "docs", "mmcore", "pyodide_app/js", "pyodide_app/css", "pyodide_app/hook.py", "mkdocs.yml",
               "pyproject.toml", "scripts/build_site.sh", "scripts/build_pyodide.py", "scripts/build_js.mjs")


def _newest_input_mtime() -> float:
    newest = 0.0
    for name in SITE_INPUTS:
        root = REPO / name
        paths = [root] if root.is_file() else root.rglob("*") if root.is_dir() else []
        for p in paths:
            if p.is_file() and "__pycache__" not in p.parts:
                newest = max(newest, p.stat().st_mtime)
    for p in (REPO / "pyodide_app").glob("_*.py"):
        newest = max(newest, p.stat().st_mtime)
    return newest


def site_is_current() -> bool:
    """True when ``site/`` was built (stamp written by build_site.sh) after the last change of its inputs."""
    return (SITE / "index.html").is_file() and SITE_STAMP.is_file() \
        and SITE_STAMP.stat().st_mtime >= _newest_input_mtime()


@pytest.fixture(scope="session")
def built_site() -> pathlib.Path:
    """The built static site (a ``pathlib.Path``), built once per session when needed."""
    if os.environ.get("MM_SITE_DIR"):
        return pathlib.Path(os.environ["MM_SITE_DIR"]).resolve()
    if os.environ.get("MM_SITE_BUILT") != "1" and not site_is_current():
        done = subprocess.run(["bash", str(REPO / "scripts" / "build_site.sh")], cwd=REPO,
                              capture_output=True, text=True)
        if done.returncode:
            pytest.fail(f"building the site failed (scripts/build_site.sh):\n{done.stdout}\n{done.stderr}")
    if not (SITE / "index.html").is_file():
        pytest.fail("site/index.html is missing: run `make site`")
    return SITE
