"""The numpy forward pass against all-MiniLM-L6-v2's known behaviour (skipped without the model files)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from mmcore.bert import heads, minilm
from mmcore.io import load_matrix
from mmcore.io.safetensors import read_header


def test_real_safetensors_header_and_tensor(model_dir):
    data = (model_dir / "model.safetensors").read_bytes()
    infos = read_header(data)
    assert len(infos) == 104  # 6 embedding tensors (position_ids included), 2 pooler tensors, 6 layers × 16
    assert infos["embeddings.word_embeddings.weight"].shape == (30522, 384)
    assert infos["embeddings.position_ids"].dtype == "I64"
    ids = load_matrix(data, key="embeddings.position_ids")
    assert ids.shape == (1, 512) and ids[0, :4].tolist() == [0, 1, 2, 3]
    wq = load_matrix(model_dir / "model.safetensors", key="encoder.layer.0.attention.self.query.weight",
                     shape=(384, 384))
    assert np.isfinite(wq).all() and 0.01 < float(np.abs(wq).mean()) < 1


def test_config(model):
    cfg = model.bert.config
    assert (cfg.layers, cfg.hidden, cfg.heads, cfg.head_dim, cfg.intermediate) == (6, 384, 12, 32, 1536)
    assert cfg.layer_norm_eps == 1e-12


def test_reproduces_the_published_similarity_matrix(model):
    """sentence-transformers' documentation prints this matrix for all-MiniLM-L6-v2 (4 decimals)."""
    sentences = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    e = np.array([minilm.sentence_embedding(model, s) for s in sentences])
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1, rtol=1e-6)
    published = [[1.0, 0.6660, 0.1046], [0.6660, 1.0, 0.1411], [0.1046, 0.1411, 1.0]]
    np.testing.assert_allclose(e @ e.T, published, atol=6e-5)


@pytest.mark.parametrize("anchor, related, unrelated", [
    ("A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby."),
    ("A man is riding a horse.", "A man is riding a white horse on an enclosed ground.", "A woman is playing violin."),
    ("A monkey is playing drums.", "Someone in a gorilla costume is playing a set of drums.",
     "Two men pushed carts through the woods."),
])
def test_related_sentences_are_closer(model, anchor, related, unrelated):
    a, r, u = (minilm.sentence_embedding(model, s) for s in (anchor, related, unrelated))
    assert float(a @ r) > 0.5 > 0.3 > float(a @ u)


def test_committed_heads_file_is_what_the_model_gives(model):
    committed = heads.load_heads()
    fresh = minilm.extract_heads(model, committed.layers, committed.sentences)
    assert json.loads(str(fresh.pop("meta")))["layers"] == list(committed.layers)
    assert sorted(fresh) == sorted(committed.arrays)
    for key, value in fresh.items():
        if value.dtype.kind in "US":
            assert value.tolist() == committed.arrays[key].tolist(), key
        else:
            np.testing.assert_allclose(committed.arrays[key], value, rtol=1e-5, atol=1e-6, err_msg=key)


def test_head_expression_pieces_match_the_forward_pass(model):
    enc, trace = minilm.run(model, "He drove to the stadium.", layers=1)
    for h, s in itertools.product((0, 2, 9), (2,)):
        head = heads.minilm_head(0, h, s)
        assert head.tokens == enc.tokens
        np.testing.assert_allclose(head.weights(), trace.attention[0][h], rtol=1e-4, atol=1e-6)
