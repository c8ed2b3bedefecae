"""The nano-GPT sorter's architecture (minGPT ``gpt-nano``): config, parameter shapes, initialisation.

Parameters are a plain ``dict`` from minGPT ``state_dict`` names to numpy arrays; Linear weights are
stored ``[out, in]`` as in PyTorch, so a Linear layer computes ``x @ W.T + b``.

Examples:
    >>> import numpy as np
    >>> from mmcore.models._gpt import SORTER_CONFIG, init_params, count_params
    >>> params = init_params(SORTER_CONFIG, np.random.default_rng(0))
    >>> params["transformer.h.0.attn.c_attn.weight"].shape
    (144, 48)
    >>> count_params(params)
    85728
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import MMError

__all__ = ["GPTConfig", "SORTER_CONFIG", "param_shapes", "init_params", "count_params",
           "decayed_names", "check_params"]


@dataclass(frozen=True)
class GPTConfig:
    """Hyperparameters of a minGPT model (no dropout here: dropout is a training setting)."""

    vocab_size: int = 3
    block_size: int = 11
    n_layer: int = 3
    n_head: int = 3
    n_embd: int = 48
    ln_eps: float = 1e-5

    def __post_init__(self) -> None:
        if self.n_embd % self.n_head:
            raise MMError(f"n_embd {self.n_embd} must be a multiple of n_head {self.n_head}")

    @property
    def head_size(self) -> int:
        """Size of one attention head (n_embd / n_head)."""
        return self.n_embd // self.n_head


SORTER_CONFIG = GPTConfig()
"""gpt-nano on the sorting task: vocabulary A, B, C; 6 inputs + 5 outputs in context."""


def param_shapes(config: GPTConfig) -> dict[str, tuple[int, ...]]:
    """Every trainable parameter's name (minGPT ``state_dict`` order) and shape."""
    c, v, t, f = config.n_embd, config.vocab_size, config.block_size, 4 * config.n_embd
    shapes: dict[str, tuple[int, ...]] = {
        "transformer.wte.weight": (v, c),
        "transformer.wpe.weight": (t, c),
    }
    for layer in range(config.n_layer):
        p = f"transformer.h.{layer}."
        shapes.update({
            p + "ln_1.weight": (c,), p + "ln_1.bias": (c,),
            p + "attn.c_attn.weight": (3 * c, c), p + "attn.c_attn.bias": (3 * c,),
            p + "attn.c_proj.weight": (c, c), p + "attn.c_proj.bias": (c,),
            p + "ln_2.weight": (c,), p + "ln_2.bias": (c,),
            p + "mlp.c_fc.weight": (f, c), p + "mlp.c_fc.bias": (f,),
            p + "mlp.c_proj.weight": (c, f), p + "mlp.c_proj.bias": (c,),
        })
    shapes.update({
        "transformer.ln_f.weight": (c,), "transformer.ln_f.bias": (c,),
        "lm_head.weight": (v, c),
    })
    return shapes


def decayed_names(config: GPTConfig) -> frozenset[str]:
    """Names that get weight decay in minGPT: Linear weights only (not biases, LayerNorm, embeddings)."""
    linear = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
    return frozenset(n for n in param_shapes(config) if n.endswith(linear) or n == "lm_head.weight")


def init_params(config: GPTConfig, rng: np.random.Generator,
                dtype: type = np.float32) -> dict[str, np.ndarray]:
    """minGPT's initialisation: weights ~N(0, 0.02), every ``c_proj.weight`` ~N(0, 0.02/sqrt(2 n_layer)),
    biases 0, LayerNorm gain 1 and shift 0. Draws in ``state_dict`` order from ``rng``."""
    proj_std = 0.02 / math.sqrt(2 * config.n_layer)
    params = {}
    for name, shape in param_shapes(config).items():
        if name.endswith("c_proj.weight"):
            value = rng.normal(0.0, proj_std, shape)
        elif ".ln_" in name:
            value = np.ones(shape) if name.endswith("weight") else np.zeros(shape)
        elif name.endswith("bias"):
            value = np.zeros(shape)
        else:
            value = rng.normal(0.0, 0.02, shape)
        params[name] = value.astype(dtype)
    return params


def count_params(params: dict[str, np.ndarray]) -> int:
    """Total number of scalars in ``params``."""
    return int(sum(a.size for a in params.values()))


def check_params(params: dict[str, np.ndarray], config: GPTConfig) -> None:
    """Raise MMError unless ``params`` has exactly the names and shapes of ``config``."""
    expected = param_shapes(config)
    missing = [n for n in expected if n not in params]
    if missing:
        raise MMError(f"weights lack {len(missing)} tensors, e.g. {missing[0]!r}; expected minGPT names")
    for name, shape in expected.items():
        got = tuple(np.shape(params[name]))
        if got != shape:
            raise MMError(f"weight {name!r} has shape {got}, expected {shape}")
