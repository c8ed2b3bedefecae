"""The "A tiny GPT, end to end" chapter: its cells, their figures and the numbers its prose quotes."""

from __future__ import annotations

import functools
import pathlib
import re

import numpy as np
import pytest

from mmcore.cell import run_cell
from mmcore.errors import MMError
from mmcore.models import count_correct, forward, sorter_params, stages
from mmcore.models._gpt import count_params
from mmcore.scene import Scene
from ._pages import page_cells as read_cells

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "tiny-gpt.md"
FIGURE_CELLS = ("embed", "layernorm", "one-head", "three-heads", "residual", "mlp", "blocks", "logits",
                "softmax", "generate", "sample")


def page_text() -> str:
    return PAGE.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def cells() -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(PAGE)


def edited(cell_id: str, old: str, new: str) -> str:
    src = cells()[cell_id]
    assert old in src, f"{cell_id}: {old!r} not in the cell"
    return src.replace(old, new)


@functools.lru_cache(maxsize=None)
def run(cell_id: str, source: str | None = None):
    """stdout and decoded scene of a cell (optionally edited)."""
    result = run_cell(source if source is not None else cells()[cell_id], cell_id=cell_id)
    scene = Scene.from_bytes(result.scene) if result.scene is not None else None
    return result.stdout, scene


@functools.lru_cache(maxsize=None)
def model_trace(text: str):
    params = {k: np.asarray(v, dtype=np.float64) for k, v in sorter_params().items()}
    trace = forward(params, stages.tokens(text)[None, :])
    return {k: (v[0] if k not in ("pos_emb",) else v) for k, v in trace.items()}


# ---- the helper module against the model's own forward pass -------------------------------------

@pytest.mark.parametrize("text", ["CBABBC", "A", "CCCAAA", "CBABBCABBBC", "ABCABCAB"])
def test_stages_reproduce_the_forward_pass(text):
    s, trace = stages.run(text), model_trace(text)
    names = [n for n in trace if n not in ("idx", "tok_emb", "pos_emb")]
    assert len(names) == 3 * 15 + 4
    for name in names:
        np.testing.assert_allclose(s[name], trace[name], rtol=0, atol=1e-12, err_msg=name)


def test_greedy_generation_sorts_the_default_input():
    steps = stages.generate("CBABBC")
    assert "".join(step["chosen"] for step in steps) == "ABBBCC"
    assert [step["context"] for step in steps][-1] == "CBABBCABBBC"


def test_helper_errors_are_clear():
    with pytest.raises(MMError, match="letters from 'ABC'"):
        stages.run("CBD")
    with pytest.raises(MMError, match="at most 11"):
        stages.run("A" * 12)
    with pytest.raises(MMError, match="temperature"):
        stages.softmax_t(np.zeros(3), 0)
    with pytest.raises(MMError, match="steps"):
        stages.generate("CBABBC", steps=7)


def test_model_facts_quoted_in_the_intro():
    assert count_params(sorter_params()) == 85_728
    assert "85,728 parameters" in page_text()
    assert count_correct(sorter_params()) == 729          # "it sorted every possible input"
    assert "sorted every possible input" in page_text()


# ---- the page -----------------------------------------------------------------------------------

def test_page_structure():
    text = page_text()
    assert tuple(cells()) == FIGURE_CELLS
    for cell_id, src in cells().items():
        assert 'text = "CBABBC"' in src.splitlines()[2], f"{cell_id}: the text line is not at the top"
    assert "(attention-head.md)" in text and "(attention-layer.md)" in text
    assert '!!! tip "Try it"' in text


def test_every_cell_draws_a_figure_quickly():
    import time

    figures = 0
    for cell_id in FIGURE_CELLS:
        start = time.perf_counter()
        result = run_cell(cells()[cell_id], cell_id=cell_id)
        elapsed = time.perf_counter() - start
        assert result.scene is not None, cell_id
        figures += 1
        assert elapsed < 2.0, f"{cell_id} took {elapsed:.2f} s"
    assert figures >= 8


def test_every_figure_ends_in_a_product_the_tooltip_can_explain():
    for cell_id in FIGURE_CELLS:
        _, scene = run(cell_id)
        root = scene.face("")
        assert root.kind == "result" and len(root.inputs) == 2, cell_id


def test_embedding_figure_is_the_sum_of_two_lookups():
    out, scene = run("embed")
    trace = model_trace("CBABBC")
    assert "token ids: [2, 1, 0, 1, 1, 2]" in out
    assert "parameters in the whole model: 85,728" in out
    np.testing.assert_allclose(scene.face("").values, trace["emb"], atol=1e-6)
    lookup = scene.face("L").values
    assert lookup.shape == (6, 14) and (lookup.sum(axis=1) == 2).all()
    assert scene.face("R").shape == (14, 48)


def test_embedding_try_it_all_a():
    _, scene = run("embed", edited("embed", 'text = "CBABBC"', 'text = "AAAAAA"'))
    lookup = scene.face("L").values
    assert (lookup[:, 0] == 1).all() and (lookup[:, 1:3] == 0).all()
    emb = scene.face("").values
    assert len({tuple(np.round(r, 6)) for r in emb}) == 6     # rows differ by position


def test_layernorm_numbers_and_figure():
    out, scene = run("layernorm")
    assert "token 3 (B): mean 0.0040, variance 0.0012, eps 1e-05, sigma 0.0344" in out
    assert "after normalising: mean 0.0000, variance 0.9915" in out
    text = page_text()
    for quoted in ("mean of 0.0040", "variance of only 0.0012", "variance of\n0.9915"):
        assert quoted in text
    np.testing.assert_allclose(scene.face("").values, model_trace("CBABBC")["h.0.ln_1"], atol=2e-5)
    np.testing.assert_allclose(scene.face("L").values[:, -1], 1.0, atol=1e-6)   # the ones column
    assert {f.path for f in scene.faces} == {"", "L", "LL", "LR", "LRL", "LRR", "R"}


def test_one_head_last_row():
    out, scene = run("one-head")
    assert "C0 0.09  B1 0.18  A2 0.30  B3 0.18  B4 0.18  C5 0.06" in out
    assert "largest weight, 0.30, to the only `A`" in page_text()
    np.testing.assert_allclose(scene.face("LL").values, model_trace("CBABBC")["h.0.att_probs"][0], atol=1e-6)


def test_three_heads_figure():
    out, scene = run("three-heads")
    for h, weight in enumerate(("0.30", "0.47", "0.64")):
        assert f"head {h}: the last token puts {weight} of its weight on token 2 (A)" in out
    assert "(0.30, 0.47 and\n0.64)" in page_text()
    np.testing.assert_allclose(scene.face("").values, model_trace("CBABBC")["h.0.attn_y"], atol=1e-6)
    assert scene.face("L").shape == (6, 18) and scene.face("R").shape == (18, 48)


def test_three_heads_try_it_layer_2():
    out, _ = run("three-heads", edited("three-heads", "layer = 0", "layer = 2"))
    assert "head 1: the last token puts 0.42 of its weight on token 0 (C)" in out
    assert "head 2: the last token puts 0.24 of its weight on token 0 (C)" in out
    assert "head 0: the last token puts 0.25 of its weight on token 2 (A)" in out


def test_residual_figure():
    out, scene = run("residual")
    assert "the same as the model's stream after attention: True" in out
    np.testing.assert_allclose(scene.face("").values, model_trace("CBABBC")["h.0.resid_attn"], atol=1e-6)
    top = scene.face("R").values
    np.testing.assert_array_equal(top[:48], np.eye(48, dtype=np.float32))


def test_mlp_figure_is_the_whole_layer():
    out, scene = run("mlp")
    assert "the same as the model's MLP output: True" in out
    assert "hidden values at or below zero after GELU: 52%" in out
    trace = model_trace("CBABBC")
    np.testing.assert_allclose(scene.face("").values, trace["h.0.mlp_proj"], atol=5e-4)
    hidden = scene.face("L").values
    assert hidden.shape == (6, 193)
    np.testing.assert_array_equal(hidden[:, -1], 10.0)            # the always-on unit
    np.testing.assert_allclose(hidden[:, :-1], trace["h.0.mlp_gelu"], atol=5e-4)
    gap = float(re.search(r"at most ([0-9.e+-]+) from", out).group(1))
    assert 0 < gap < 1e-3


def test_blocks_figure_and_quoted_lengths():
    out, scene = run("blocks")
    assert "the same as the model's stream after the 3 blocks: True" in out
    for name, length in (("emb", "0.31"), ("h.0.mlp_proj", "2.47"), ("h.2.mlp_proj", "4.41")):
        assert re.search(rf"{re.escape(name)}: adds a vector of length {length} ", out), name
    assert "stream has length 5.93" in out
    assert "(2.47 and 4.41, against 0.31 for the embedding)" in page_text()
    assert "length of 5.93" in page_text()
    np.testing.assert_allclose(scene.face("").values, model_trace("CBABBC")["h.2.out"], atol=1e-5)


def test_logits_figure_and_quoted_scores():
    out, scene = run("logits")
    assert "token 5 (C): A   7.96  B  -3.30  C  -3.25  -> A" in out
    assert "score of 7.96\nagainst −3.30 for `B` and −3.25 for `C`" in page_text()
    np.testing.assert_allclose(scene.face("").values, model_trace("CBABBC")["logits"], atol=1e-4)
    out11, _ = run("logits", edited("logits", 'text = "CBABBC"', 'text = "CBABBCABBBC"'))
    predicted = re.findall(r"^token (\d+) \(.\):.*-> ([ABC])$", out11, re.M)
    assert "".join(letter for t, letter in predicted if int(t) >= 5) == "ABBBCC"
    logits = model_trace("CBABBC")["logits"][-1]
    assert np.sort(logits)[-1] - np.sort(logits)[-2] > 11        # "more than 11 above the others"


def test_softmax_temperature():
    out, scene = run("softmax")
    assert "A 1.0000  B 0.0000  C 0.0000" in out
    assert "the top logit leads by 11.21;" in out and "a factor of 74,110" in out
    assert "leads the next one by 11.21" in page_text() and "factor of about\n74,000" in page_text()
    np.testing.assert_allclose(scene.face("").values, model_trace("CBABBC")["probs"], atol=1e-5)
    out3, scene3 = run("softmax", edited("softmax", "temperature = 1.0", "temperature = 3"))
    assert "A 0.9549" in out3 and "drops to 0.9549" in page_text()
    assert "a factor of 42\n" in out3 and "the factor to\nabout 42" in page_text()
    np.testing.assert_allclose(scene3.face("").values[-1],
                               stages.softmax_t(model_trace("CBABBC")["logits"][-1], 3), atol=1e-5)
    with pytest.raises(MMError, match="temperature"):
        run_cell(edited("softmax", "temperature = 1.0", "temperature = 0"), cell_id="softmax")


def test_greedy_generation_cell():
    out, scene = run("generate")
    assert "output ABBBCC: sorted" in out
    assert "one pass over all 11 letters gives the same six rows: True" in out
    assert out.count("step ") == 6
    probs = scene.face("").values
    assert "".join("ABC"[i] for i in probs.argmax(axis=1)) == "ABBBCC"
    out2, _ = run("generate", edited("generate", 'text = "CBABBC"', 'text = "CCCAAA"'))
    assert "output AAACCC: sorted" in out2
    with pytest.raises(MMError, match="six letters"):
        run_cell(edited("generate", 'text = "CBABBC"', 'text = "CBA"'), cell_id="generate")


def test_sampling_cell_and_its_try_it():
    out, _ = run("sample")
    assert "sampled output ABBBCC: sorted" in out
    out3, _ = run("sample", edited("sample", "temperature = 1.0", "temperature = 3"))
    assert "greedy B, sampled A" in out3.splitlines()[3]             # step 4
    assert "sampled output ABBACC: NOT sorted" in out3
    assert "`ABBACC`" in page_text()
    out10, _ = run("sample", edited("sample", "temperature = 1.0", "temperature = 10"))
    assert out10.splitlines()[0] == "step 1: A 0.606  B 0.197  C 0.197   greedy A, sampled B"
    assert "largest probability,\n       0.606, but the draw is a `B`" in page_text()


def test_stages_docstring_examples():
    import doctest

    result = doctest.testmod(stages, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 5 and result.failed == 0
