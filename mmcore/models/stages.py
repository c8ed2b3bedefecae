"""The sorter's forward pass one stage at a time, as plain matrix products (the "tiny GPT" chapter).

Every stage is written the way the chapter draws it: a table lookup is a one-hot matrix times the
table, a bias is an extra row of the weight matrix met by a column of ones, the three heads are
computed one after the other and put side by side. :func:`run` does the whole pass this way in
float64 and returns every stage under the names of :mod:`mmcore.models._forward` (without the batch
axis); the chapter's tests check it against :func:`mmcore.models.forward`.

Examples:
    >>> s = run("CBABBC")
    >>> s["emb"].shape, s["h.0.att_probs"].shape, s["logits"].shape
    ((6, 48), (3, 6, 6), (6, 3))
    >>> "ABC"[int(s["logits"][-1].argmax())]          # the first sorted letter
    'A'
    >>> [step["chosen"] for step in generate("CBABBC")]
    ['A', 'B', 'B', 'B', 'C', 'C']
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..errors import MMError
from ._forward import gelu_tanh, softmax
from ._gpt import SORTER_CONFIG
from ._sorting import ALPHABET, LENGTH, encode
from ._weights import sorter_params

__all__ = ["weights", "tokens", "one_hot", "with_ones", "with_bias", "causal_softmax",
           "layer_norm_matrices", "softmax_t", "run", "generate"]

EPS = SORTER_CONFIG.ln_eps


@lru_cache(maxsize=1)
def _weights64() -> dict[str, np.ndarray]:
    out = {}
    for k, v in sorter_params().items():
        a = np.asarray(v, dtype=np.float64)
        a.flags.writeable = False
        out[k] = a
    return out


def weights() -> dict[str, np.ndarray]:
    """The trained sorter's weights in float64 (read-only), by minGPT name; Linear weights are [out, in].

    >>> weights()["transformer.wte.weight"].shape
    (3, 48)
    """
    return dict(_weights64())


def tokens(text: str) -> np.ndarray:
    """Token ids of ``text``: 1 to 11 letters from A, B, C (A=0, B=1, C=2).

    >>> tokens("CBA").tolist()
    [2, 1, 0]
    """
    if not isinstance(text, str):
        raise MMError(f"text: expected a string of letters A, B, C, got {type(text).__name__}")
    ids = encode(text)
    if len(ids) > SORTER_CONFIG.block_size:
        raise MMError(f"text {text!r} has {len(ids)} letters; the sorter reads at most "
                      f"{SORTER_CONFIG.block_size} (6 input letters and 5 sorted ones)")
    return ids


def one_hot(ids, n: int) -> np.ndarray:
    """One row per id with a single 1 in column ``id`` (float64, len(ids) × n).

    >>> one_hot([2, 0], 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    ids = np.asarray(ids, dtype=np.int64)
    out = np.zeros((len(ids), n))
    out[np.arange(len(ids)), ids] = 1.0
    return out


def with_ones(x: np.ndarray) -> np.ndarray:
    """``x`` with a column of ones appended (it meets a weight matrix's bias row).

    >>> with_ones(np.zeros((2, 1))).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    x = np.asarray(x, dtype=np.float64)
    return np.hstack([x, np.ones((x.shape[0], 1))])


def with_bias(weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A Linear layer (``weight`` stored [out, in]) as one matrix: ``weight.T`` with the bias as an extra
    last row, so ``with_ones(x) @ with_bias(W, b) == x @ W.T + b``.

    >>> with_bias(np.eye(2), np.array([5.0, 6.0])).tolist()
    [[1.0, 0.0], [0.0, 1.0], [5.0, 6.0]]
    """
    return np.vstack([np.asarray(weight, dtype=np.float64).T, np.asarray(bias, dtype=np.float64)[None, :]])


def causal_softmax(scores: np.ndarray) -> np.ndarray:
    """Softmax of each row over the entries on or left of the diagonal (the rest become 0).

    >>> causal_softmax(np.zeros((2, 2))).tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """
    t = scores.shape[-1]
    keep = np.tril(np.ones((scores.shape[-2], t), dtype=bool))
    return softmax(np.where(keep, scores, -np.inf))


def layer_norm_matrices(x: np.ndarray, gain: np.ndarray, shift: np.ndarray, eps: float = EPS) -> dict:
    """LayerNorm of each row of ``x`` as a chain of three products,
    ``inv_sigma @ (x_sigma @ centre) @ gamma_beta``:

    - ``x_sigma`` is ``x`` with each row's ``sigma = sqrt(var + eps)`` appended (T × C+1);
    - ``centre`` subtracts the row mean from the first C columns and keeps the sigma column (C+1 × C+1);
    - ``inv_sigma`` (T × T, diagonal) divides row t by sigma_t, so the sigma column becomes ones;
    - ``gamma_beta`` is diag(gain) with the shift as an extra row (C+1 × C).

    Also returns ``mean``, ``var``, ``sigma`` (T) and ``out`` (the normalised rows).

    >>> m = layer_norm_matrices(np.array([[1.0, 3.0]]), np.ones(2), np.zeros(2))
    >>> m["mean"].tolist(), m["var"].tolist(), np.round(m["out"], 4).tolist()
    ([2.0], [1.0], [[-1.0, 1.0]])
    """
    x = np.asarray(x, dtype=np.float64)
    c = x.shape[1]
    mean = x.mean(axis=1)
    var = ((x - mean[:, None]) ** 2).mean(axis=1)
    sigma = np.sqrt(var + eps)
    centre = np.zeros((c + 1, c + 1))
    centre[:c, :c] = np.eye(c) - 1.0 / c
    centre[c, c] = 1.0
    m = {"mean": mean, "var": var, "sigma": sigma,
         "x_sigma": np.hstack([x, sigma[:, None]]), "centre": centre,
         "inv_sigma": np.diag(1.0 / sigma),
         "gamma_beta": np.vstack([np.diag(np.asarray(gain, dtype=np.float64)), np.asarray(shift, dtype=np.float64)])}
    m["out"] = m["inv_sigma"] @ (m["x_sigma"] @ centre) @ m["gamma_beta"]
    return m


def softmax_t(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax of ``logits / temperature`` over the last axis (temperature > 0).

    >>> softmax_t(np.array([0.0, np.log(3.0)])).tolist()
    [0.25, 0.75]
    """
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating, np.integer)) \
            or not temperature > 0 or not np.isfinite(temperature):
        raise MMError(f"temperature: expected a positive number, got {temperature!r}")
    return softmax(np.asarray(logits, dtype=np.float64) / float(temperature))


def run(text: str) -> dict:
    """The sorter's forward pass on ``text``, stage by stage in float64.

    Keys (T tokens, C = 48, H = 3 heads of A = 16): ``tokens`` (the text), ``idx`` (T), ``lookup``
    (T × 14: one-hot token | one-hot position), ``table`` (14 × C: wte over wpe), ``emb`` (T × C); per
    layer L ``h.L.ln_1``, ``h.L.q``/``k``/``v`` (H × T × A), ``h.L.att_scores``, ``h.L.att_probs`` (H × T × T),
    ``h.L.head_out`` (H × T × A), ``h.L.attn_y``, ``h.L.attn_proj``, ``h.L.resid_attn``, ``h.L.ln_2``,
    ``h.L.mlp_fc``, ``h.L.mlp_gelu`` (T × 4C), ``h.L.mlp_proj``, ``h.L.out``; then ``ln_f``, ``logits``
    (T × 3), ``probs``.
    """
    w = _weights64()
    cfg = SORTER_CONFIG
    ids = tokens(text)
    t, c, nh, hs = len(ids), cfg.n_embd, cfg.n_head, cfg.head_size
    s: dict = {"tokens": text, "idx": ids}
    s["lookup"] = np.hstack([one_hot(ids, cfg.vocab_size), one_hot(np.arange(t), cfg.block_size)])
    s["table"] = np.vstack([w["transformer.wte.weight"], w["transformer.wpe.weight"]])
    x = s["emb"] = s["lookup"] @ s["table"]
    for layer in range(cfg.n_layer):
        p, n = f"transformer.h.{layer}.", f"h.{layer}."
        h = s[n + "ln_1"] = layer_norm_matrices(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"])["out"]
        qkv = with_ones(h) @ with_bias(w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"])
        q, k, v = (np.stack([part[:, i * hs:(i + 1) * hs] for i in range(nh)]) for part in np.split(qkv, 3, axis=1))
        s[n + "q"], s[n + "k"], s[n + "v"] = q, k, v
        s[n + "att_scores"] = np.stack([q[i] @ k[i].T / np.sqrt(hs) for i in range(nh)])
        s[n + "att_probs"] = np.stack([causal_softmax(a) for a in s[n + "att_scores"]])
        s[n + "head_out"] = np.stack([s[n + "att_probs"][i] @ v[i] for i in range(nh)])
        s[n + "attn_y"] = np.hstack(list(s[n + "head_out"]))
        s[n + "attn_proj"] = with_ones(s[n + "attn_y"]) @ with_bias(w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"])
        x = s[n + "resid_attn"] = x + s[n + "attn_proj"]
        h = s[n + "ln_2"] = layer_norm_matrices(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"])["out"]
        s[n + "mlp_fc"] = with_ones(h) @ with_bias(w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"])
        s[n + "mlp_gelu"] = gelu_tanh(s[n + "mlp_fc"])
        s[n + "mlp_proj"] = with_ones(s[n + "mlp_gelu"]) @ with_bias(w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"])
        x = s[n + "out"] = x + s[n + "mlp_proj"]
    s["ln_f"] = layer_norm_matrices(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"])["out"]
    s["logits"] = s["ln_f"] @ w["lm_head.weight"].T
    s["probs"] = softmax(s["logits"])
    return s


def generate(text: str, temperature: float | None = None, seed: int = 0, steps: int = LENGTH) -> list[dict]:
    """Let the sorter write ``steps`` letters after ``text``, one forward pass per letter.

    ``temperature=None`` is greedy (always the most likely letter); a positive temperature samples
    from ``softmax(logits / temperature)`` with ``np.random.default_rng(seed)``. Each step is a dict:
    ``context`` (the text read), ``probs`` (3 probabilities at the temperature, or at 1 when greedy),
    ``greedy`` (the most likely letter), ``chosen`` (the letter appended), ``ln_f`` (the last row
    of the final LayerNorm, C values).
    """
    if temperature is not None:
        softmax_t(np.zeros(1), temperature)          # checks the temperature
    limit = SORTER_CONFIG.block_size + 1 - len(tokens(text))
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or not 0 <= steps <= limit:
        raise MMError(f"steps: expected 0..{limit} for a text of {len(text)} letters (the sorter reads at most "
                      f"{SORTER_CONFIG.block_size}), got {steps!r}")
    rng = np.random.default_rng(seed)
    out, context = [], text
    for _ in range(steps):
        s = run(context)
        probs = softmax_t(s["logits"][-1], 1.0 if temperature is None else temperature)
        greedy = ALPHABET[int(probs.argmax())]
        chosen = greedy if temperature is None else ALPHABET[int(rng.choice(len(ALPHABET), p=probs))]
        out.append({"context": context, "probs": probs, "greedy": greedy, "chosen": chosen, "ln_f": s["ln_f"][-1]})
        context += chosen
    return out
