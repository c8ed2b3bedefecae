"""The BPT chapter: blog45/blog47 keep mm's structure on the sorter's real head, the partitions run
where the prose says, and the online softmax equals the full one while a per-tile softmax does not."""

from __future__ import annotations

import pathlib
import re

import numpy as np

from mmcore.models import sort_text, sorter_head_arrays
from mmcore.scene import Scene
from tests.chapters._essay import check_matches_case
from ._pages import page_cells as read_cells, run_edited

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "bpt.md"


def page_cells() -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(PAGE)


def run(cell_id: str, *edits: tuple[str, str]) -> tuple[Scene, str]:
    """Run one of the page's cells, after text edits; (scene, stdout)."""
    return run_edited(PAGE, cell_id, *edits)


def blocks(scene: Scene) -> dict[str, tuple[int, int, int]]:
    return {n.path: tuple(n.blocks) for n in scene.nodes if tuple(n.blocks) != (1, 1, 1)}


def test_page_cells():
    assert list(page_cells()) == ["blog45", "blog47", "online-softmax"]


def test_context_is_input_and_two_sorted_letters():
    assert "CBABCA" + sort_text("CBABCA")[:2] == "CBABCAAA"


def test_query_blocks_run_down_the_left_chain():
    scene, out = run("blog45")
    check_matches_case(scene, "blog45")
    assert out == "blocks of tokens: ['CB', 'AB', 'CA', 'AA']\n"
    assert blocks(scene) == {"": (4, 1, 1), "L": (4, 1, 1), "LL": (4, 1, 1), "LLL": (4, 1, 1)}
    for path in ("LLLR", "LLR", "LR", "R"):                          # wQ, K_t, V, wO stay whole
        face = scene.face(path)
        assert face.blocks["i"][0] == face.blocks["j"][0] == 1, path
    # the figure's attention is the model's, real weights
    a = sorter_head_arrays(0, 0, "CBABCAAA")
    np.testing.assert_allclose(scene.face("LL").values, a["attn"], atol=1e-5)
    np.testing.assert_allclose(scene.face("").values, a["out"], atol=1e-4)


def test_key_blocks_make_a_grid_with_masked_tiles():
    scene, out = run("blog47")
    check_matches_case(scene, "blog47")
    assert out == "tiles of attn: 16, all masked: 6\n"
    assert "6 of the 16 tiles need no work" in PAGE.read_text()
    assert scene.face("LL").blocks == {"i": [4, 2], "j": [4, 2]}
    assert scene.face("LR").blocks["i"] == [4, 2] and scene.face("LLR").blocks["j"] == [4, 2]
    assert scene.face("LLL").blocks["j"] == [1, 16]                 # k=1 keeps the head dimension whole
    _, out = run("blog47", ('"CBABCA"', '"CCCAAA"'))
    assert out == "tiles of attn: 16, all masked: 6\n"


def _numbers(out: str) -> dict[str, float]:
    got = {}
    got["tiles"] = re.search(r"tiles computed: (\d+) of (\d+)", out).groups()
    got["online"] = float(re.search(r"online softmax, max \|blockwise - full\| = (\S+)", out).group(1))
    got["naive"] = float(re.search(r"softmax per tile, max \|blockwise - full\| = (\S+)", out).group(1))
    got["scale"] = float(re.search(r"largest output entry is (\S+)\)", out).group(1))
    return got


def test_online_softmax_equals_the_full_one():
    scene, out = run("online-softmax")
    got = _numbers(out)
    assert got["tiles"] == ("10", "16")
    assert got["online"] < 1e-15                                    # "about 1e-16": rounding only
    assert got["naive"] > 0.5 * got["scale"] > 0.1                  # the shortcut is badly wrong
    a = sorter_head_arrays(0, 0, "CBABCAAA")
    np.testing.assert_allclose(scene.face("L").values, a["attn"], atol=1e-6)
    np.testing.assert_allclose(scene.face("").values, a["head_out"], atol=1e-5)
    assert blocks(scene) == {"": (1, 4, 1)} and scene.anim is not None


def test_online_softmax_for_other_block_sizes():
    for size, tiles, naive_exact in (("1", ("36", "64"), False), ("4", ("3", "4"), False), ("8", ("1", "1"), True)):
        _, out = run("online-softmax", ("size = 2 ", f"size = {size} "))
        got = _numbers(out)
        assert got["tiles"] == tiles and got["online"] < 1e-15
        assert (got["naive"] == 0) == naive_exact, (size, got)


def test_other_block_counts():
    _, out = run("blog45", ("blocks = 4", "blocks = 8"))
    assert out == "blocks of tokens: ['C', 'B', 'A', 'B', 'C', 'A', 'A', 'A']\n"
    scene, out = run("blog45", ("blocks = 4", "blocks = 2"))
    assert out == "blocks of tokens: ['CBAB', 'CAAA']\n" and blocks(scene)[""] == (2, 1, 1)
