"""The MiniLM data of the chapter "Attention, the intuition": one small ``.npz`` the site ships.

``scripts/extract_minilm_intuition.py`` runs the numpy BERT on all-MiniLM-L6-v2 (Apache-2.0) and
saves ``docs/assets/weights/minilm/intuition.npz``; this module reads it back, in CPython from
the repository, in the browser from the site's URL (the same mechanism as :mod:`mmcore.bert.heads`).

Keys (float32 unless said):

- ``vocab.words`` (str, N), ``vocab.E`` (N×384 float16): input embedding rows of the most common
  whole-word tokens (and the chapter's words); ``analogy.full_words`` / ``analogy.full_cos``: the
  10 nearest tokens to ``E(king) − E(man) + E(woman)`` over the full vocabulary (float32 table);
- ``mole.sentences`` (str, S), ``mole.s{i}.tokens`` (str), ``mole.position`` (int32, S),
  ``mole.vectors`` (S × 7 × 384): the "mole" token's vector before layer 0 and after each layer;
- ``creature.tokens`` (str, T), ``creature.q`` / ``creature.k`` (6 × 12 × T × 32): every head's
  queries and keys (biases included); for the layer ``meta["layer"]``: ``creature.x`` (T×384,
  its input), ``creature.v`` (12 × T × 32), ``creature.wo`` (384×384 float16, as in
  ``concat @ wo``), ``creature.bo`` (384), ``creature.attn_out`` (T×384, the model's attention output);
- ``meta`` (JSON text): config, the extracted layer, and every MiniLM tensor's shape.

Examples:
    >>> data = load_intuition()
    >>> data.creature_tokens[:5]
    ('[CLS]', 'a', 'fluffy', 'blue', 'creature')
    >>> data.q(5, 6).shape, data.embedding("king").shape
    ((13, 32), (384,))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from mmcore.bert._shipped import ShippedFile, read_npz
from mmcore.errors import MMError

__all__ = ["DEFAULT_FILE", "ANALOGY", "MOLE_SENTENCES", "CREATURE", "Intuition", "load_intuition",
           "softmax_rows"]

DEFAULT_FILE = "intuition.npz"
ANALOGY = ("king", "man", "woman")
MOLE_SENTENCES = (
    "the mole dug a tunnel under the garden.",
    "the mole in the agency sold secrets to the enemy.",
    "the mole on her cheek was checked by a doctor.",
    "one mole of carbon weighs twelve grams.",
)
CREATURE = "a fluffy blue creature roamed the verdant forest"

def default_source():
    """The shipped file: a repository path in CPython, its site URL in the browser worker."""
    return _FILE.default_source()


def softmax_rows(scores: np.ndarray) -> np.ndarray:
    """Softmax of each row in float64 (−inf entries get weight 0), returned as float32."""
    s = np.asarray(scores, dtype=np.float64)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


@dataclass(frozen=True)
class Intuition:
    """The arrays of ``intuition.npz`` with a few named accessors (see the module docstring)."""

    arrays: Mapping[str, np.ndarray]
    meta: Mapping[str, object]

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(str(w) for w in self.arrays["vocab.words"])

    def table(self) -> np.ndarray:
        """The embedding rows of :attr:`words` as float32 (N×384)."""
        return self.arrays["vocab.E"].astype(np.float32)

    def embedding(self, word: str) -> np.ndarray:
        """The input embedding ``E(word)`` (float32, 384) of a word in the file's vocabulary."""
        words = self.words
        if word not in words:
            raise MMError(f"{word!r} is not among the {len(words)} words of {DEFAULT_FILE}; expected a common "
                          "lowercase English word such as 'king' (scripts/extract_minilm_intuition.py adds more)")
        return self.arrays["vocab.E"][words.index(word)].astype(np.float32)

    @property
    def mole_sentences(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.arrays["mole.sentences"])

    def mole_tokens(self, sentence: int) -> tuple[str, ...]:
        return tuple(str(t) for t in self.arrays[f"mole.s{sentence}.tokens"])

    @property
    def creature_tokens(self) -> tuple[str, ...]:
        return tuple(str(t) for t in self.arrays["creature.tokens"])

    @property
    def layer(self) -> int:
        """The layer whose values, input and output weights are in the file."""
        return int(self.meta["layer"])

    def _check(self, layer: int, head: int) -> None:
        layers, heads = int(self.meta["layers"]), int(self.meta["heads"])
        if not (0 <= layer < layers and 0 <= head < heads):
            raise MMError(f"layer {layer}, head {head} does not exist; expected layer 0..{layers - 1}, "
                          f"head 0..{heads - 1}")

    def q(self, layer: int, head: int) -> np.ndarray:
        """Queries (T×32) of one head on the creature sentence."""
        self._check(layer, head)
        return self.arrays["creature.q"][layer, head]

    def k(self, layer: int, head: int) -> np.ndarray:
        """Keys (T×32) of one head on the creature sentence."""
        self._check(layer, head)
        return self.arrays["creature.k"][layer, head]

    def attention(self, layer: int, head: int) -> np.ndarray:
        """The head's attention weights: ``softmax(q kᵀ / √32)`` row by row (T×T)."""
        q, k = self.q(layer, head).astype(np.float64), self.k(layer, head).astype(np.float64)
        return softmax_rows(q @ k.T / np.sqrt(q.shape[1]))

    def v(self, head: int) -> np.ndarray:
        """Values (T×32) of one head of :attr:`layer` on the creature sentence."""
        self._check(self.layer, head)
        return self.arrays["creature.v"][head]

    def wo(self, head: int | None = None) -> np.ndarray:
        """The output projection of :attr:`layer` (384×384, ``concat @ wo``) or one head's 32 rows of it."""
        w = self.arrays["creature.wo"].astype(np.float32)
        if head is None:
            return w
        self._check(self.layer, head)
        d = int(self.meta["head_dim"])
        return w[head * d:(head + 1) * d]

    def values_layer(self, layer: int) -> None:
        """Raise a clear error unless ``layer`` is the one whose values are stored."""
        if layer != self.layer:
            raise MMError(f"{DEFAULT_FILE} holds values and W_O for layer {self.layer} only, not {layer}; "
                          f"expected layer={self.layer} (or rerun scripts/extract_minilm_intuition.py --layer {layer})")


def parse_intuition(data: bytes) -> Intuition:
    """An :class:`Intuition` from the bytes of ``intuition.npz``."""
    arrays, meta = read_npz(data, what=DEFAULT_FILE, required=("vocab.E",),
                            script="scripts/extract_minilm_intuition.py")
    return Intuition(arrays, meta)


_FILE = ShippedFile(DEFAULT_FILE, parse_intuition, what=DEFAULT_FILE)


def load_intuition(source=None, *, progress=None) -> Intuition:
    """Read the chapter's file from a path, URL or bytes; by default the shipped copy (fetched once)."""
    return _FILE.load(source, progress=progress)
