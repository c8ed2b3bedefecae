"""Fence options: the accepted set, their checks, and the messages that name page, cell and option."""

from __future__ import annotations

import pytest

from pyodide_app._fence import FENCE_OPTIONS, FenceError, FenceOptions, page_slug, parse_options

WHERE = "docs/tutorial/x.md, cell 2"


def test_defaults():
    assert parse_options({}, where=WHERE) == FenceOptions(cell_id=None, height=None, prebuild=True, autorun="false")


def test_all_options():
    opts = parse_options({"id": "my-cell_2", "height": "480", "run": "false", "autorun": "mm-link"}, where=WHERE)
    assert opts == FenceOptions(cell_id="my-cell_2", height=480, prebuild=False, autorun="mm-link")


def test_unknown_option_names_page_cell_option_and_the_known_ones():
    with pytest.raises(FenceError) as e:
        parse_options({"heigth": "300"}, where=WHERE)
    msg = str(e.value)
    assert msg.startswith("docs/tutorial/x.md, cell 2: unknown mm fence option 'heigth'")
    for known in FENCE_OPTIONS:
        assert f"{known}=" in msg


@pytest.mark.parametrize("raw, fragment", [
    ({"id": "1abc"}, "id='1abc'"),
    ({"id": "has space"}, "id='has space'"),
    ({"height": "tall"}, "height='tall'"),
    ({"height": "50"}, "height='50'"),
    ({"height": "99999"}, "height='99999'"),
    ({"run": "no"}, "run='no'"),
    ({"autorun": "true"}, "autorun='true'"),
])
def test_bad_values_say_what_was_expected(raw, fragment):
    with pytest.raises(FenceError) as e:
        parse_options(raw, where=WHERE)
    assert str(e.value).startswith(WHERE) and fragment in str(e.value) and "expected" in str(e.value)


@pytest.mark.parametrize("src, slug", [
    ("index.md", "home"), ("tutorial/first-matmul.md", "first-matmul"), ("playground/index.md", "playground"),
    ("a/B c.md", "b-c"), ("2024/notes.md", "notes"), ("9lives.md", "p9lives"),
])
def test_page_slug(src, slug):
    assert page_slug(src) == slug
