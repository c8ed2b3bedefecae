"""mm links: the essay's compressed and JSON links, round trips, casting, malformed links."""

from __future__ import annotations

import copy
import json
import math
from urllib.parse import quote

import pytest

from mmcore.mm.defaults import MM_DEFAULTS, default_types
from mmcore.mm.link import js_number_to_string, make_mm_link, parse_mm_link
from mmcore.errors import MMError

from ._reference import blog_cases, case_ids


@pytest.fixture(scope="module")
def cases() -> dict:
    return {c["id"]: c for c in blog_cases()}


def _node(params: dict, path: str) -> dict:
    for step in path:
        params = params["left" if step == "L" else "right"]
    return params


def _expected_from_case(case: dict) -> dict:
    """The case's params with the url leaves the oracle replaced by gaussian put back."""
    params = copy.deepcopy(case["params"])
    for sub in case.get("substitutions") or []:
        node = _node(params, sub["path"])
        node["init"], node["url"] = sub["from"], sub["url"]
    return params


def _compare(parsed: dict, expected: dict, path: str = "") -> list[str]:
    """Differences; keys that mm fills from its default leaf when loading are allowed missing."""
    leaf_defaults = set(MM_DEFAULTS["left"])
    out = []
    for k in expected.keys() | parsed.keys():
        where = path + k
        if k not in parsed:
            if not (k in leaf_defaults and "left" in expected):
                out.append(f"missing {where}")
        elif k not in expected:
            out.append(f"extra {where}")
        elif isinstance(expected[k], dict):
            out += _compare(parsed[k], expected[k], where + ".") if isinstance(parsed[k], dict) \
                else [f"{where} is not a group"]
        elif parsed[k] != expected[k] or type(parsed[k] is True) is not type(expected[k] is True) \
                or isinstance(parsed[k], bool) != isinstance(expected[k], bool):
            out.append(f"{where}: {parsed[k]!r} != {expected[k]!r}")
    return out


@pytest.mark.parametrize("cid", case_ids())
def test_essay_links_parse_to_the_case_params(cases, cid):
    case = cases[cid]
    parsed = parse_mm_link(case["original_link"])
    expected = _expected_from_case(case)
    # the oracle saved every case with compress:false; mm sets it true after a compressed link
    assert parsed.pop("compress") is (case["blog_link_format"] == "compressed")
    expected.pop("compress")
    assert _compare(parsed, expected) == []


def test_essay_has_compressed_links_with_typed_values(cases):
    compressed = [c for c in cases.values() if c["blog_link_format"] == "compressed"]
    assert len(compressed) >= 30
    p = parse_mm_link(next(c for c in compressed if c["id"] == "blog11")["original_link"])
    assert p["layout"]["gap"] == 5 and isinstance(p["layout"]["gap"], int)
    assert p["deco"]["shape"] is True and p["left"]["matmul"] is True
    assert p["viz"]["hue spread"] == 0.04 and p["left"]["left"]["url"] == ""
    assert p["cam"]["target"]["x"] == pytest.approx(-4.617417891034972)


@pytest.mark.parametrize("cid", case_ids())
def test_round_trip_of_every_case_both_forms(cases, cid):
    params = cases[cid]["params"]
    for compress in (None, False, True):
        link = make_mm_link(params, compress=compress)
        assert link.startswith("https://bhosmer.github.io/mm/index.html?")
        assert parse_mm_link(link) == params


def test_auto_compression_past_2048_characters():
    small = {"expr": "L @ R", "layout": {"gap": 4}}
    assert "?params=" in make_mm_link(small)
    big = {"expr": "L @ R", "notes": {f"n{i}": "x" * 40 for i in range(60)}}
    link = make_mm_link(big)
    assert "?params=" not in link and "&notes=" in link       # the dictionary names the group
    assert len(make_mm_link(big, compress=False).split("?", 1)[1]) > 2048
    assert parse_mm_link(link) == big
    assert "?params=" in make_mm_link(big, compress=False)


def test_accepted_forms():
    p = {"expr": "A @ B", "left": {"h": 3}}
    js = json.dumps(p)
    assert parse_mm_link("?params=" + quote(js)) == p
    assert parse_mm_link("params=" + quote(js)) == p
    assert parse_mm_link("http://localhost:8000/anything/mm.html?params=" + quote(js) + "#frag") == p
    assert parse_mm_link("?params=" + quote(js).replace("%20", "+")) == p    # '+' as space
    assert parse_mm_link(js) == p
    query = make_mm_link(p, compress=True).split("?", 1)[1]
    assert parse_mm_link(query) == parse_mm_link("?" + query) == p
    assert parse_mm_link("https://example.org/x/?" + query) == p


def test_compressed_casting_follows_mm_defaults():
    # expr (string), h (number), matmul (boolean), unknown key (string), nested compress (string)
    q = "0=1&1.2=7&1.3=true&1.4=1.5e3&1.5=yes&1.6=true&expr=0&left=1&h=2&matmul=3&min=4&mystery=5&compress=6"
    p = parse_mm_link(q)
    assert p == {"expr": "1", "left": {"h": 7, "matmul": True, "min": 1500.0, "mystery": "yes",
                                       "compress": "true"}}
    assert parse_mm_link("0=false&compress=0") == {"compress": False}
    assert parse_mm_link("0.1=&left=0&h=1") == {"left": {"h": 0}}   # JS Number('') is 0
    assert default_types()["gap"] is float and "compress" not in default_types()


def test_with_defaults_merges_like_mm():
    p = parse_mm_link("0.1=7&left=0&h=1", with_defaults=True)
    assert p["left"]["h"] == 7 and p["left"]["w"] == 32 and p["viz"]["sensitivity"] == "global"
    j = parse_mm_link("?params=" + quote('{"viz": {"min size": 0.5}}'), with_defaults=True)
    assert j["viz"] == {"min size": 0.5} and j["layout"]["gap"] == 4   # top-level replacement


def test_js_number_formatting():
    cases = {32: "32", 32.0: "32", 0.5: "0.5", -0.25: "-0.25", 1e-7: "1e-7", 1.5e-7: "1.5e-7",
             0.000001: "0.000001", 1e21: "1e+21", 123456789012345680000.0: "123456789012345680000",
             -48.763575165818956: "-48.763575165818956", math.inf: "Infinity", True: "true"}
    for value, text in cases.items():
        assert js_number_to_string(value) == text


@pytest.mark.parametrize("link, message", [
    ("?params=%7B%22expr%22%3A%22A%22%2C%7D", "mm link: params is not valid JSON at char 12"),
    ("?params=%5B1%2C2%5D", "mm link: params should be a JSON object, got list"),
    ("https://bhosmer.github.io/mm/index.html", "mm link: the address has no query"),
    ("?", "mm link: the query is empty"),
    ("?0.1=4&left=0", "compressed key '0.1' uses id 1, which the dictionary does not define"),
    ("?0=4&expr=zero", "dictionary entry expr='zero' should map a name to a number"),
    ("?left.h=4", "expected ?params=<JSON> or mm's compressed form"),
    ("?0.1=abc&left=0&h=1", "mm link: left.h should be a number, got 'abc'"),
    ("?0=1&0.1=3&left=0&h=1", "'left' is both a value and a group"),
    ("?config=https%3A%2F%2Fx.org%2Fp.json", "?config=<url> links point to a JSON file"),
])
def test_malformed_links(link, message):
    with pytest.raises(MMError) as e:
        parse_mm_link(link)
    assert message in str(e.value)


@pytest.mark.parametrize("params, message", [
    ({"a": None}, "'a' is NoneType"), ({"a": [1]}, "'a' is list"), ({"a": {}}, "'a' is an empty group"),
    ({"a.b": 1}, "key 'a.b' cannot be written"), ("x", "expected params as a dict, got str"),
])
def test_unwritable_params(params, message):
    with pytest.raises(MMError) as e:
        make_mm_link(params)
    assert message in str(e.value)
