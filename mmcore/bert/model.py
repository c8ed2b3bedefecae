"""A BERT encoder forward pass in numpy (inference only, one sentence at a time, no padding).

Weights are the ``BertModel`` tensors by their usual names (``embeddings.word_embeddings.weight``,
``encoder.layer.0.attention.self.query.weight``, …), for example read from a ``model.safetensors``
with ``mmcore.io.load_tensors``. Linear weights are stored (out, in), so a layer computes
``x @ W.T + b``; :func:`head_weights` hands out one head's slices the way ``x @ W`` uses them.

Example (a random two-layer model, just to show the calls):
    >>> import numpy as np
    >>> cfg = BertConfig(vocab_size=10, hidden=8, layers=2, heads=2, intermediate=16)
    >>> bert = Bert(cfg, random_tensors(cfg, seed=0))
    >>> trace = forward(bert, [2, 5, 7, 3])
    >>> trace.hidden[-1].shape, trace.attention[0].shape
    ((4, 8), (2, 4, 4))
    >>> hw = head_weights(bert, layer=1, head=0)
    >>> hw.wq.shape, hw.wo.shape
    ((8, 4), (4, 8))
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np

from mmcore.errors import MMError

__all__ = ["BertConfig", "Bert", "HeadWeights", "Trace", "layer_norm", "gelu", "softmax", "embed",
           "head_weights", "self_attention", "encoder_layer", "forward", "mean_pool", "random_tensors"]

_erf = np.vectorize(math.erf, otypes=[np.float64])


@dataclass(frozen=True)
class BertConfig:
    """The sizes of a BERT encoder (``config.json`` of Hugging Face's ``BertModel``)."""

    vocab_size: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    max_positions: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_act: str = "gelu"

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @classmethod
    def from_dict(cls, d: Mapping) -> "BertConfig":
        if d.get("hidden_act", "gelu") != "gelu":
            raise MMError(f"hidden_act {d['hidden_act']!r} is not supported; expected 'gelu' (exact, with erf)")
        if d.get("position_embedding_type", "absolute") != "absolute":
            raise MMError(f"position_embedding_type {d['position_embedding_type']!r}; expected 'absolute'")
        return cls(vocab_size=d["vocab_size"], hidden=d["hidden_size"], layers=d["num_hidden_layers"],
                   heads=d["num_attention_heads"], intermediate=d["intermediate_size"],
                   max_positions=d.get("max_position_embeddings", 512), type_vocab_size=d.get("type_vocab_size", 2),
                   layer_norm_eps=d.get("layer_norm_eps", 1e-12), hidden_act="gelu")

    @classmethod
    def from_file(cls, path) -> "BertConfig":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Bert:
    """A configuration and its named float32 tensors."""

    config: BertConfig
    tensors: Mapping[str, np.ndarray]

    def __post_init__(self):
        object.__setattr__(self, "tensors", MappingProxyType(dict(self.tensors)))
        cfg = self.config
        expected = {"embeddings.word_embeddings.weight": (cfg.vocab_size, cfg.hidden),
                    f"encoder.layer.{cfg.layers - 1}.output.dense.weight": (cfg.hidden, cfg.intermediate)}
        for name, shape in expected.items():
            if name not in self.tensors:
                raise MMError(f"BERT weights lack {name!r}; expected BertModel tensor names")
            if tuple(self.tensors[name].shape) != shape:
                raise MMError(f"BERT tensor {name!r} has shape {tuple(self.tensors[name].shape)}, expected {shape}")

    def __getitem__(self, name: str) -> np.ndarray:
        return self.tensors[name]


@dataclass(frozen=True)
class HeadWeights:
    """One attention head's weights as ``x @ W`` uses them: ``q = x @ wq + bq`` (hidden×d), ``wo`` d×hidden."""

    layer: int
    head: int
    wq: np.ndarray
    wk: np.ndarray
    wv: np.ndarray
    bq: np.ndarray
    bk: np.ndarray
    bv: np.ndarray
    wo: np.ndarray


@dataclass(frozen=True)
class Trace:
    """Everything a forward pass computed: ``hidden[0]`` is the embeddings' output (= layer 0's input),
    ``hidden[l + 1]`` layer ``l``'s output; ``attention[l]`` is (heads, T, T) softmax weights;
    ``attention_out[l]`` the attention sublayer's output before the residual."""

    ids: tuple[int, ...]
    hidden: tuple[np.ndarray, ...]
    attention: tuple[np.ndarray, ...]
    attention_out: tuple[np.ndarray, ...]


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """Per-row layer normalisation (population variance), then scale and shift."""
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=-1, keepdims=True)
    var = ((x64 - mean) ** 2).mean(axis=-1, keepdims=True)
    return ((x64 - mean) / np.sqrt(var + eps) * gamma + beta).astype(np.float32)


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU, ``x · Φ(x) = x/2 · (1 + erf(x/√2))``."""
    return (0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))).astype(np.float32)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax along ``axis``."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(np.float32)


def embed(bert: Bert, ids: Sequence[int], type_ids: Sequence[int] | None = None) -> np.ndarray:
    """Word + position + token-type embeddings, then LayerNorm: the input of layer 0, (T, hidden)."""
    cfg = bert.config
    ids = np.asarray(ids, dtype=np.int64)
    if ids.ndim != 1 or not 0 < len(ids) <= cfg.max_positions:
        raise MMError(f"token ids of shape {ids.shape}; expected 1 to {cfg.max_positions} ids in one row")
    if ids.min() < 0 or ids.max() >= cfg.vocab_size:
        raise MMError(f"token id {int(ids.max())} outside the vocabulary of {cfg.vocab_size}")
    types = np.zeros_like(ids) if type_ids is None else np.asarray(type_ids, dtype=np.int64)
    x = (bert["embeddings.word_embeddings.weight"][ids]
         + bert["embeddings.position_embeddings.weight"][: len(ids)]
         + bert["embeddings.token_type_embeddings.weight"][types])
    return layer_norm(x, bert["embeddings.LayerNorm.weight"], bert["embeddings.LayerNorm.bias"], cfg.layer_norm_eps)


def head_weights(bert: Bert, layer: int, head: int) -> HeadWeights:
    """One head's query, key, value and output slices of ``layer`` (see :class:`HeadWeights`)."""
    cfg = bert.config
    if not 0 <= layer < cfg.layers or not 0 <= head < cfg.heads:
        raise MMError(f"layer {layer}, head {head} does not exist; expected layer 0..{cfg.layers - 1} "
                      f"and head 0..{cfg.heads - 1}")
    p = f"encoder.layer.{layer}.attention."
    cols = slice(head * cfg.head_dim, (head + 1) * cfg.head_dim)

    def part(name: str) -> tuple[np.ndarray, np.ndarray]:
        return (np.ascontiguousarray(bert[p + f"self.{name}.weight"][cols].T),
                np.ascontiguousarray(bert[p + f"self.{name}.bias"][cols]))

    (wq, bq), (wk, bk), (wv, bv) = part("query"), part("key"), part("value")
    wo = np.ascontiguousarray(bert[p + "output.dense.weight"][:, cols].T)
    return HeadWeights(layer, head, wq, wk, wv, bq, bk, bv, wo)


def self_attention(bert: Bert, layer: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multi-head self-attention of ``layer`` on ``x`` (T, hidden): (output before residual, probs (heads, T, T))."""
    cfg = bert.config
    p = f"encoder.layer.{layer}.attention."
    T, d = x.shape[0], cfg.head_dim

    def project(name: str) -> np.ndarray:  # (heads, T, d)
        y = x @ bert[p + f"self.{name}.weight"].T + bert[p + f"self.{name}.bias"]
        return y.reshape(T, cfg.heads, d).transpose(1, 0, 2)

    q, k, v = project("query"), project("key"), project("value")
    probs = softmax(q @ k.transpose(0, 2, 1) / np.float32(math.sqrt(d)))
    context = (probs @ v).transpose(1, 0, 2).reshape(T, cfg.hidden)
    out = context @ bert[p + "output.dense.weight"].T + bert[p + "output.dense.bias"]
    return out.astype(np.float32), probs


def encoder_layer(bert: Bert, layer: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One post-LayerNorm encoder layer: (output, attention probs, attention output before residual)."""
    eps = bert.config.layer_norm_eps
    p = f"encoder.layer.{layer}."
    attn_out, probs = self_attention(bert, layer, x)
    h = layer_norm(x + attn_out, bert[p + "attention.output.LayerNorm.weight"],
                   bert[p + "attention.output.LayerNorm.bias"], eps)
    ff = gelu(h @ bert[p + "intermediate.dense.weight"].T + bert[p + "intermediate.dense.bias"])
    ff = ff @ bert[p + "output.dense.weight"].T + bert[p + "output.dense.bias"]
    out = layer_norm(h + ff, bert[p + "output.LayerNorm.weight"], bert[p + "output.LayerNorm.bias"], eps)
    return out, probs, attn_out


def forward(bert: Bert, ids: Sequence[int], *, layers: int | None = None) -> Trace:
    """Run the embeddings and the first ``layers`` layers (all by default) on one sentence's ids."""
    n = bert.config.layers if layers is None else layers
    x = embed(bert, ids)
    hidden, attention, attention_out = [x], [], []
    for layer in range(n):
        x, probs, attn_out = encoder_layer(bert, layer, x)
        hidden.append(x)
        attention.append(probs)
        attention_out.append(attn_out)
    return Trace(tuple(int(i) for i in ids), tuple(hidden), tuple(attention), tuple(attention_out))


def mean_pool(hidden: np.ndarray, *, normalize: bool = True) -> np.ndarray:
    """Sentence embedding: mean over all tokens ([CLS] and [SEP] included), then unit length."""
    v = hidden.astype(np.float64).mean(axis=0)
    if normalize:
        v = v / max(np.linalg.norm(v), 1e-12)
    return v.astype(np.float32)


def random_tensors(cfg: BertConfig, *, seed: int = 0, scale: float = 0.1) -> dict[str, np.ndarray]:
    """Random weights with BertModel's names and shapes (LayerNorm weights 1, biases 0): for tests."""
    rng = np.random.default_rng(seed)
    H, F = cfg.hidden, cfg.intermediate

    def w(*shape):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    t = {"embeddings.word_embeddings.weight": w(cfg.vocab_size, H),
         "embeddings.position_embeddings.weight": w(cfg.max_positions, H),
         "embeddings.token_type_embeddings.weight": w(cfg.type_vocab_size, H),
         "embeddings.LayerNorm.weight": np.ones(H, np.float32), "embeddings.LayerNorm.bias": np.zeros(H, np.float32)}
    for layer in range(cfg.layers):
        p = f"encoder.layer.{layer}."
        for name in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            t[p + name + ".weight"], t[p + name + ".bias"] = w(H, H), w(H)
        t[p + "intermediate.dense.weight"], t[p + "intermediate.dense.bias"] = w(F, H), w(F)
        t[p + "output.dense.weight"], t[p + "output.dense.bias"] = w(H, F), w(H)
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            t[p + name + ".weight"], t[p + name + ".bias"] = np.ones(H, np.float32), np.zeros(H, np.float32)
    return t
