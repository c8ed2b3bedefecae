"""Real attention heads of all-MiniLM-L6-v2: weights and input activations saved in a small ``.npz``.

``scripts/extract_minilm.py`` runs the numpy BERT on a few English sentences and saves, for one
layer, every head's ``Wq``, ``Wk``, ``Wv`` (hidden×32, as in ``x @ W``), biases and ``Wo`` slice
(32×hidden), plus the layer's input activations per sentence, its attention-sublayer output (to
check against) and the tokens. The site ships the file (``docs/assets/weights/minilm/``); this
module reads it back, in CPython from the repository, in the browser from a URL or bytes.

Keys of the file (float32 unless said): ``L{l}.h{h}.wq|wk|wv`` (H×d), ``L{l}.h{h}.bq|bk|bv`` (1×d),
``L{l}.h{h}.wo`` (d×H), ``L{l}.bo`` (1×H), ``L{l}.s{i}.x`` (T×H, the layer's input),
``L{l}.s{i}.attn_out`` (T×H, attention output before the residual), ``s{i}.tokens`` (str),
``s{i}.ids`` (int32), ``sentences`` (str) and ``meta`` (JSON text).

Examples:
    >>> head = minilm_head(layer=0, head=2, sentence=0)   # the committed file
    >>> head.tokens
    ('[CLS]', 'the', 'weather', 'is', 'lovely', 'today', '.', '[SEP]')
    >>> head.x.shape, head.wq.shape, head.wo.shape
    ((8, 384), (384, 32), (32, 384))
    >>> [int(i) for i in head.weights().argmax(axis=1)]   # a previous-token head
    [0, 0, 1, 2, 3, 4, 5, 6]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from mmcore.bert._shipped import ShippedFile, read_npz
from mmcore.errors import MMError

__all__ = ["DEFAULT_FILE", "AttentionHead", "HeadFile", "load_heads", "fetch_heads", "minilm_head", "head_file_path"]

DEFAULT_FILE = "all-minilm-l6-v2-heads.npz"




def head_file_path() -> Path:
    """Where the repository keeps the extracted heads (``docs/assets/weights/minilm/…``)."""
    return _FILE.repository_path()


def default_source():
    """The shipped heads file: a repository path in CPython, its site URL in the browser worker."""
    return _FILE.default_source()


def _softmax_rows(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class AttentionHead:
    """One head of one layer on one sentence, with the arrays ``x @ W`` uses.

    ``q() = x @ wq + bq``; ``weights() = softmax(q kᵀ / √d)`` row by row; ``output() = weights @ v @ wo``
    is the head's share of the attention output (the sum over heads plus ``bo`` gives the layer's).
    """

    layer: int
    head: int
    sentence: str
    tokens: tuple[str, ...]
    x: np.ndarray
    wq: np.ndarray
    wk: np.ndarray
    wv: np.ndarray
    bq: np.ndarray
    bk: np.ndarray
    bv: np.ndarray
    wo: np.ndarray

    @property
    def head_dim(self) -> int:
        return self.wq.shape[1]

    def q(self) -> np.ndarray:
        return (self.x @ self.wq + self.bq).astype(np.float32)

    def k(self) -> np.ndarray:
        return (self.x @ self.wk + self.bk).astype(np.float32)

    def v(self) -> np.ndarray:
        return (self.x @ self.wv + self.bv).astype(np.float32)

    def scores(self) -> np.ndarray:
        """``q kᵀ / √d`` (T×T) before the softmax."""
        return (self.q().astype(np.float64) @ self.k().T / math.sqrt(self.head_dim)).astype(np.float32)

    def weights(self) -> np.ndarray:
        """Attention weights (T×T): row ``i`` says how much token ``i`` reads from each token."""
        return _softmax_rows(self.scores().astype(np.float64)).astype(np.float32)

    def output(self) -> np.ndarray:
        """``weights @ v @ wo`` (T×H)."""
        return (self.weights().astype(np.float64) @ self.v() @ self.wo).astype(np.float32)

    def with_bias_column(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``x1 = [x | 1]`` (T×(H+1)) and ``wq1 = [wq; bq]`` etc., so ``x1 @ wq1 == q()`` exactly: biases as matmul."""
        ones = np.ones((self.x.shape[0], 1), np.float32)
        x1 = np.hstack([self.x, ones])
        return (x1, np.vstack([self.wq, self.bq]), np.vstack([self.wk, self.bk]), np.vstack([self.wv, self.bv]))

    def expression(self, *, bias: bool = True):
        """The head as an mmcore expression: ``out = (attn = Q @ K_t) @ V @ wO`` with mm's
        ``softmax(x/sqrt(k))`` epilog on ``attn`` (k = head dim, so it is the real scaling).

        With ``bias=True`` the biases ride along as a column of ones in ``x`` and a last row in
        each ``W`` (exact); ``bias=False`` drops them (an approximation, closer to mm's GPT-2 files).
        """
        import mmcore

        if bias:
            x, wq, wk, wv = self.with_bias_column()
        else:
            x, wq, wk, wv = self.x, self.wq, self.wk, self.wv
        X, Xt = mmcore.matrix("x", x), mmcore.matrix("x_t", x.T)   # mm's GPT-2 explorer names
        Q = (X @ mmcore.matrix("wQ", wq)).named("Q")
        Kt = (mmcore.matrix("wK_t", wk.T) @ Xt).named("K_t")
        attn = (Q @ Kt).with_epilog("softmax(x/sqrt(k))").named("attn")
        V = (X @ mmcore.matrix("wV", wv)).named("V")
        return (attn @ V @ mmcore.matrix("wO", self.wo)).named("out")


@dataclass(frozen=True)
class HeadFile:
    """The contents of an extracted heads file (see the module docstring for its keys)."""

    arrays: Mapping[str, np.ndarray]
    meta: Mapping[str, object]

    @property
    def layers(self) -> tuple[int, ...]:
        return tuple(self.meta["layers"])

    @property
    def heads(self) -> int:
        return int(self.meta["heads"])

    @property
    def sentences(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.arrays["sentences"])

    def tokens(self, sentence: int) -> tuple[str, ...]:
        return tuple(str(t) for t in self.arrays[f"s{sentence}.tokens"])

    def sentence_index(self, sentence: int | str) -> int:
        texts = self.sentences
        if isinstance(sentence, str):
            if sentence not in texts:
                raise MMError(f"sentence {sentence!r} is not in the file; expected one of {list(texts)} "
                              "(or its index); other sentences need scripts/extract_minilm.py")
            return texts.index(sentence)
        if not 0 <= int(sentence) < len(texts):
            raise MMError(f"sentence {sentence} does not exist; expected 0..{len(texts) - 1}")
        return int(sentence)

    def head(self, layer: int, head: int, sentence: int | str = 0) -> AttentionHead:
        """One head of one layer on one of the stored sentences (index or text)."""
        if layer not in self.layers:
            raise MMError(f"layer {layer} was not extracted; the file holds layer(s) {list(self.layers)} "
                          "(run scripts/extract_minilm.py --layer N for another)")
        if not 0 <= head < self.heads:
            raise MMError(f"head {head} does not exist; expected 0..{self.heads - 1}")
        i = self.sentence_index(sentence)
        a, p = self.arrays, f"L{layer}.h{head}."
        return AttentionHead(layer, head, self.sentences[i], self.tokens(i), a[f"L{layer}.s{i}.x"],
                             a[p + "wq"], a[p + "wk"], a[p + "wv"], a[p + "bq"], a[p + "bk"], a[p + "bv"],
                             a[p + "wo"])


def parse_heads(data: bytes) -> HeadFile:
    """A :class:`HeadFile` from the bytes of a heads ``.npz``."""
    arrays, meta = read_npz(data, what="the heads file", required=("sentences",),
                            script="scripts/extract_minilm.py")
    return HeadFile(arrays, meta)


_FILE = ShippedFile(DEFAULT_FILE, parse_heads, what=f"the heads file {DEFAULT_FILE}")


def load_heads(source=None, *, progress=None) -> HeadFile:
    """Read a heads file from a path, URL or bytes; by default the shipped copy (see ``default_source``)."""
    return _FILE.load(source, progress=progress)


async def fetch_heads(url=None, *, progress=None) -> HeadFile:
    """``load_heads`` without blocking the browser: ``heads = await mmcore.bert.fetch_heads()``."""
    return await _FILE.fetch(url, progress=progress)


def minilm_head(layer: int = 0, head: int = 2, sentence: int | str = 0, *, source=None) -> AttentionHead:
    """A real head of all-MiniLM-L6-v2 on a real sentence (from the extracted file)."""
    return load_heads(source).head(layer, head, sentence)
