"""Every docstring example of the values-side modules runs."""

import doctest
import importlib

import pytest

MODULES = ["mmcore._inits", "mmcore._jsexpr", "mmcore._jsmath", "mmcore._epilogs", "mmcore.color",
           "mmcore._mmlink", "mmcore._mmdefaults"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
