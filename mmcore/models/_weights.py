"""Reading and writing sorter weights: the shipped ``.npz`` and llm-viz's base64 JSON.

The ``.npz`` holds one float32 array per trainable parameter under its minGPT ``state_dict`` name
(Linear weights ``[out, in]``); nothing else, so any npz reader sees plain matrices.

Examples:
    >>> params = sorter_params()
    >>> params["lm_head.weight"].shape, params["lm_head.weight"].dtype
    ((3, 48), dtype('float32'))
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import MMError
from ._gpt import SORTER_CONFIG, GPTConfig, check_params, param_shapes

__all__ = ["SORTER_WEIGHTS", "save_weights", "load_weights", "load_llmviz_json", "sorter_params"]

SORTER_WEIGHTS = Path(__file__).resolve().parent / "data" / "sorter.npz"
"""The weights trained by ``scripts/train_sorter.py`` and shipped with mmcore."""


def save_weights(params: dict[str, np.ndarray], path, config: GPTConfig = SORTER_CONFIG) -> None:
    """Write ``params`` as float32 arrays in ``state_dict`` order to an uncompressed ``.npz``."""
    check_params(params, config)
    np.savez(path, **{name: np.asarray(params[name], dtype="<f4") for name in param_shapes(config)})


def _finish(raw: dict[str, np.ndarray], config: GPTConfig, source: str) -> dict[str, np.ndarray]:
    try:
        check_params(raw, config)
    except MMError as err:
        raise MMError(f"{source}: {err}") from None
    return {name: np.asarray(raw[name], dtype=np.float32) for name in param_shapes(config)}


def load_weights(path=None, config: GPTConfig = SORTER_CONFIG) -> dict[str, np.ndarray]:
    """Read a weights ``.npz`` (default: the shipped sorter). Extra entries such as minGPT's
    ``attn.bias`` mask buffers are ignored; missing or misshapen tensors raise MMError."""
    path = SORTER_WEIGHTS if path is None else Path(path)
    if not path.exists():
        raise MMError(f"no weights file at {path}; expected an .npz of minGPT tensors")
    with np.load(path, allow_pickle=False) as data:
        return _finish({k: data[k] for k in data.files}, config, str(path))


def load_llmviz_json(path, config: GPTConfig = SORTER_CONFIG) -> dict[str, np.ndarray]:
    """Read llm-viz's ``gpt-nano-sort-model.json`` (``{name: {shape, dtype, data: base64 <f4}}``)."""
    doc = json.loads(Path(path).read_text())
    raw = {}
    for name, entry in doc.items():
        if not isinstance(entry, dict) or "data" not in entry:
            continue
        flat = np.frombuffer(base64.b64decode(entry["data"]), dtype="<f4")
        if flat.size != int(np.prod(entry["shape"])):
            raise MMError(f"{path}: {name!r} holds {flat.size} floats, its shape {entry['shape']} needs "
                          f"{int(np.prod(entry['shape']))}")
        raw[name] = flat.reshape(entry["shape"])
    return _finish(raw, config, str(path))


@lru_cache(maxsize=1)
def _shipped() -> dict[str, np.ndarray]:
    params = load_weights()
    for array in params.values():
        array.flags.writeable = False
    return params


def sorter_params() -> dict[str, np.ndarray]:
    """The shipped trained weights (loaded once; the arrays are read-only, copy them to edit)."""
    return dict(_shipped())
