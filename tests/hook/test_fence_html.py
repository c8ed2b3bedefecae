"""The static HTML of one cell: the structure of pyodide_app/README.md, escaped, highlighted, readable without JS."""

from __future__ import annotations

import html.parser
import json

import pytest

from pyodide_app._fence import CellView, FenceOptions, render_cell, scene_label

NASTY = 'x = "</script><b>&amp;</b>"\nprint(x)  # <!-- not a comment -->\n'


class _Tree(html.parser.HTMLParser):
    """Flat list of (tag, attrs, text inside) for the elements we care about."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict, list[str]]] = []
        self.stack: list[int] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), []))
        if tag not in ("br", "img", "input"):
            self.stack.append(len(self.elements) - 1)

    def handle_endtag(self, tag):
        while self.stack:
            i = self.stack.pop()
            if self.elements[i][0] == tag:
                break

    def handle_data(self, data):
        for i in self.stack:
            self.elements[i][2].append(data)

    def find(self, **attrs):
        return [e for e in self.elements if all(k in e[1] and e[1][k] == v for k, v in attrs.items())]

    def one(self, **attrs):
        found = self.find(**attrs)
        assert len(found) == 1, (attrs, found)
        return found[0]


def _parse(view: CellView) -> _Tree:
    tree = _Tree()
    tree.feed(render_cell(view))
    tree.close()
    return tree


def _view(**kw) -> CellView:
    base = dict(cell_id="first-matmul-1", source="A = mmcore.matrix('A', 4, 3)\nA @ A.T\n",
                options=FenceOptions(), scene_file="first-matmul-1.mmscene",
                label="3D figure: A @ B (32×24 by 24×32)", stdout="")
    base.update(kw)
    return CellView(**base)


def test_root_carries_the_contract_data_attributes():
    tree = _parse(_view())
    tag, attrs, _ = tree.elements[0]
    assert tag == "div" and attrs["class"] == "mm-cell"
    assert attrs["data-mm-cell"] == "first-matmul-1"
    assert attrs["data-state"] == "idle"
    assert attrs["data-scene"] == "first-matmul-1.mmscene"
    assert attrs["data-autorun"] == "false"
    assert "data-height" not in attrs


def test_real_buttons_in_a_labelled_toolbar():
    tree = _parse(_view())
    toolbar = tree.one(role="toolbar")
    assert toolbar[1]["aria-label"] == "Cell controls"
    buttons = [(a["data-action"], "".join(t), "disabled" in a) for tag, a, t in tree.elements if tag == "button"]
    assert buttons == [("run", "Run", False), ("stop", "Stop", True), ("reset", "Reset", False),
                       ("share", "Share", False)]
    assert all(a.get("type") == "button" for tag, a, _ in tree.elements if tag == "button")
    status = tree.one(**{"data-mm-status": None})
    assert status[1]["aria-live"] == "polite"


def test_source_survives_exactly_in_the_json_script_and_is_escaped_in_the_code():
    out = render_cell(_view(source=NASTY))
    assert out.count("</script>") == 1  # only the script's own end tag: the source cannot close it
    tree = _parse(_view(source=NASTY))
    script = tree.one(**{"data-mm-source": None})
    assert script[1]["type"] == "application/json"
    assert json.loads("".join(script[2])) == NASTY
    code = tree.one(**{"data-mm-code": None})
    assert "".join(code[2]) == NASTY  # the visible (highlighted) code reads as the source
    assert "<b>" not in out.split("data-mm-source")[0]


def test_code_is_pygments_highlighted_inside_highlight_pre_code():
    out = render_cell(_view(source="import numpy as np\nfor i in range(3):\n    print(i)\n"))
    code_html = out.split("data-mm-code>")[1].split("</div>")[0]
    assert code_html.startswith('<div class="highlight"><pre>')
    assert '<span class="kn">import</span>' in code_html
    assert '<span class="k">for</span>' in code_html
    assert '<span class="nb">print</span>' in code_html


def test_figure_placeholder_has_role_and_text_alternative():
    tree = _parse(_view())
    fig = tree.one(**{"data-mm-figure": None})
    assert fig[1]["role"] == "img"
    assert fig[1]["aria-label"] == "3D figure: A @ B (32×24 by 24×32)"
    assert fig[1]["class"] == "mm-cell__figure"
    assert "style" not in fig[1]


def test_output_hidden_when_empty_and_shown_escaped_when_the_build_printed():
    tree = _parse(_view())
    out = tree.one(**{"data-mm-output": None})
    assert "hidden" in out[1] and "".join(out[2]) == ""
    tree = _parse(_view(stdout="a < b & c\n"))
    out = tree.one(**{"data-mm-output": None})
    assert "hidden" not in out[1] and "".join(out[2]) == "a < b & c\n"


def test_options_change_height_autorun_and_prebuilt_scene():
    opts = FenceOptions(cell_id="playground", height=560, prebuild=False, autorun="mm-link")
    tree = _parse(_view(cell_id="playground", options=opts, scene_file=None, label=scene_label(None)))
    attrs = tree.elements[0][1]
    assert attrs["data-mm-cell"] == "playground"
    assert "data-scene" not in attrs
    assert attrs["data-autorun"] == "mm-link"
    assert attrs["data-height"] == "560"
    fig = tree.one(**{"data-mm-figure": None})
    assert fig[1]["style"] == "height: 560px"
    assert fig[1]["aria-label"] == "3D figure: appears after Run"


@pytest.mark.parametrize("cell_id", ['a"b', "x><script>"])
def test_attribute_values_are_escaped(cell_id):
    out = render_cell(_view(cell_id=cell_id))
    assert "<script>" not in out.split("data-mm-source")[0]
    assert _parse(_view(cell_id=cell_id)).elements[0][1]["data-mm-cell"] == cell_id


def test_a_cell_that_drew_nothing_at_build_time_hides_its_frame():
    printed = render_cell(_view(scene_file=None, stdout="3 parameters\n"))
    assert 'data-figure="none"' in printed and "data-scene" not in printed
    not_built = render_cell(_view(scene_file=None, options=FenceOptions(prebuild=False)))
    assert "data-figure" not in not_built                # run="false": its figure appears after Run
    assert "data-figure" not in render_cell(_view())     # a prebuilt figure
