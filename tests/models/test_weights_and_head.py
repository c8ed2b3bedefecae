"""The shipped weights sort every input; the head arrays and expression carry real values."""

import json

import numpy as np
import pytest

import mmcore
from mmcore.errors import MMError
from mmcore.models import (SORTER_WEIGHTS, all_inputs, count_correct, load_weights, save_weights, sort_text,
                           sorter_head, sorter_head_arrays, sorter_params, sorter_trace)
from mmcore.models._gpt import SORTER_CONFIG, param_shapes


def test_shipped_weights_sort_all_729_inputs():
    assert count_correct(sorter_params(), all_inputs(), greedy=True) == 729
    assert count_correct(sorter_params()) == 729
    assert sort_text("CBABCA") == "AABBCC"


def test_teacher_forced_count_equals_greedy_count_on_a_damaged_model():
    rng = np.random.default_rng(0)
    damaged = {n: a + rng.normal(0.0, 1.0 * float(a.std() + 1e-3), a.shape).astype(np.float32)
               for n, a in sorter_params().items()}
    inputs = all_inputs()[::3]
    greedy = count_correct(damaged, inputs, greedy=True)
    assert 0 < greedy < len(inputs)
    assert count_correct(damaged, inputs) == greedy


def test_shipped_file_is_float32_mingpt_state_dict():
    with np.load(SORTER_WEIGHTS) as data:
        assert data.files == list(param_shapes(SORTER_CONFIG))
        for name in data.files:
            assert data[name].dtype == np.dtype("<f4")
            assert data[name].shape == param_shapes(SORTER_CONFIG)[name]
    assert 343_000 < SORTER_WEIGHTS.stat().st_size < 360_000
    meta = json.loads(SORTER_WEIGHTS.with_name("sorter.json").read_text())
    assert meta["settings"]["seed"] == 3407 and meta["correct_all"] == [729, 729]
    assert meta["npz_bytes"] == SORTER_WEIGHTS.stat().st_size


def test_weights_round_trip_and_errors(tmp_path):
    params = sorter_params()
    save_weights(params, tmp_path / "w.npz")
    back = load_weights(tmp_path / "w.npz")
    assert all(np.array_equal(back[n], params[n]) for n in params)
    short = {n: a for n, a in params.items() if n != "transformer.ln_f.bias"}
    np.savez(tmp_path / "short.npz", **short)
    with pytest.raises(MMError, match="lack 1 tensors, e.g. 'transformer.ln_f.bias'"):
        load_weights(tmp_path / "short.npz")
    with pytest.raises(ValueError):
        sorter_params()["lm_head.weight"][0, 0] = 1.0   # the cached arrays are read-only


def test_head_arrays_rebuild_the_models_attention_output():
    arrays = sorter_head_arrays(2, 1, "CBABCA")
    assert arrays["tokens"] == "CBABCAAABBC"          # the input, then the model's first 5 outputs
    np.testing.assert_allclose(arrays["x"] @ arrays["wQ"], arrays["Q"], atol=1e-5)
    np.testing.assert_allclose(arrays["wK_t"] @ arrays["x_t"], arrays["K_t"], atol=1e-5)
    np.testing.assert_allclose(arrays["x"] @ arrays["wV"], arrays["V"], atol=1e-5)
    np.testing.assert_allclose(arrays["Q"] @ arrays["K_t"] / 4, arrays["scores"], atol=1e-5)
    # the three heads' outputs plus the projection bias give the model's attention projection
    trace = sorter_trace("CBABCA")
    total = sum(sorter_head_arrays(2, h, "CBABCA")["out"] for h in range(3))
    bias = sorter_params()["transformer.h.2.attn.c_proj.bias"]
    np.testing.assert_allclose(total + bias, trace["h.2.attn_proj"][0], atol=1e-5)
    assert sorter_head_arrays(0, 0, "CAB", with_output=False)["attn"].shape == (3, 3)
    with pytest.raises(MMError, match=r"head 3: expected 0..2"):
        sorter_head_arrays(0, 3)


def test_head_expression_shows_the_real_attention():
    arrays = sorter_head_arrays(1, 2, "BCAACB")
    expr = sorter_head(1, 2, "BCAACB")
    assert expr.text() == "out = (attn = (Q = x @ wQ) @ (K_t = wK_t @ x_t)) @ (V = x @ wV) @ wO"
    scene = mmcore.layout(expr)
    np.testing.assert_allclose(scene.face("LL").values, arrays["attn"], atol=1e-5)
    np.testing.assert_allclose(scene.face("LR").values, arrays["V"], atol=1e-5)
    np.testing.assert_allclose(scene.face("").values, arrays["out"], atol=1e-4)
