"""The attention layer chapter: blog49..blog57 are mm's figures exactly, the partitions sit where the
prose says, the epilogs do what the table says, and the numbers the prose quotes are the cells'."""

from __future__ import annotations

import pathlib

import numpy as np

from mmcore.scene import Scene
from tests.chapters._essay import check_matches_case
from ._pages import page_cells as read_cells, run_edited

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "attention-layer.md"
CASES = ["blog49", "blog51", "blog53", "blog55", "blog57"]


def page_cells() -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(PAGE)


def run(cell_id: str, *edits: tuple[str, str]) -> tuple[Scene, str]:
    """Run one of the page's cells, after text edits; (scene, stdout)."""
    return run_edited(PAGE, cell_id, *edits)


def blocks(scene: Scene) -> dict[str, tuple[int, int, int]]:
    """(i, k, j) blocks of every matmul node that is partitioned at all."""
    return {n.path: tuple(n.blocks) for n in scene.nodes if tuple(n.blocks) != (1, 1, 1)}


def test_page_cells_are_the_essay_figures():
    assert list(page_cells()) == CASES


def test_every_figure_is_mms_exactly():
    for case_id in CASES:
        scene, _ = run(case_id)
        check_matches_case(scene, case_id)


def test_full_layer_size_and_epilogs():
    scene, out = run("blog49")
    assert out == "17 faces, 1,146,880 elements\n"                 # the prose: "about 1.15 million"
    assert "about 1.15 million elements" in PAGE.read_text()
    assert blocks(scene) == {}
    # big still figures may store values as float16 that draw the same colours: tolerances to match
    attn = scene.face("LLLL").values.astype(np.float64)
    np.testing.assert_allclose(attn.sum(axis=1), 1, atol=2e-3)     # softmax rows
    assert np.all(np.triu(attn, 1) == 0)                           # causal mask
    for path in ("LL", ""):                                         # mm's layernorm: the whole matrix
        v = scene.face(path).values.astype(np.float64)
        assert abs(v.mean()) < 1e-2 and abs(v.std() - 1) < 1e-2
    hidden = scene.face("L").values
    assert hidden.min() > -0.2 and hidden.max() > 1                # GELU: negatives squashed
    assert scene.face("LR").shape == (192, 768) and scene.face("R").shape == (768, 192)


def test_bpt_layer_partitions():
    scene, out = run("blog51")
    assert out == "tokens per block: 32\n"
    assert blocks(scene) == {"": (8, 1, 1), "L": (8, 1, 1), "LL": (8, 1, 1), "LLL": (8, 8, 1),
                             "LLLL": (8, 1, 8), "LLLLL": (8, 1, 1), "LLLLR": (1, 1, 8),
                             "LLLR": (8, 1, 1)}
    assert scene.face("LLLLR").blocks["j"][0] == 8                  # K_t: blocks of keys
    assert scene.face("LR").blocks == {"i": [1, 192], "j": [1, 768]}   # FFN_1 whole


def test_bpt_layer_without_key_blocks_keeps_only_row_bands():
    scene, _ = run("blog51", ("partition(k=1)).partition(k=8)", "partition(k=1))"))
    assert blocks(scene)["LLLL"] == (8, 1, 1)


def test_ffn_split_k():
    scene, out = run("blog53")
    assert out == "hidden channels per block: 96\n"
    assert blocks(scene) == {"": (1, 8, 1), "L": (1, 1, 8)}
    assert scene.face("L").blocks["j"][0] == 8 and scene.face("LR").blocks["j"][0] == 8
    assert scene.face("R").blocks["i"][0] == 8 and scene.face("LL").blocks["j"][0] == 1
    scene, out = run("blog53", ("blocks = 8", "blocks = 4"))
    assert out == "hidden channels per block: 192\n" and scene.face("L").blocks["j"] == [4, 192]


def test_both_partitions():
    scene, out = run("blog55")
    assert out == "hidden layer: 64 tiles of 32×96\n"
    assert scene.face("L").blocks == {"i": [8, 32], "j": [8, 96]}  # the hidden layer: an 8x8 grid
    assert scene.face("LLLL").blocks == {"i": [8, 32], "j": [8, 32]}


def test_decoding_reads_every_cached_key():
    scene, out = run("blog57")
    assert out == "468,928 elements\n"
    attn = scene.face("LLLL").values.astype(np.float64)
    assert attn.shape == (1, 256)
    assert abs(attn.sum() - 1) < 1e-5 and np.count_nonzero(attn) == 256   # no mask
    assert {p for p in ("LLLLR", "LLLR")} <= {f.path for f in scene.faces if f.kind == "leaf"}
    # the prose: the causal epilog would keep only the first key of a one-row attn
    scene, _ = run("blog57", ('"softmax(x/sqrt(k))"', '"softmax(tril(x/sqrt(k)))"'))
    assert np.count_nonzero(scene.face("LLLL").values) == 1


def test_shorter_text_shrinks_only_the_token_rows():
    scene, out = run("blog49", ("T, C, F = 256", "T, C, F = 64"))
    assert out == "17 faces, 606,208 elements\n" and "about 0.61 million" in PAGE.read_text()
    assert scene.face("LLLL").shape == (64, 64) and scene.face("LLLLLR").shape == (192, 192)
