"""The examples in the docstrings of the build modules run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pyodide_app


MODULES = ["mmcore.cell"] + sorted(f"pyodide_app.{m.name}" for m in pkgutil.iter_modules(pyodide_app.__path__))


WITH_EXAMPLES = {"mmcore.cell", "pyodide_app._fence", "pyodide_app._cells", "pyodide_app._assets", "pyodide_app._speed"}


def test_every_build_module_is_checked():
    assert {"pyodide_app._fence", "pyodide_app._cells", "pyodide_app._assets", "pyodide_app._speed"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if module in WITH_EXAMPLES:
        assert result.attempted > 0
