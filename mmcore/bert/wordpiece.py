"""BERT's uncased WordPiece tokenizer, from a ``vocab.txt`` (one token per line, id = line number).

Two stages, as in BERT: the basic tokenizer (drop control characters, normalise white space, put
spaces around CJK ideographs, lowercase, strip accents, split off every punctuation character),
then WordPiece: each word is cut greedily into the longest vocabulary pieces, continuation pieces
carrying a ``##`` prefix; a word that cannot be cut (or is longer than 100 characters) becomes
``[UNK]``. ``encode`` adds ``[CLS]`` and ``[SEP]``.

Examples:
    >>> tok = WordPiece.from_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "play", "##ing", ","])
    >>> tok.tokenize("The cat, playing!")
    ('the', 'cat', ',', 'play', '##ing', '[UNK]')
    >>> tok.encode("the cat").ids
    (2, 4, 5, 3)
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from mmcore.errors import MMError

__all__ = ["WordPiece", "Encoding", "basic_tokenize"]

MAX_WORD_CHARS = 100


@dataclass(frozen=True)
class Encoding:
    """Tokens of one sentence with their vocabulary ids (``[CLS]`` … ``[SEP]`` included)."""

    tokens: tuple[str, ...]
    ids: tuple[int, ...]


@dataclass(frozen=True)
class WordPiece:
    """A WordPiece vocabulary: ``tokens[i]`` has id ``i``."""

    tokens: tuple[str, ...]
    unk: str = "[UNK]"
    cls: str = "[CLS]"
    sep: str = "[SEP]"

    @classmethod
    def from_tokens(cls, tokens) -> "WordPiece":
        """A tokenizer over a sequence of tokens (their positions are the ids)."""
        tokens = tuple(tokens)
        for special in ("[UNK]", "[CLS]", "[SEP]"):
            if special not in tokens:
                raise MMError(f"the vocabulary has no {special} token; expected BERT's special tokens")
        return cls(tokens)

    @classmethod
    def from_file(cls, path) -> "WordPiece":
        """Read a BERT ``vocab.txt`` (UTF-8, one token per line)."""
        lines = Path(path).read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return cls.from_tokens(line.rstrip("\r") for line in lines)

    @property
    def ids(self) -> dict[str, int]:
        """Token -> id (built on first use and cached)."""
        cached = self.__dict__.get("_ids")
        if cached is None:
            cached = {t: i for i, t in reversed(list(enumerate(self.tokens)))}  # first occurrence wins
            object.__setattr__(self, "_ids", cached)
        return cached

    def tokenize(self, text: str) -> tuple[str, ...]:
        """Basic tokenization then WordPiece, without special tokens."""
        pieces: list[str] = []
        for word in basic_tokenize(text):
            pieces.extend(self.split_word(word))
        return tuple(pieces)

    def split_word(self, word: str) -> tuple[str, ...]:
        """Greedy longest-match-first split of one word into vocabulary pieces (``[UNK]`` if impossible)."""
        if len(word) > MAX_WORD_CHARS:
            return (self.unk,)
        vocab = self.ids
        pieces: list[str] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in vocab:
                    break
                end -= 1
            else:
                return (self.unk,)
            pieces.append(piece)
            start = end
        return tuple(pieces)

    def encode(self, text: str, *, max_tokens: int | None = None) -> Encoding:
        """``[CLS]`` + tokens + ``[SEP]`` with ids; ``max_tokens`` (specials included) raises when exceeded."""
        tokens = (self.cls, *self.tokenize(text), self.sep)
        if max_tokens is not None and len(tokens) > max_tokens:
            raise MMError(f"{text!r} has {len(tokens)} tokens with [CLS] and [SEP]; expected at most {max_tokens}")
        vocab = self.ids
        return Encoding(tokens, tuple(vocab[t] for t in tokens))


def basic_tokenize(text: str) -> list[str]:
    """BERT's basic tokenizer for uncased models: clean, lowercase, strip accents, split punctuation.

    >>> basic_tokenize("Héllo,  WORLD!  naïve")
    ['hello', ',', 'world', '!', 'naive']
    """
    cleaned = []
    for ch in text:
        code = ord(ch)
        if code == 0 or code == 0xFFFD or _is_control(ch):
            continue
        if _is_cjk(code):
            cleaned.append(f" {ch} ")
        else:
            cleaned.append(" " if _is_whitespace(ch) else ch)
    words: list[str] = []
    for word in "".join(cleaned).split():
        word = _strip_accents(word.lower())
        words.extend(_split_punctuation(word))
    return words


def _strip_accents(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if unicodedata.category(ch) != "Mn")


def _split_punctuation(word: str) -> list[str]:
    out: list[str] = []
    current = ""
    for ch in word:
        if _is_punctuation(ch):
            if current:
                out.append(current)
                current = ""
            out.append(ch)
        else:
            current += ch
    if current:
        out.append(current)
    return out


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf")


def _is_punctuation(ch: str) -> bool:
    code = ord(ch)
    # all non-letter/number ASCII counts as punctuation ("$", "^", "`" too), as in BERT
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(code: int) -> bool:
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0x2A700 <= code <= 0x2B73F or 0x2B740 <= code <= 0x2B81F or 0x2B820 <= code <= 0x2CEAF
            or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F)
