"""Every docstring example of mmcore.models runs."""

import doctest
import importlib

import pytest

MODULES = ["mmcore.models", "mmcore.models._gpt", "mmcore.models._forward", "mmcore.models._backward",
           "mmcore.models._optim", "mmcore.models._sorting", "mmcore.models._train", "mmcore.models._weights",
           "mmcore.models._head"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
