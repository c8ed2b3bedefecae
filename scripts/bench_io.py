"""Benchmark mmcore.io and mmcore.bert in CPython: prints the median of several runs per case.

Cases: ``load_matrix`` of one matrix in each format (in memory, so disk speed does not count),
mm's GPT-2-style CSV (768×64, 19-digit floats), reading the shipped heads file, one
``minilm_head``, and, when the model files are present, loading all-MiniLM-L6-v2 and one
sentence embedding.

Usage:
    python scripts/bench_io.py            # 7 repeats
    python scripts/bench_io.py --repeat 3
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mmcore.io.safetensors as _safetensors  # noqa: E402
from mmcore.bert import heads, minilm  # noqa: E402
from mmcore.io import load_matrix  # noqa: E402


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def encoded(array: np.ndarray) -> dict[str, bytes]:
    npy, npz = io.BytesIO(), io.BytesIO()
    np.save(npy, array)
    np.savez(npz, w=array)
    csv = "\n".join(",".join(f"{v:.19f}" for v in row) for row in array.astype(np.float64)).encode()
    return {"npy": npy.getvalue(), "npz": npz.getvalue(), "safetensors": _safetensors.write_safetensors({"w": array}),
            "csv": csv}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    for shape in ((1024, 1024), (768, 64)):
        blobs = encoded(rng.standard_normal(shape).astype(np.float32))
        for fmt, blob in blobs.items():
            if fmt == "csv" and shape[0] == 1024:
                continue
            key = "w" if fmt in ("npz", "safetensors") else None
            ms = median_ms(lambda: load_matrix(blob, key=key, format=fmt), args.repeat)
            rows.append((f"load_matrix {fmt} {shape[0]}x{shape[1]} ({len(blob) / 1e6:.2f} MB)", ms))
    heads._FILE.clear()
    rows.append(("load_heads (shipped file, uncached)",
                 median_ms(lambda: heads.parse_heads(heads.head_file_path().read_bytes()), args.repeat)))
    rows.append(("minilm_head(0, 2, 3) + weights() (cached file)",
                 median_ms(lambda: heads.minilm_head(0, 2, 3).weights(), args.repeat)))
    if minilm.find_model_dir() is not None:
        rows.append(("load_minilm (90 MB safetensors)", median_ms(minilm.load_minilm, max(1, args.repeat // 2))))
        model = minilm.load_minilm()
        sentence = "The cat sat on the mat because it was tired."
        rows.append((f"sentence_embedding ({len(model.tokenizer.encode(sentence).ids)} tokens, 6 layers)",
                     median_ms(lambda: minilm.sentence_embedding(model, sentence), args.repeat)))
    else:
        print("(model files absent: run scripts/extract_minilm.py --download for the model cases)")
    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"{name:<{width}}  median {ms:8.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
