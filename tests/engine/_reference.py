"""Locate the shared reference material beside the clone (``<repo>/../shared/reference``)."""

import json
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference"
CASES_FILE = REFERENCE / "mm_blog_cases.json"


def blog_cases() -> list[dict]:
    """The essay's configurations, or a skip when the reference is absent."""
    if not CASES_FILE.exists():
        pytest.skip(f"reference cases absent: expected {CASES_FILE.relative_to(REPO.parent)} beside the clone")
    return json.loads(CASES_FILE.read_text())


def case_ids() -> list[str]:
    if not CASES_FILE.exists():
        return ["absent"]
    return [c["id"] for c in json.loads(CASES_FILE.read_text())]
