"""The page "The attention head" (docs/tutorial/attention-head.md): its cells and the facts its prose states.

Every cell of the page runs as the site build runs it; the essay figures (ids ``blog25`` ...
``blog43``) keep mm's structure (``check_matches_case``: the same 13 faces, 6 matmuls) and the
essay's animation; the numbers the prose quotes are the ones the cells print for the default input.
"""

from __future__ import annotations

import pathlib
import re

import pytest

from mmcore.cell import run_cell

from ._essay import check_matches_case, scene_of_cell

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "attention-head.md"
ESSAY_IDS = ("blog25", "blog27", "blog28", "blog29", "blog30", "blog31", "blog32", "blog33", "blog34",
             "blog36", "blog38", "blog39", "blog40", "blog41", "blog42", "blog43")
CHAIN = {"L": "vmprod", "LL": "vmprod", "LLL": "vmprod", "LLR": "none", "LR": "none"}


def page_cells() -> dict[str, tuple[str, str]]:
    """{cell id: (fence options, source)} of every ```mm fence of the page, in order."""
    cells = {}
    for m in re.finditer(r"^```mm ([^\n]*)\n(.*?)\n```$", PAGE.read_text(), re.S | re.M):
        cid = re.search(r'id="([^"]+)"', m.group(1)).group(1)
        assert cid not in cells, f"duplicate cell id {cid}"
        cells[cid] = (m.group(1), m.group(2))
    return cells


def source(cell_id: str) -> str:
    return page_cells()[cell_id][1]


def printed(cell_id: str, code: str | None = None) -> str:
    return run_cell(source(cell_id) if code is None else code, cell_id=cell_id).stdout


def prose() -> str:
    return PAGE.read_text()


def test_page_has_every_essay_figure_and_the_old_cells():
    ids = list(page_cells())
    for cid in ESSAY_IDS + ("sorter-head", "sorter-layer1", "gpt2-layer5"):
        assert cid in ids
    assert 'run="false"' in page_cells()["gpt2-layer5"][0]
    assert all('run="false"' not in opts for cid, (opts, _) in page_cells().items() if cid != "gpt2-layer5")


@pytest.mark.parametrize("case_id", ESSAY_IDS)
def test_essay_figure_keeps_the_case_structure(case_id):
    scene = scene_of_cell(source(case_id), case_id)
    check_matches_case(scene, case_id)


def _tracks(case_id):
    anim = scene_of_cell(source(case_id), case_id).anim
    return anim, {t["path"]: t for t in anim["tracks"]}


def test_animated_figures_play_the_essays_chain():
    anim, tracks = _tracks("blog28")           # the fused vmprod chain, K_t and V precomputed
    assert anim["fuse"] == "sync" and anim["speed"] == 16 and anim["cycle"] == 11
    assert set(tracks) == {"", "L", "LL", "LLL"} and all(t["alg"] == "vmprod" for t in tracks.values())
    assert {p for p, t in tracks.items() if t["fused"]} == {"L", "LL", "LLL"}
    anim, tracks = _tracks("blog29")           # Q precomputed, speed 4
    assert anim["speed"] == 4 and set(tracks) == {"", "L", "LL"}
    for cid in ("blog30", "blog38"):           # attn precomputed: attn @ V and out play
        anim, tracks = _tracks(cid)
        assert set(tracks) == {"", "L"} and tracks["L"]["fused"]
    for cid in ("blog25", "blog27", "blog31", "blog32", "blog33", "blog34", "blog36", "blog39", "blog40",
                "blog41", "blog42", "blog43"):
        assert scene_of_cell(source(cid), cid).anim is None, f"{cid} is a still in the essay"


def test_essay_settings():
    s = scene_of_cell(source("blog25"), "blog25")
    assert s.face("LL").epilog == "softmax(tril(x/sqrt(k)))" and s.face("LLLL").shape == (11, 49)
    assert scene_of_cell(source("blog43"), "blog43").face("LL").epilog == "softmax(x/sqrt(k))"
    for cid in ("blog28", "blog36"):
        # the attn face is the model's real attention
        assert scene_of_cell(source(cid), cid).face("LL").values.sum(axis=1) == pytest.approx(1, abs=1e-5)


def test_sorter_shares_quoted_in_the_prose():
    out = printed("sorter-head")
    assert "row  5 reads the input's As 0.74" in out and "row 10 reads the input's As 0.02  Bs 0.05  Cs 0.67" in out
    assert "three quarters" in prose() and "two thirds" in prose()
    out = printed("sorter-layer1")
    assert "row  5 puts 0.00" in out and "row  7 puts 0.24" in out and "row 10 puts 0.61" in out


def test_windmill_leaves():
    out = printed("blog25")
    assert "x     11×49" in out and "wO    16×48" in out and out.count("x     11×49") == 2


def test_close_up_facts():
    assert "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]" in printed("blog29")
    assert "row 10 reads: 0:C 0.32  4:C 0.35  10:C 0.17" in printed("blog30")
    out = printed("blog31")
    assert "same letter:  mean cosine +0.91" in out and "different letters: mean cosine -0.39" in out
    out = printed("blog32")
    best = dict(re.findall(r"row +(\d+) of attn @ V is most like the value of (\w)", out))
    assert best == {"5": "A", "6": "A", "7": "B", "8": "B", "9": "C", "10": "C"}
    out = printed("blog33")
    assert "6.78 to 6.98" in out and "last column: [1.0]" in out


def test_cls_row_stands_out():
    out = printed("blog34")
    assert "largest cosine with another row +0.01" in out
    assert "channel 99 holds 6.33; largest magnitude in the other rows 5.95" in out
    assert "same [CLS] row in all four sentences: True" in out
    assert "at most 0.01" in prose()


def test_minilm_previous_token_head():
    out = printed("blog36")
    assert "tokens: [CLS] the weather is lovely today . [SEP]" in out
    assert "'[CLS]', '[CLS]', 'the', 'weather', 'is', 'lovely', 'today', '.'" in out
    assert "weight on the previous token: [1.0, 1.0, 0.999, 0.999, 1.0, 1.0, 1.0]" in printed("blog38")
    out = printed("blog39")
    diff = float(re.search(r"shifted V\|: ([\d.]+)", out).group(1))
    assert diff < 0.002 and "largest |V|: 1.29" in out
    out = printed("blog41")
    assert "differ by at most 0.0000" in out and "rank of out: 7 for 8 tokens" in out
    assert "wO: (32, 384) rank 32" in printed("blog42")


def test_decoding_one_row():
    out = printed("blog43")
    assert "Q: (1, 16)  attn: (1, 11)  out: (1, 48)" in out
    assert "equals that row of the full causal attention: True" in out
    scene = scene_of_cell(source("blog43"), "blog43")
    assert scene.face("LR").shape == (11, 16) and scene.face("LLR").shape == (16, 11)


def test_try_it_exercises_do_what_the_page_says():
    edited = source("sorter-head").replace("layer, head = 0, 0", "layer, head = 1, 0")
    row10 = re.search(r"row 10 reads the input's As ([\d.]+)  Bs ([\d.]+)  Cs ([\d.]+)", printed("sorter-head", edited))
    assert sum(map(float, row10.groups())) < 0.5
    edited = source("blog36").replace("minilm_head(0, 2, 0)", "minilm_head(0, 2, 3)")
    assert "'[CLS]', '[CLS]', 'the', 'cat', 'sat', 'on', 'the', 'mat', 'because', 'it', 'was', 'tired'" \
        in printed("blog36", edited)
    edited = source("blog43").replace("row = -1", "row = 5")
    assert "equals that row of the full causal attention: False" in printed("blog43", edited)


def test_cells_are_fast():
    import time
    for cid, (opts, code) in page_cells().items():
        if 'run="false"' in opts:
            continue
        t = time.perf_counter()
        run_cell(code, cell_id=cid)
        assert time.perf_counter() - t < 1.0, cid
