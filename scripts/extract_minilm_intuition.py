"""Extract what the "Attention, the intuition" chapter needs from all-MiniLM-L6-v2 (no torch).

Runs the numpy BERT of ``mmcore.bert`` and writes ONE file,
``docs/assets/weights/minilm/intuition.npz`` (keys in ``mmcore/bert/intuition.py``):

- the input embedding rows of the most common whole-word tokens (float16) and, computed here over
  the full 30,522-token table in float32, the nearest tokens to ``E(king) - E(man) + E(woman)``;
- the contextual vectors of "mole" after every layer, in four sentences;
- the queries and keys of every head of every layer for "a fluffy blue creature roamed the verdant
  forest", and for one layer (default 5) the values, input, output weights (float16) and
  attention output;
- every tensor's shape and the config (to count parameters).

Usage (from the repository root; the model files come from ``scripts/extract_minilm.py --download``):
    python scripts/extract_minilm_intuition.py
    python scripts/extract_minilm_intuition.py --words 2000 --layer 5
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from mmcore.bert import minilm  # noqa: E402
from mmcore.bert._shipped import SITE_DIR  # noqa: E402
from mmcore.bert.intuition import ANALOGY, CREATURE, DEFAULT_FILE, MOLE_SENTENCES  # noqa: E402
from mmcore.bert.model import forward  # noqa: E402

FIRST_WORD_ID = 1996  # BERT's vocab.txt: "the" and the whole words after it, roughly most frequent first
EXTRA_WORDS = ("king", "man", "woman", "queen", "mole", "fluffy", "blue", "creature", "forest", "paris",
               "france", "italy", "rome", "berlin", "germany", "uncle", "aunt")  # the chapter's own words


def common_words(model: minilm.MiniLM, count: int) -> list[int]:
    """Ids of the first ``count`` whole-word (a-z only) tokens, plus the chapter's own words."""
    tokens = model.tokenizer.tokens
    ids = [i for i in range(FIRST_WORD_ID, len(tokens)) if re.fullmatch(r"[a-z]+", tokens[i])][:count]
    index = {t: i for i, t in enumerate(tokens)}
    for word in EXTRA_WORDS:
        if index[word] not in ids:
            ids.append(index[word])
    return ids


def analogy_full(model: minilm.MiniLM, top: int = 10) -> tuple[list[str], np.ndarray]:
    """Nearest tokens (cosine) to E(a) - E(b) + E(c) over the whole vocabulary, float32."""
    table = model.bert["embeddings.word_embeddings.weight"].astype(np.float64)
    index = {t: i for i, t in enumerate(model.tokenizer.tokens)}
    a, b, c = (table[index[w]] for w in ANALOGY)
    v = a - b + c
    cos = table @ v / (np.linalg.norm(table, axis=1) * np.linalg.norm(v))
    order = np.argsort(-cos, kind="stable")[:top]
    return [model.tokenizer.tokens[i] for i in order], cos[order].astype(np.float32)


def extract(model: minilm.MiniLM, *, words: int = 2000, layer: int = 5) -> dict[str, np.ndarray]:
    """The arrays of ``intuition.npz`` (see ``mmcore/bert/intuition.py``)."""
    bert, cfg = model.bert, model.bert.config
    out: dict[str, np.ndarray] = {}
    ids = common_words(model, words)
    out["vocab.words"] = np.array([model.tokenizer.tokens[i] for i in ids])
    out["vocab.E"] = bert["embeddings.word_embeddings.weight"][ids].astype(np.float16)
    full_words, full_cos = analogy_full(model)
    out["analogy.full_words"], out["analogy.full_cos"] = np.array(full_words), full_cos

    vectors, positions = [], []
    for i, sentence in enumerate(MOLE_SENTENCES):
        enc, trace = minilm.run(model, sentence)
        position = enc.tokens.index("mole")
        out[f"mole.s{i}.tokens"] = np.array(enc.tokens)
        positions.append(position)
        vectors.append(np.stack([h[position] for h in trace.hidden]))
    out["mole.sentences"] = np.array(MOLE_SENTENCES)
    out["mole.position"] = np.array(positions, dtype=np.int32)
    out["mole.vectors"] = np.stack(vectors).astype(np.float32)   # (sentences, layers + 1, hidden)

    enc = model.tokenizer.encode(CREATURE)
    trace = forward(bert, enc.ids)
    T, d = len(enc.ids), cfg.head_dim
    q = np.zeros((cfg.layers, cfg.heads, T, d), np.float32)
    k = np.zeros_like(q)
    for lay in range(cfg.layers):
        x, p = trace.hidden[lay], f"encoder.layer.{lay}.attention.self."
        for name, target in (("query", q), ("key", k)):
            y = x @ bert[p + name + ".weight"].T + bert[p + name + ".bias"]
            target[lay] = y.reshape(T, cfg.heads, d).transpose(1, 0, 2)
    out["creature.tokens"] = np.array(enc.tokens)
    out["creature.q"], out["creature.k"] = q, k
    x, p = trace.hidden[layer], f"encoder.layer.{layer}.attention."
    v = x @ bert[p + "self.value.weight"].T + bert[p + "self.value.bias"]
    out["creature.x"] = x.astype(np.float32)
    out["creature.v"] = v.reshape(T, cfg.heads, d).transpose(1, 0, 2).astype(np.float32)
    out["creature.wo"] = np.ascontiguousarray(bert[p + "output.dense.weight"].T).astype(np.float16)
    out["creature.bo"] = bert[p + "output.dense.bias"].astype(np.float32)
    out["creature.attn_out"] = trace.attention_out[layer].astype(np.float32)

    shapes = {name: list(t.shape) for name, t in sorted(bert.tensors.items())}
    meta = {"model": minilm.MODEL_NAME, "license": "Apache-2.0", "package": minilm.PACKAGE,
            "package_version": minilm.PACKAGE_VERSION, "script": "scripts/extract_minilm_intuition.py",
            "layer": layer, "words": words, "vocab_size": cfg.vocab_size, "hidden": cfg.hidden,
            "layers": cfg.layers, "heads": cfg.heads, "head_dim": d, "intermediate": cfg.intermediate,
            "max_positions": cfg.max_positions, "analogy": list(ANALOGY), "shapes": shapes}
    out["meta"] = np.array(json.dumps(meta, sort_keys=True))
    return out


README_SECTION = """## intuition.npz (the chapter "Attention, the intuition")

`intuition.npz` ({size:.1f} MB) holds what `docs/tutorial/attention-intuition.md` needs, computed from the
same model files by `scripts/extract_minilm_intuition.py` with the numpy BERT of `mmcore/bert/`:

- the input embedding rows (`embeddings.word_embeddings`) of the {words:,} most common whole-word
  tokens of the vocabulary (BERT's `vocab.txt` lists them roughly by frequency) plus the chapter's
  own words, and the ten nearest tokens to `E(king) − E(man) + E(woman)` over the full
  30,522-token table;
- the vector of the token "mole" before layer 0 and after each layer in four sentences;
- every head's queries and keys (6 layers × 12 heads) for "a fluffy blue creature roamed the
  verdant forest", and for layer {layer} its input, values, output weights `W_O` and bias, and
  the model's attention output (to check against);
- the model's config and the shape of every tensor (to count parameters).

The embedding rows and `W_O` are stored as **float16** (cosines and the attention output change
by less than 1e-3; the chapter prints the gap for `W_O`); everything else is float32. Keys and
shapes are documented in `mmcore/bert/intuition.py`; read it with
`mmcore.bert.intuition.load_intuition()`. This section is written by the script
(`scripts/extract_minilm.py` keeps it when it rewrites its own part of this README):

```bash
python scripts/extract_minilm_intuition.py
```
"""


def write_readme_section(readme: Path, *, size_mb: float, words: int, layer: int) -> None:
    """Add or replace this file's section (from its heading to the next ``## `` heading or the end)."""
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    section = README_SECTION.format(size=size_mb, words=words, layer=layer)
    heading = section.splitlines()[0]
    start = text.find(heading)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        nxt = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[nxt + 1:] if nxt >= 0 else "")
        text = text.replace(section + "## ", section + "\n## ")
    readme.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    from extract_minilm import save_npz  # the reproducible writer of the heads file

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, help="directory with model.safetensors, config.json, vocab.txt")
    parser.add_argument("--words", type=int, default=2000, help="common whole-word tokens to keep (default 2000)")
    parser.add_argument("--layer", type=int, default=5, help="layer whose values and W_O are kept (default 5)")
    parser.add_argument("--out", type=Path, default=ROOT.joinpath(*SITE_DIR, DEFAULT_FILE))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    model = minilm.load_minilm(args.model_dir)
    arrays = extract(model, words=args.words, layer=args.layer)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_npz(args.out, arrays)
    size = args.out.stat().st_size
    write_readme_section(args.out.parent / "README.md", size_mb=size / 1e6, words=args.words, layer=args.layer)
    print(f"wrote {args.out.name}: {len(arrays)} arrays, {size / 1e6:.2f} MB, in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
