"""The playground's index of prebuilt figures by mm link (pyodide_app/_links.py): what makes two links the
same, which links enter (only those whose playground program gives the very scene), the file a build writes,
and the same keys and hashes from mmlink.js (Node)."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import textwrap

import pytest

import mmcore
from mmcore.cell import run_cell
from mmcore.mm.link import make_mm_link, parse_mm_link
from mmcore.wire.codec import read_header
from pyodide_app._links import INDEX_PATH, LinkIndex, link_hash, link_key, program_for_link

REPO = pathlib.Path(__file__).resolve().parents[2]
AB = 'A = mmcore.matrix("A", 6, 4, init="rows")\nB = mmcore.matrix("B", 4, 5, init="gaussian")\nA @ B\n'


@pytest.fixture(scope="module")
def ab_link() -> str:
    return read_header(run_cell(AB, cell_id="ab").scene)["mm_link"]


def _changed(link: str, path: tuple[str, ...], value) -> str:
    params = parse_mm_link(link)
    node = params
    for key in path[:-1]:
        node = node[key]
    assert node[path[-1]] != value
    node[path[-1]] = value
    return make_mm_link(params, compress=True)


def test_the_same_link_written_other_ways_has_the_same_key(ab_link):
    query = ab_link.split("?", 1)[1]
    forms = [
        ab_link,
        "?" + query,                                          # the query alone
        query,                                                # a bare query
        "http://127.0.0.1:8000/mm/?" + query + "#view",       # another host, a fragment
        "  " + ab_link + "\n",                                # spaces around it
        ab_link.replace("+", "%20"),                          # a space written %20
        ab_link.replace("%40", "@"),                          # '@' not escaped
        ab_link.replace("&", "&&"),                           # an empty pair
    ]
    assert {link_key(f) for f in forms} == {link_key(ab_link)}
    assert link_key(ab_link) is not None and len(link_hash(ab_link)) == 32


@pytest.mark.parametrize("path, value", [
    (("right", "init"), "uniform"),       # another init
    (("left", "h"), 7),                   # another shape
    (("layout", "gap"), 5),               # another value
])
def test_a_link_that_differs_in_one_thing_has_another_key(ab_link, path, value):
    assert link_key(_changed(ab_link, path, value)) != link_key(ab_link)


@pytest.mark.parametrize("link", [
    "?params=%zz",                        # a bad escape
    "?params=%FF",                        # not UTF-8
    "https://bhosmer.github.io/mm/",      # an address without a query
    "/mm/index.html",
    '{"expr": "A @ B"}',                  # params as raw JSON
    "?#",                                 # nothing in the query
    "",
])
def test_a_link_without_a_normal_form_has_no_key(link):
    assert link_key(link) is None and link_hash(link) is None


def test_pairs_keep_their_order_and_duplicates():
    # parse_mm_link reads the last of two equal names: two such links are kept apart, never merged
    assert link_key("?a=1&b=2") != link_key("?b=2&a=1")
    assert link_key("?a=1&a=2") != link_key("?a=2")
    assert link_key("?a") == link_key("?a=") == "a="


def test_index_takes_a_link_only_when_its_program_gives_the_same_scene(ab_link):
    shared = 'x = mmcore.matrix("x", 5, 3, init="gaussian")\n(x @ mmcore.matrix("w", 3, 3, init="gaussian")) @ mmcore.matrix("y", 3, 4, init="gaussian")\n'
    reused = 'x = mmcore.matrix("x", 4, 4, init="gaussian")\n(x @ x).named("xx")\n'   # one leaf drawn twice
    scenes = {name: run_cell(src, cell_id=name.split(".")[0]).scene
              for name, src in (("ab.mmscene", AB), ("shared.mmscene", shared), ("reused.mmscene", reused))}
    scenes["plain.mmscene"] = mmcore.layout(mmcore.matrix("P", 2, 2) @ mmcore.matrix("Q", 2, 2)).to_bytes()  # no link
    other_form = make_mm_link(parse_mm_link(ab_link), compress=True)      # the same params in mm's compressed form
    assert other_form != ab_link and "params=" in ab_link
    other = _changed(ab_link, ("left", "init"), "cols")
    index = LinkIndex({"ab": [other_form, other]})
    index.add_page("tutorial/page", scenes)
    h = read_header(scenes["reused.mmscene"])["mm_link"]
    assert run_cell(program_for_link(h), cell_id="playground").scene != scenes["reused.mmscene"]
    assert index.entries == {
        link_hash(ab_link): "tutorial/page/ab.mmscene",
        link_hash(other_form): "tutorial/page/ab.mmscene",
        link_hash(read_header(scenes["shared.mmscene"])["mm_link"]): "tutorial/page/shared.mmscene",
    }
    assert link_hash(other) not in index.entries and link_hash(h) not in index.entries
    assert sorted(index.rejected) == ["tutorial/page/ab.mmscene: its link computes a different scene",
                                      "tutorial/page/reused.mmscene: its link computes a different scene"]
    assert index.checked == 5
    written = json.loads(index.to_bytes())
    assert written == {"version": 1, "scenes": {k: "../../" + v for k, v in index.entries.items()}}


def test_a_build_writes_the_index_beside_the_page_bundle(tmp_path, monkeypatch, ab_link):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from pyodide_app._assets import missing_runtime, runtime_sources

    if missing_runtime(runtime_sources()):
        pytest.skip("runtime not built (npm run build, scripts/build_pyodide.py)")
    essay = make_mm_link(parse_mm_link(ab_link), compress=True)
    (tmp_path / "cases.json").write_text(json.dumps([{"id": "ab", "url": essay},
                                                     {"id": "ab", "url": _changed(ab_link, ("layout", "gap"), 9)}]))
    (tmp_path / "mkdocs.yml").write_text(textwrap.dedent("""\
        site_name: link index test
        plugins:
          - matmul-atlas:
              pyodide: https://cdn.example.org/pyodide/v0.27.7/full/
              link_cases: cases.json
        markdown_extensions: [pymdownx.superfences]
        """))
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "index.md").write_text("# Home\n\n```mm\nprint('no figure')\n```\n")
    (tmp_path / "docs" / "sub" / "page.md").write_text(f'# P\n\n```mm id="ab"\n{AB}```\n')
    monkeypatch.chdir(tmp_path)
    build(load_config(str(tmp_path / "mkdocs.yml")))
    site = tmp_path / "site"
    index = json.loads((site / INDEX_PATH).read_text())
    assert index == {"version": 1, "scenes": {link_hash(ab_link): "../../sub/page/ab.mmscene",
                                              link_hash(essay): "../../sub/page/ab.mmscene"}}
    for rel in index["scenes"].values():      # each URL, resolved against the index, is the prebuilt scene
        assert (site / "assets" / "mm" / rel).resolve() == (site / "sub" / "page" / "ab.mmscene").resolve()


def test_a_bad_cases_file_stops_the_build(tmp_path, monkeypatch, caplog):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, PluginError

    (tmp_path / "cases.json").write_text('{"not": "a list"}')
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nplugins:\n  - matmul-atlas:\n      link_cases: cases.json\n"
                                         "markdown_extensions: [pymdownx.superfences]\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises((PluginError, Abort)):
        build(load_config(str(tmp_path / "mkdocs.yml")))
    assert "link_cases='cases.json': expected a JSON list of" in caplog.text


JS_KEYS = """
import { linkKey, linkHash } from %s;
const links = JSON.parse(process.argv[1]);
const out = [];
for (const l of links) out.push([linkKey(l), await linkHash(l)]);
console.log(JSON.stringify(out));
"""


def test_mmlink_js_gives_the_same_keys_and_hashes(ab_link):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    links = [ab_link, ab_link.split("?", 1)[1], ab_link.replace("+", "%20"), make_mm_link(parse_mm_link(ab_link)),
             "?params=%7B%22expr%22%3A%22A+%40+B%22%7D#x", "?a=1&&b=%C3%A9+%E2%82%AC", "?x=(!~*')%2F%3F",
             "?params=%zz", "?p=%FF", "https://x/mm/", '{"a": 1}', "?", "?a", " \t?a=1\n"]
    script = JS_KEYS % json.dumps((REPO / "pyodide_app" / "js" / "cell" / "mmlink.js").as_uri())
    done = subprocess.run([node, "--input-type=module", "-e", script, json.dumps(links)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[link_key(l), link_hash(l)] for l in links]
