"""Train the nano-GPT sorter with numpy and write mmcore/models/data/sorter.npz (+ sorter.json).

Usage (from the repository root; ~2 minutes on one core):

    nice .venv/bin/python scripts/train_sorter.py            # minGPT recipe, seed 3407
    nice .venv/bin/python scripts/train_sorter.py --iters 200 --out /some/dir   # quick trial

The run is deterministic for a given seed and numpy build. It prints the loss every 100 steps,
the training time, and greedy-decoding accuracy on all 729 inputs (and on the 25 % held out).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def format_meta(meta: dict) -> str:
    """Indented JSON with every short list of numbers (a loss-curve point, a count) on one line."""
    import json
    import re

    text = json.dumps(meta, indent=1)
    return re.sub(r"\[\s*([-\d.e]+),\s*([-\d.e]+)\s*\]", r"[\1, \2]", text) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=3407)
    parser.add_argument("--iters", type=int, default=2000)
    parser.add_argument("--all-inputs", action="store_true",
                        help="train on all 729 inputs (default: hold out the 25 %% test split)")
    parser.add_argument("--threads", type=int, default=1, help="numpy/BLAS threads (1 or 2)")
    parser.add_argument("--out", type=Path, default=REPO / "mmcore" / "models" / "data",
                        help="directory for sorter.npz and sorter.json")
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    sys.path.insert(0, str(REPO))

    import hashlib
    import json
    import platform
    import time

    import numpy as np

    from mmcore.models._gpt import SORTER_CONFIG, count_params
    from mmcore.models._sorting import all_inputs, count_correct, is_holdout
    from mmcore.models._train import TrainSettings, train
    from mmcore.models._weights import save_weights

    settings = TrainSettings(seed=args.seed, iters=args.iters, holdout=not args.all_inputs)
    print(f"training gpt-nano sorter: {settings}", flush=True)
    start = time.perf_counter()
    result = train(settings, on_log=lambda step, loss: print(f"step {step:5d}  loss {loss:.5f}", flush=True))
    seconds = time.perf_counter() - start
    inputs = all_inputs()
    held = is_holdout(inputs)
    correct = count_correct(result.params, inputs, greedy=True)
    correct_held = count_correct(result.params, inputs[held], greedy=True)
    print(f"trained {settings.iters} steps in {seconds:.1f} s ({1000 * seconds / settings.iters:.1f} ms/step)")
    print(f"greedy sorts correct: {correct}/{len(inputs)} all inputs, "
          f"{correct_held}/{int(held.sum())} held-out inputs (never trained on: {settings.holdout})")

    args.out.mkdir(parents=True, exist_ok=True)
    npz = args.out / "sorter.npz"
    save_weights(result.params, npz)
    meta = {
        "model": "minGPT gpt-nano on the sort task (A=0, B=1, C=2; 6 inputs)",
        "config": SORTER_CONFIG.__dict__,
        "parameters": count_params(result.params),
        "settings": {**{k: v for k, v in settings.__dict__.items() if k != "adamw"},
                     "adamw": settings.adamw.__dict__},
        "regenerate": "nice .venv/bin/python scripts/train_sorter.py" + (" --all-inputs" if args.all_inputs else "")
                      + (f" --seed {args.seed}" if args.seed != 3407 else "")
                      + (f" --iters {args.iters}" if args.iters != 2000 else ""),
        "loss_curve": [[s, round(float(v), 6)] for s, v in result.losses],
        "correct_all": [correct, len(inputs)],
        "correct_held_out": [correct_held, int(held.sum())],
        "train_seconds": round(seconds, 1),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "npz_bytes": npz.stat().st_size,
        "npz_sha256": hashlib.sha256(npz.read_bytes()).hexdigest(),
    }
    (args.out / "sorter.json").write_text(format_meta(meta))
    print(f"wrote {npz.name} ({meta['npz_bytes']} bytes) and sorter.json to {args.out}")
    return 0 if correct == len(inputs) else 1


if __name__ == "__main__":
    sys.exit(main())
