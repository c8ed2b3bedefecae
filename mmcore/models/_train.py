"""Training the sorter with numpy: minGPT's recipe (seed 3407, AdamW 5e-4, betas 0.9/0.95,
weight decay 0.1 on Linear weights, clip 1.0, batch 64, 2000 iterations, dropout 0.1).

One ``numpy.random.default_rng(seed)`` drives everything in a fixed order (initial weights, then
per step the batch and the dropout masks), so the same settings give the same weights on the
same numpy build.

Example (a few steps only):
    >>> result = train(TrainSettings(iters=3, batch_size=8, log_every=1))
    >>> [step for step, _ in result.losses]
    [0, 1, 2]
    >>> 1.0 < result.losses[0][1] < 1.2
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ._backward import loss_and_grads
from ._forward import forward
from ._gpt import SORTER_CONFIG, GPTConfig, decayed_names, init_params
from ._optim import AdamWSettings, adamw_init, adamw_step, clip_grad_norm
from ._sorting import all_inputs, is_holdout, sort_examples

__all__ = ["TrainSettings", "TrainResult", "train"]


@dataclass(frozen=True)
class TrainSettings:
    """Everything that decides the trained weights."""

    seed: int = 3407
    iters: int = 2000
    batch_size: int = 64
    dropout: float = 0.1
    grad_clip: float = 1.0
    adamw: AdamWSettings = field(default_factory=AdamWSettings)
    holdout: bool = True
    """Train only on inputs outside the 25 % test split (as minGPT did); False trains on all 729."""
    log_every: int = 100


@dataclass(frozen=True)
class TrainResult:
    """Trained parameters and the loss curve as ``(step, batch loss)`` pairs."""

    params: dict = field(repr=False)
    losses: tuple[tuple[int, float], ...]
    settings: TrainSettings


def train(settings: TrainSettings = TrainSettings(), config: GPTConfig = SORTER_CONFIG,
          on_log: Callable[[int, float], None] | None = None) -> TrainResult:
    """Train a fresh model; call ``on_log(step, loss)`` every ``log_every`` steps and at the last."""
    rng = np.random.default_rng(settings.seed)
    params = init_params(config, rng)
    decayed = decayed_names(config)
    state = adamw_init(params)
    pool = all_inputs()
    if settings.holdout:
        pool = pool[~is_holdout(pool)]
    losses = []
    for step in range(settings.iters):
        x, y = sort_examples(pool[rng.integers(0, len(pool), settings.batch_size)], config)
        trace = forward(params, x, config, dropout=settings.dropout, rng=rng)
        loss, grads = loss_and_grads(params, trace, y)
        grads, _ = clip_grad_norm(grads, settings.grad_clip)
        params, state = adamw_step(params, grads, state, settings.adamw, decayed=decayed)
        if step % settings.log_every == 0 or step == settings.iters - 1:
            losses.append((step, loss))
            if on_log:
                on_log(step, loss)
    return TrainResult(params, tuple(losses), settings)
