"""The LoRA chapter: the rank-4 factor, blog59 as mm's figure, and W + A @ B on MiniLM's real query
weight with the ranks and parameter counts the prose quotes."""

from __future__ import annotations

import pathlib

import numpy as np

from mmcore.scene import Scene
from tests.chapters._essay import check_matches_case
from ._pages import page_cells as read_cells, run_edited

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "lora.md"


def page_cells() -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(PAGE)


def run(cell_id: str, *edits: tuple[str, str]) -> tuple[Scene, str]:
    """Run one of the page's cells, after text edits; (scene, stdout)."""
    return run_edited(PAGE, cell_id, *edits)


def test_page_cells():
    assert list(page_cells()) == ["lora-factor", "blog59", "lora-add"]


def test_rank_four_factor():
    scene, out = run("lora-factor")
    assert out == "L @ R is 128×128 with rank 4\nnumbers stored: 1,024 in L and R, 16,384 in L @ R\n"
    assert "store 1,024 numbers, the product 16,384" in PAGE.read_text()
    assert scene.face("L").shape == (128, 4) and scene.face("R").shape == (4, 128)
    s = np.linalg.svd(scene.face("").values.astype(np.float64), compute_uv=False)
    assert s[3] > 1e-3 * s[0] and s[4] < 1e-5 * s[0]
    _, out = run("lora-factor", ('"L", 128, 4', '"L", 128, 1'), ('"R", 4, 128', '"R", 1, 128'))
    assert "with rank 1\n" in out


def test_low_rank_head_is_mms():
    scene, out = run("blog59")
    check_matches_case(scene, "blog59")
    assert out == "weights: 12,288 numbers in full, 4,096 as factors\n"
    text = PAGE.read_text()
    assert "12,288 numbers as full matrices and 4,096 as\nfactors" in text
    for path in ("LLLR", "LLRL", "LRR", "R"):                       # every weight is a product of rank 8
        sv = np.linalg.svd(scene.face(path).values.astype(np.float64), compute_uv=False)
        assert sv[7] > 1e-3 * sv[0] and sv[8] < 1e-5 * sv[0], path          # float32 rounding aside
    _, out = run("blog59", ("d, r = 64, 96, 32, 8", "d, r = 64, 96, 32, 32"))
    assert out == "weights: 12,288 numbers in full, 16,384 as factors\n"


def test_add_back_on_minilm():
    scene, out = run("lora-add")
    assert out == ("rank of W: 32   rank of A @ B: 4   rank of W + A @ B: 32\n"
                   "parameters: W has 12,288, A and B have 1,664 (13.5% of W)\n"
                   "whole 384×384 query weight: 147,456, A and B 3,072 (2.1%)\n")
    text = " ".join(PAGE.read_text().split())
    assert "full rank: 32" in text and "1,664 numbers, 13.5% of the 12,288" in text
    assert "3,072 numbers, 2.1% of 147,456" in text
    left = scene.face("L").values.astype(np.float64)
    right = scene.face("R").values.astype(np.float64)
    W, A, B = left[:, :32], left[:, 32:], right[32:]
    assert A.shape == (384, 4) and B.shape == (4, 32)
    assert np.array_equal(right[:32], np.eye(32))
    np.testing.assert_allclose(scene.face("").values, W + A @ B, atol=1e-5)
    from mmcore.bert import minilm_head
    np.testing.assert_array_equal(W.astype(np.float32), minilm_head(0, 2).wq)   # MiniLM's real weight
    _, out = run("lora-add", ("r = 4 ", "r = 16 "))
    assert "rank of A @ B: 16   rank of W + A @ B: 32" in out and "6,656 (54.2% of W)" in out
    assert "6,656 numbers, 54.2% of this slice" in text
