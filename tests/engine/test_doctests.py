"""Every docstring example of the geometry-side modules runs."""

import doctest
import importlib

import pytest

MODULES = ["mmcore", "mmcore._evaluation", "mmcore._bench", "mmcore._decor", "mmcore._mmapi", "mmcore._params", "mmcore._blocks", "mmcore._expr", "mmcore._layout", "mmcore._schemes", "mmcore._wire", "mmcore._compact",
           "mmcore._outline", "mmcore.scene", "mmcore._build", "mmcore._values", "mmcore._options"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
