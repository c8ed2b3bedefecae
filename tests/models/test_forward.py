"""The forward pass: intermediates are consistent, and llm-viz's independently trained weights sort."""

from pathlib import Path

import numpy as np
import pytest

from mmcore.errors import MMError
from mmcore.models import (SORTER_CONFIG, all_inputs, count_correct, forward, load_llmviz_json, sort_text,
                           sorter_params, sorter_trace, trace_names)
from mmcore.models._forward import gelu_tanh, layer_norm

REPO = Path(__file__).resolve().parents[2]
LLMVIZ_JSON = REPO.parent / "shared" / "reference" / "llmviz-gpt-nano-sort-weights.json"


@pytest.fixture(scope="module")
def llmviz_params():
    if not LLMVIZ_JSON.exists():
        pytest.skip(f"llm-viz reference weights not found: expected ../shared/reference/{LLMVIZ_JSON.name} "
                    "beside the repository")
    return load_llmviz_json(LLMVIZ_JSON)


def test_llmviz_weights_sort_all_729_inputs(llmviz_params):
    assert count_correct(llmviz_params, all_inputs(), greedy=True) == 729
    assert sort_text("CBABBC", llmviz_params) == "ABBBCC"   # llm-viz's demo input


def test_trace_has_every_public_name_with_its_shape():
    trace = sorter_trace("CBABCA")
    assert set(trace) == set(trace_names(SORTER_CONFIG))
    t, c = 11, 48
    expected = {"idx": (1, t), "tok_emb": (1, t, c), "pos_emb": (t, c), "emb": (1, t, c),
                "h.2.q": (1, 3, t, 16), "h.0.att_scores": (1, 3, t, t), "h.1.att_probs": (1, 3, t, t),
                "h.1.head_out": (1, 3, t, 16), "h.0.attn_y": (1, t, c), "h.2.mlp_fc": (1, t, 192),
                "h.2.mlp_gelu": (1, t, 192), "ln_f": (1, t, c), "logits": (1, t, 3), "probs": (1, t, 3)}
    for name, shape in expected.items():
        assert trace[name].shape == shape, name
    with pytest.raises(MMError, match="no intermediate named 'h.9.q'"):
        trace["h.9.q"]


def test_intermediates_compose_into_each_other():
    params = sorter_params()
    tr = sorter_trace("CCBAAB")
    assert tr.arrays["_h.0.in"] is not None
    np.testing.assert_allclose(tr["emb"], tr["tok_emb"] + tr["pos_emb"], atol=1e-6)
    for layer in range(3):
        n, p = f"h.{layer}.", f"transformer.h.{layer}."
        probs = tr[n + "att_probs"][0]
        np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
        assert np.all(np.triu(probs, k=1) == 0), "attention must be causal"
        np.testing.assert_allclose(tr[n + "att_scores"][0], tr[n + "q"][0] @ tr[n + "k"][0].transpose(0, 2, 1) / 4,
                                   rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(tr[n + "head_out"][0], probs @ tr[n + "v"][0], atol=1e-5)
        np.testing.assert_allclose(tr[n + "mlp_gelu"], gelu_tanh(tr[n + "mlp_fc"]), atol=1e-6)
        ln2, _, _ = layer_norm(tr[n + "resid_attn"], params[p + "ln_2.weight"], params[p + "ln_2.bias"], 1e-5)
        np.testing.assert_allclose(tr[n + "ln_2"], ln2, atol=1e-5)
        np.testing.assert_allclose(tr[n + "out"], tr[n + "resid_attn"] + tr[n + "mlp_proj"], atol=1e-6)
    previous = tr["h.0.resid_attn"] - tr["h.0.attn_proj"]
    np.testing.assert_allclose(previous, tr["emb"], atol=1e-6)
    np.testing.assert_allclose(tr["probs"].sum(-1), 1.0, atol=1e-6)


def test_gelu_is_the_tanh_form():
    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    # values of 0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3))) computed by hand
    np.testing.assert_allclose(gelu_tanh(x), [-0.0036374, -0.1588080, 0.0, 0.3457140, 1.9545977], atol=1e-6)


def test_bad_inputs_are_named():
    params = sorter_params()
    with pytest.raises(MMError, match="expected 1 to block_size=11"):
        forward(params, np.zeros((1, 12), dtype=int))
    with pytest.raises(MMError, match=r"token ids must lie in 0..2, got 0..3"):
        forward(params, np.array([[0, 3]]))
    broken = dict(params)
    broken["lm_head.weight"] = np.zeros((48, 3), np.float32)
    with pytest.raises(MMError, match=r"'lm_head.weight' has shape \(48, 3\), expected \(3, 48\)"):
        forward(broken, np.array([[0, 1]]))
