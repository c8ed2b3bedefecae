"""Every docstring example in mmcore runs (each module found by walking the package), and the engine
benchmark's (scripts/engine_bench.py)."""

import doctest
import importlib
import pathlib
import pkgutil
import sys

import pytest

import mmcore

REPO = pathlib.Path(__file__).resolve().parents[2]
# mmcore.widget's examples need a Jupyter kernel (anywidget); its HTML fallback is tested in tests/notebook.
SKIP = {"mmcore.widget"}
MODULES = sorted({m.name for m in pkgutil.walk_packages(mmcore.__path__, "mmcore.")} - SKIP) + ["mmcore"]


def test_walk_finds_every_engine_subpackage():
    for name in ("mmcore.geometry.build", "mmcore.values.inits", "mmcore.mm.link", "mmcore.wire.codec",
                 "mmcore.io.sources", "mmcore.anim._state", "mmcore.models.stages"):
        assert name in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_engine_bench_examples(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "scripts"))
    module = importlib.import_module("engine_bench")
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
