"""The committed heads file: always present, so these run everywhere (no model package needed)."""

from __future__ import annotations

import numpy as np
import pytest

import mmcore
import mmcore.bert
from mmcore.bert import heads
from mmcore.errors import MMError
from mmcore.io import load_matrix


@pytest.fixture(scope="module")
def hf():
    return heads.load_heads()


def test_contents_and_attribution(hf):
    assert hf.meta["model"] == "sentence-transformers/all-MiniLM-L6-v2" and hf.meta["license"] == "Apache-2.0"
    assert hf.layers == (0,) and hf.heads == 12 and len(hf.sentences) == 4
    assert heads.head_file_path().stat().st_size < 3_000_000
    readme = (heads.head_file_path().parent / "README.md").read_text()
    assert "Apache License 2.0" in readme and "scripts/extract_minilm.py" in readme
    for i in range(4):
        tokens = hf.tokens(i)
        assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]" and len(tokens) <= 16
        assert hf.arrays[f"L0.s{i}.x"].shape == (len(tokens), 384)
        assert hf.arrays[f"s{i}.ids"][0] == 101 and hf.arrays[f"s{i}.ids"][-1] == 102


def test_heads_recombine_into_the_stored_attention_output(hf):
    """Sum over heads of softmax(q kᵀ/√32) v Wo, plus bo, equals the forward pass's attention output."""
    for s in range(len(hf.sentences)):
        total = sum(hf.head(0, h, s).output().astype(np.float64) for h in range(12)) + hf.arrays["L0.bo"]
        np.testing.assert_allclose(total, hf.arrays[f"L0.s{s}.attn_out"], rtol=1e-4, atol=2e-5)


def test_layer0_head2_reads_the_previous_token(hf):
    for s in range(len(hf.sentences)):
        w = hf.head(0, 2, s).weights()
        T = w.shape[0]
        assert all(w[i, i - 1] > 0.9 for i in range(1, T))


def test_bias_column_is_exact():
    head = mmcore.bert.minilm_head(0, 5, "It's so sunny outside!")
    x1, wq1, wk1, wv1 = head.with_bias_column()
    assert x1.shape == (9, 385) and wq1.shape == (385, 32)
    np.testing.assert_allclose(x1 @ wq1, head.q(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(x1 @ wv1, head.v(), rtol=1e-5, atol=1e-5)


def test_expression_values_match_the_head():
    head = mmcore.bert.minilm_head(0, 2, 0)
    expr = head.expression()
    assert expr.shape == (8, 384) and expr.text().startswith("out = ")
    scene = mmcore.layout(expr)
    np.testing.assert_allclose(scene.face("").values, head.output(), rtol=1e-3, atol=1e-4)


def test_load_matrix_reads_keys_of_the_file():
    wq = load_matrix(heads.head_file_path(), key="L0.h2.wq", shape=(384, 32))
    np.testing.assert_array_equal(wq, mmcore.bert.minilm_head(0, 2, 0).wq)
    with pytest.raises(MMError, match=r"dtype <U\d+; expected numbers"):
        load_matrix(heads.head_file_path(), key="s0.tokens")


def test_bytes_source_and_errors(hf):
    data = heads.head_file_path().read_bytes()
    head = heads.minilm_head(0, 11, 3, source=data)
    assert head.sentence == "The cat sat on the mat because it was tired."
    with pytest.raises(MMError, match=r"layer 3 was not extracted; the file holds layer\(s\) \[0\]"):
        hf.head(3, 0)
    with pytest.raises(MMError, match=r"head 12 does not exist; expected 0..11"):
        hf.head(0, 12)
    with pytest.raises(MMError, match=r"sentence 'Hello' is not in the file"):
        hf.head(0, 0, "Hello")
    with pytest.raises(MMError, match=r"expected the .npz written by scripts/extract_minilm.py"):
        heads.parse_heads(b"not a zip")
    with pytest.raises(MMError, match=r"cannot read the heads file"):
        heads.parse_heads(data[:1000])  # a truncated archive


def test_expression_names_and_faces():
    head = mmcore.bert.minilm_head(0, 2, 1)
    expr = head.expression()
    assert expr.text() == "out = (attn = (Q = x @ wQ) @ (K_t = wK_t @ x_t)) @ (V = x @ wV) @ wO"
    assert expr.left.left.epilog == "softmax(x/sqrt(k))" and expr.left.left.depth == 32
    np.testing.assert_allclose(mmcore.layout(expr).face("LL").values, head.weights(), rtol=1e-3, atol=1e-5)
    plain = head.expression(bias=False)  # biases dropped: a different (approximate) attention pattern
    assert plain.left.left.left.left.shape == (9, 384)
    q, k = head.x @ head.wq, head.x @ head.wk
    s = q @ k.T / np.sqrt(32)
    expected = np.exp(s - s.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(mmcore.layout(plain).face("LL").values, expected, rtol=1e-3, atol=1e-5)


def test_extract_minilm_keeps_the_intuition_section_of_the_readme(tmp_path, monkeypatch):
    import sys

    monkeypatch.syspath_prepend(str(heads.head_file_path().parents[4] / "scripts"))
    import extract_minilm

    shipped = heads.head_file_path().parent / "README.md"
    readme = tmp_path / "README.md"
    readme.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "model.safetensors").write_bytes(b"not the model")
    extract_minilm.write_readme(tmp_path / "x.npz", [0], ["one sentence."], tmp_path, ["--layer", "0"])
    text = readme.read_text(encoding="utf-8")
    assert text.count('## intuition.npz (the chapter "Attention, the intuition")') == 1
    assert text.count("## Regenerate") == 1 and "0. one sentence." in text
    assert text.index("## Regenerate") < text.index("## intuition.npz")
    assert "extract_minilm" in sys.modules
