"""Runs the JavaScript unit tests of the pure cell modules (mm links, share links) with Node's test runner."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

HERE = pathlib.Path(__file__).resolve().parent


def test_cell_modules_with_node_test_runner():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make test installs it with npm ci)")
    tests = sorted(str(p) for p in (HERE / "js").glob("*.test.mjs"))
    assert tests, "no JS unit tests found"
    done = subprocess.run([node, "--test", *tests], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout, done.stdout[-2000:]
