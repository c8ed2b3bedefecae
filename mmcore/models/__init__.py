"""Small models in pure numpy, with every intermediate on show: the nano-GPT sorter.

The sorter is minGPT's ``gpt-nano`` (3 layers, 3 heads, 48 channels, 85,728 parameters) trained
here with hand-written backpropagation to sort 6 letters from A, B, C (``scripts/train_sorter.py``).

Examples:
    >>> from mmcore.models import sort_text, sorter_trace, sorter_head_arrays
    >>> sort_text("CBABBC")
    'ABBBCC'
    >>> sorter_trace("CBABBC")["h.2.att_probs"].shape   # (batch, heads, tokens, tokens)
    (1, 3, 11, 11)
    >>> sorter_head_arrays(1, 0, "CBABBC")["attn"].shape
    (11, 11)
"""

from __future__ import annotations

from ._forward import Trace, forward, trace_names
from ._gpt import SORTER_CONFIG, GPTConfig, init_params
from ._head import sorter_head, sorter_head_arrays, sorter_tokens, sorter_trace
from ._sorting import all_inputs, count_correct, decode, encode, greedy_sort
from ._weights import SORTER_WEIGHTS, load_llmviz_json, load_weights, save_weights, sorter_params

__all__ = [
    "GPTConfig", "SORTER_CONFIG", "SORTER_WEIGHTS", "Trace",
    "forward", "trace_names", "init_params",
    "sorter_params", "load_weights", "save_weights", "load_llmviz_json",
    "encode", "decode", "all_inputs", "greedy_sort", "count_correct", "sort_text",
    "sorter_tokens", "sorter_trace", "sorter_head_arrays", "sorter_head",
]


def sort_text(text: str, params=None) -> str:
    """Let the sorter sort ``text`` (6 letters from A, B, C) by greedy decoding."""
    from ._sorting import LENGTH
    from ..errors import MMError

    tokens = encode(text)
    if len(tokens) != LENGTH:
        raise MMError(f"the sorter sorts exactly {LENGTH} letters, got {len(tokens)} in {text!r}")
    return decode(greedy_sort(sorter_params() if params is None else params, tokens)[0])
