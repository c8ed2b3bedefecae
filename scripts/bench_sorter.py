"""Benchmark of the nano-GPT sorter (mmcore.models): median wall and CPU time of each operation.

Targets: a training step well under 300 ms (2000 steps in under 10 minutes); a forward pass with
every intermediate and a head expression fast enough for a live cell.

Run:  OPENBLAS_NUM_THREADS=1 nice .venv/bin/python scripts/bench_sorter.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import mmcore  # noqa: E402
from mmcore.models import (SORTER_CONFIG, all_inputs, count_correct, forward, sorter_head,  # noqa: E402
                           sorter_params, sorter_trace)
from mmcore.models._backward import loss_and_grads  # noqa: E402
from mmcore.models._gpt import decayed_names  # noqa: E402
from mmcore.models._optim import AdamWSettings, adamw_init, adamw_step, clip_grad_norm  # noqa: E402
from mmcore.models._sorting import sort_examples  # noqa: E402
from mmcore.models._weights import _shipped, load_weights  # noqa: E402
from engine_bench import median_times as median_time  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    params = sorter_params()
    rng = np.random.default_rng(0)
    x, y = sort_examples(all_inputs()[rng.integers(0, 729, 64)])
    state, decayed = adamw_init(params), decayed_names(SORTER_CONFIG)

    def train_step():
        trace = forward(params, x, dropout=0.1, rng=rng)
        _, grads = loss_and_grads(params, trace, y)
        grads, _ = clip_grad_norm(grads, 1.0)
        adamw_step(params, grads, state, AdamWSettings(), decayed=decayed)

    cases = [
        ("load shipped weights (.npz)", load_weights),
        ("forward, 1 x 11 tokens, all intermediates", lambda: forward(params, x[:1])),
        ("sorter_trace('CBABCA') (greedy + forward)", lambda: sorter_trace("CBABCA")),
        ("sorter_head(1, 2) expression", lambda: sorter_head(1, 2, "CBABCA")),
        ("sorter_head(1, 2) + mmcore.layout", lambda: mmcore.layout(sorter_head(1, 2, "CBABCA"))),
        ("train step (batch 64: fwd + bwd + clip + AdamW)", train_step),
        ("count_correct, 729 inputs (teacher-forced)", lambda: count_correct(params)),
        ("count_correct, 729 inputs (greedy decoding)", lambda: count_correct(params, greedy=True)),
    ]
    _shipped.cache_clear()
    for label, fn in cases:
        wall, cpu = median_time(fn, args.repeats)
        print(f"{label:50s} wall {wall * 1000:8.1f} ms   cpu {cpu * 1000:8.1f} ms", flush=True)


if __name__ == "__main__":
    main()
