"""The numpy BERT pieces on a small random model: known values, shapes, head slicing, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmcore.bert import model as bm
from mmcore.errors import MMError

CFG = bm.BertConfig(vocab_size=20, hidden=12, layers=2, heads=3, intermediate=24)


@pytest.fixture(scope="module")
def bert():
    return bm.Bert(CFG, bm.random_tensors(CFG, seed=1, scale=0.3))


def test_gelu_is_exact_erf_gelu():
    x = np.array([-3.0, -1.0, 0.0, 1.0, 2.0], np.float32)
    expected = [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.tolist()]
    np.testing.assert_allclose(bm.gelu(x), expected, rtol=1e-6, atol=1e-7)
    assert bm.gelu(np.float32([1.0]))[0] == pytest.approx(0.8413447, abs=1e-6)  # differs from tanh-GELU's 0.8411920


def test_layer_norm_and_softmax():
    x = np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 10.0, 10.0, 10.0]], np.float32)
    y = bm.layer_norm(x, np.ones(4), np.zeros(4), 1e-12)
    np.testing.assert_allclose(y[0], (x[0] - 2.5) / math.sqrt(1.25), rtol=1e-6)
    np.testing.assert_allclose(y[1], 0, atol=1e-6)
    p = bm.softmax(np.array([[0.0, math.log(3.0)], [1000.0, 1000.0]]))
    np.testing.assert_allclose(p, [[0.25, 0.75], [0.5, 0.5]], rtol=1e-6)


def test_forward_shapes_and_layer_norm_output(bert):
    trace = bm.forward(bert, [2, 5, 7, 3, 1])
    assert len(trace.hidden) == 3 and all(h.shape == (5, 12) for h in trace.hidden)
    assert trace.attention[1].shape == (3, 5, 5)
    np.testing.assert_allclose(trace.attention[0].sum(axis=-1), 1, rtol=1e-6)
    # every layer ends in LayerNorm with weight 1, bias 0: rows have mean 0 and variance 1
    np.testing.assert_allclose(trace.hidden[2].mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(trace.hidden[2].var(axis=1), 1, rtol=1e-4)
    assert len(bm.forward(bert, [2, 3], layers=1).hidden) == 2


def test_head_slices_add_up_to_the_layer_attention(bert):
    x = bm.forward(bert, [4, 9, 1, 3]).hidden[1]
    out, probs = bm.self_attention(bert, 1, x)
    total = np.zeros_like(out)
    for h in range(CFG.heads):
        w = bm.head_weights(bert, 1, h)
        assert w.wq.shape == (12, 4) and w.bq.shape == (4,) and w.wo.shape == (4, 12)
        q, k, v = x @ w.wq + w.bq, x @ w.wk + w.bk, x @ w.wv + w.bv
        p = bm.softmax(q @ k.T / math.sqrt(4))
        np.testing.assert_allclose(p, probs[h], rtol=1e-5, atol=1e-6)
        total += p @ v @ w.wo
    np.testing.assert_allclose(total + bert["encoder.layer.1.attention.output.dense.bias"], out, rtol=1e-5, atol=1e-5)


def test_mean_pool_is_unit_mean(bert):
    h = np.array([[3.0, 0.0], [1.0, 0.0], [2.0, 3.0]], np.float32)
    np.testing.assert_allclose(bm.mean_pool(h, normalize=False), [2.0, 1.0])
    np.testing.assert_allclose(bm.mean_pool(h), np.array([2.0, 1.0]) / math.sqrt(5), rtol=1e-6)


def test_errors(bert):
    with pytest.raises(MMError, match="outside the vocabulary of 20"):
        bm.forward(bert, [1, 25])
    with pytest.raises(MMError, match=r"layer 2, head 0 does not exist; expected layer 0..1 and head 0..2"):
        bm.head_weights(bert, 2, 0)
    with pytest.raises(MMError, match="hidden_act 'relu' is not supported"):
        bm.BertConfig.from_dict({"hidden_act": "relu"})
    tensors = bm.random_tensors(CFG)
    tensors["embeddings.word_embeddings.weight"] = np.zeros((20, 8), np.float32)
    with pytest.raises(MMError, match=r"has shape \(20, 8\), expected \(20, 12\)"):
        bm.Bert(CFG, tensors)


def test_minilm_directory_errors(tmp_path, monkeypatch):
    from mmcore.bert import minilm

    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(MMError, match=r"lacks model.safetensors, vocab.txt; expected the model directory"):
        minilm.load_minilm(tmp_path)
    monkeypatch.setenv(minilm.ENV_VAR, str(tmp_path))  # an incomplete directory is passed over
    assert minilm.find_model_dir() != tmp_path
