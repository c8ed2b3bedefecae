"""The WordPiece tokenizer: rules on a hand-made vocabulary, ids on the real one when present."""

from __future__ import annotations

import json

import pytest

from mmcore.bert.wordpiece import WordPiece, basic_tokenize
from mmcore.errors import MMError

TINY = WordPiece.from_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "aff", "##a",
                              "play", "##ing", "##s", "the", "cafe", ",", "!", "'", "s", "大"])


def test_greedy_longest_match_first():
    assert TINY.split_word("unaffable") == ("un", "##aff", "##able")
    assert TINY.split_word("playing") == ("play", "##ing")
    assert TINY.split_word("plays") == ("play", "##s")
    assert TINY.split_word("playx") == ("[UNK]",)  # one unmatched piece makes the whole word unknown
    assert TINY.split_word("p" * 101) == ("[UNK]",)


def test_basic_tokenizer_lowercases_strips_accents_splits_punctuation():
    assert basic_tokenize("The CAFÉ, it's!") == ["the", "cafe", ",", "it", "'", "s", "!"]
    assert basic_tokenize("a\tb\u00a0c\x00d\u200b") == ["a", "b", "cd"]  # tab/nbsp split, NUL and ZWSP (Cf) dropped
    assert basic_tokenize("x大y") == ["x", "大", "y"]  # CJK ideographs stand alone
    assert basic_tokenize("$5^`~") == ["$", "5", "^", "`", "~"]  # all ASCII symbols count as punctuation


def test_encode_adds_specials_and_checks_length():
    enc = TINY.encode("Playing, the CAFÉ!")
    assert enc.tokens == ("[CLS]", "play", "##ing", ",", "the", "cafe", "!", "[SEP]")
    assert enc.ids == (2, 9, 10, 14, 12, 13, 15, 3)
    with pytest.raises(MMError, match=r"has 8 tokens with \[CLS\] and \[SEP\]; expected at most 4"):
        TINY.encode("Playing, the CAFÉ!", max_tokens=4)
    with pytest.raises(MMError, match=r"no \[UNK\] token"):
        WordPiece.from_tokens(["[CLS]", "[SEP]"])


def test_real_vocab_matches_tokenizer_json(model_dir):
    tok = WordPiece.from_file(model_dir / "vocab.txt")
    reference = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    assert len(tok.tokens) == len(reference) == 30522
    assert all(reference[t] == i for i, t in enumerate(tok.tokens))


def test_real_vocab_known_ids(model_dir):
    tok = WordPiece.from_file(model_dir / "vocab.txt")
    assert tok.encode("Hello, world!").ids == (101, 7592, 1010, 2088, 999, 102)
    # the uncased vocabulary has "una", so greedy longest-match starts there (BERT's cased example differs)
    assert tok.tokenize("unaffable") == ("una", "##ffa", "##ble")
    assert tok.tokenize("embeddings") == ("em", "##bed", "##ding", "##s")
    assert tok.tokenize("It's so sunny outside!") == ("it", "'", "s", "so", "sunny", "outside", "!")
    assert tok.tokenize("Naïve résumé") == ("naive", "resume")
