"""The Python API page (docs/reference/api.md) is generated from mmcore's docstrings by mkdocstrings."""

import html
import re

import mmcore

PAGE = "reference/api/index.html"
# mmcore.__all__ minus the version string and the `scene` module (its classes are documented one by one).
DOCUMENTED = sorted(set(mmcore.__all__) - {"__version__", "scene"})


def _page(built_site):
    return (built_site / PAGE).read_text(encoding="utf-8")


def test_every_public_name_has_a_section_with_its_docstring(built_site):
    text = _page(built_site)
    for name in DOCUMENTED:
        assert f'id="mmcore.{name}"' in text, f"no section for mmcore.{name}"
        first_line = (getattr(mmcore, name).__doc__ or "").strip().splitlines()[0]
        words = re.sub(r"``?|:\w+:", "", first_line).split()[:4]
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))
        assert " ".join(words) in " ".join(plain.split()), f"mmcore.{name}: {' '.join(words)!r} not on the page"


def test_examples_render_as_code_not_quotes(built_site):
    text = _page(built_site)
    assert "<blockquote" not in text, "a '>>>' example rendered as a quote (use an 'Examples:' section)"
    code = re.findall(r"<code>(.*?)</code>", text, flags=re.S)
    assert sum("&gt;&gt;&gt;" in c for c in code) >= 5


def test_private_engine_modules_stay_off_the_page(built_site):
    text = _page(built_site)
    for private in ("mmcore.geometry.", "mmcore.values.", "mmcore.wire.", "mmcore.mm."):
        assert f'id="{private}' not in text


def test_page_is_in_the_nav_and_its_example_cell_is_prebuilt(built_site):
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'href="reference/api/"' in home and "Python API" in home
    assert (built_site / "reference" / "api" / "api-example.mmscene").is_file()
