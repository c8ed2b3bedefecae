"""The sorting task: letters to tokens, the training data, greedy decoding and accuracy.

Inputs are 6 letters from A, B, C (tokens 0, 1, 2). The model reads the input followed by the
sorted letters produced so far, and predicts the next sorted letter (minGPT's ``SortDataset``).

Examples:
    >>> encode("CBABBC").tolist()
    [2, 1, 0, 1, 1, 2]
    >>> decode([0, 1, 1, 1, 2, 2])
    'ABBBCC'
    >>> all_inputs().shape
    (729, 6)
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np

from ..errors import MMError
from ._forward import forward
from ._gpt import SORTER_CONFIG, GPTConfig

__all__ = ["ALPHABET", "LENGTH", "encode", "decode", "all_inputs", "is_holdout", "sort_examples",
           "greedy_sort", "count_correct"]

ALPHABET = "ABC"
LENGTH = 6


def encode(text: str) -> np.ndarray:
    """Letters A/B/C to token ids 0/1/2 (int64 vector)."""
    bad = sorted(set(text) - set(ALPHABET))
    if bad or not text:
        raise MMError(f"sorter input must be letters from {ALPHABET!r}, got {text!r}")
    return np.array([ALPHABET.index(ch) for ch in text], dtype=np.int64)


def decode(tokens) -> str:
    """Token ids 0/1/2 back to letters."""
    return "".join(ALPHABET[int(t)] for t in tokens)


def all_inputs(length: int = LENGTH, num_digits: int = len(ALPHABET)) -> np.ndarray:
    """Every possible input, in lexicographic order: shape (num_digits**length, length)."""
    return np.array(list(itertools.product(range(num_digits), repeat=length)), dtype=np.int64)


def is_holdout(inputs: np.ndarray) -> np.ndarray:
    """Deterministic 25 % test split (CRC-32 of the int64 bytes, modulo 4 == 0) per input row.

    minGPT used Python's salted ``hash``; this is the reproducible replacement.
    """
    rows = np.ascontiguousarray(np.atleast_2d(inputs).astype("<i8"))
    return np.array([zlib.crc32(r.tobytes()) % 4 == 0 for r in rows])


def sort_examples(inputs: np.ndarray, config: GPTConfig = SORTER_CONFIG) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs and targets for rows of ``inputs``: ``x = (inp ++ sorted)[:-1]``,
    ``y = (inp ++ sorted)[1:]`` with the first ``length - 1`` targets set to -1 (no loss)."""
    inputs = np.atleast_2d(inputs)
    length = inputs.shape[1]
    if 2 * length - 1 != config.block_size:
        raise MMError(f"inputs of length {length} need block_size {2 * length - 1}, model has {config.block_size}")
    cat = np.concatenate([inputs, np.sort(inputs, axis=1)], axis=1)
    x, y = cat[:, :-1].copy(), cat[:, 1:].copy()
    y[:, :length - 1] = -1
    return x, y


def greedy_sort(params: dict[str, np.ndarray], inputs, config: GPTConfig = SORTER_CONFIG) -> np.ndarray:
    """Let the model sort each row of ``inputs`` by greedy decoding (argmax, one token at a time)."""
    seq = np.atleast_2d(np.asarray(inputs, dtype=np.int64))
    length = seq.shape[1]
    for _ in range(length):
        logits = forward(params, seq[:, -config.block_size:], config)["logits"][:, -1]
        seq = np.concatenate([seq, logits.argmax(axis=-1)[:, None]], axis=1)
    return seq[:, length:]


def count_correct(params: dict[str, np.ndarray], inputs=None, config: GPTConfig = SORTER_CONFIG, *,
                  greedy: bool = False) -> int:
    """How many rows of ``inputs`` (default: all 729) the model sorts exactly right by greedy decoding.

    By default this takes one teacher-forced pass: a row counts when, at each of the 6 output
    positions, the argmax given the *correct* prefix is the correct letter. That is exactly the
    condition for greedy decoding to be right (by induction over the positions: a greedy run stays on
    the correct prefix as long as every argmax is right), at a sixth of the cost, which matters in
    Pyodide. ``greedy=True`` decodes for real.
    """
    inputs = all_inputs() if inputs is None else np.atleast_2d(np.asarray(inputs, dtype=np.int64))
    if greedy:
        got = greedy_sort(params, inputs, config)
        return int((got == np.sort(inputs, axis=1)).all(axis=1).sum())
    x, y = sort_examples(inputs, config)
    length = inputs.shape[1]
    predicted = forward(params, x, config)["logits"][:, length - 1:].argmax(axis=-1)
    return int((predicted == y[:, length - 1:]).all(axis=1).sum())
