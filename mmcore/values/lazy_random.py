"""A leaf's random generator, ``numpy.random.default_rng(entropy)``, without importing ``numpy.random`` until
something needs it.

Every leaf of a tree gets ``default_rng([seed, index])`` (``mmcore.values.tree``). In Pyodide,
``numpy.random`` is a package of 9 shared libraries: its first import costs ~100 ms, paid by the first figure
a page or the playground runs. Most leaves never draw (``rows``, ``cols``, ...), and the Gaussian and uniform
leaves that do are drawn there by the compiled PCG64 (``mmcore.values.wasm_pcg64``), which only needs the
generator's 128-bit state and increment. ``LazyRandom`` computes that state from the entropy as numpy does
(``SeedSequence`` with its default pool of four 32-bit words, then PCG64's seeding) in a few microseconds of
pure Python; the draws move it in place. Anything else (``rng.random(shape)``, ``rng.normal``...) makes the
real ``numpy.random.Generator`` at the state reached so far and hands over to it for good, so the numbers are
numpy's in every case (``tests/engine/test_lazy_random.py`` compares states and draws with numpy's).

Example:
    >>> import numpy as np
    >>> r = LazyRandom([0, 3])
    >>> from mmcore.values.wasm_pcg64 import state_words
    >>> r.words().tolist() == state_words(np.random.default_rng([0, 3])).tolist()
    True
    >>> float(r.random()) == float(np.random.default_rng([0, 3]).random())
    True
"""

from __future__ import annotations

import numpy as np

__all__ = ["LazyRandom", "PCG64_MULTIPLIER", "pcg64_state", "seed_sequence_state"]

_M32, _M64, _M128 = 0xFFFFFFFF, 2 ** 64 - 1, 2 ** 128 - 1
# numpy/random/bit_generator.pyx: SeedSequence's hash constants
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R, _XSHIFT, _POOL = 0xCA01F9DD, 0x4973F715, 16, 4
#: PCG's default 128-bit multiplier (numpy's PCG64: pcg64.h)
PCG64_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645


def _uint32_words(entropy) -> list[int] | None:
    """numpy's ``_coerce_to_uint32_array`` for a non-negative int or a list/tuple of them (each int its
    32-bit words, least significant first; 0 is one word); None for anything else (left to numpy)."""
    if isinstance(entropy, (list, tuple)):
        out: list[int] = []
        for part in entropy:
            words = _uint32_words(part)
            if words is None or isinstance(part, (list, tuple)):
                return None
            out += words
        return out
    if isinstance(entropy, bool) or not isinstance(entropy, (int, np.integer)) or entropy < 0:
        return None
    n = int(entropy)
    words = [0] if n == 0 else []
    while n > 0:
        words.append(n & _M32)
        n >>= 32
    return words


def seed_sequence_state(entropy, n_words64: int = 2) -> list[int] | None:
    """``SeedSequence(entropy).generate_state(n_words64, np.uint64)`` as Python ints; None when ``entropy``
    is not a non-negative int or a flat list of them."""
    entropy_words = _uint32_words(entropy)
    if entropy_words is None:
        return None
    hash_const = _INIT_A

    def hashmix(value: int) -> int:
        nonlocal hash_const
        value ^= hash_const
        hash_const = (hash_const * _MULT_A) & _M32
        value = (value * hash_const) & _M32
        return value ^ (value >> _XSHIFT)

    def mix(x: int, y: int) -> int:
        result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _M32
        return result ^ (result >> _XSHIFT)

    pool = [hashmix(entropy_words[i] if i < len(entropy_words) else 0) for i in range(_POOL)]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL, len(entropy_words)):
        for dst in range(_POOL):
            pool[dst] = mix(pool[dst], hashmix(entropy_words[src]))
    out32, hash_b = [], _INIT_B
    for i in range(2 * n_words64):
        value = pool[i % _POOL] ^ hash_b
        hash_b = (hash_b * _MULT_B) & _M32
        value = (value * hash_b) & _M32
        out32.append(value ^ (value >> _XSHIFT))
    return [out32[2 * k] | (out32[2 * k + 1] << 32) for k in range(n_words64)]


def pcg64_state(entropy) -> tuple[int, int] | None:
    """(state, increment) of ``PCG64(entropy)`` as 128-bit ints (numpy's ``pcg64_set_seed``: the seed
    sequence's words 0, 1 are the initial state's high and low halves, 2, 3 the stream's); None as
    ``seed_sequence_state``."""
    words = seed_sequence_state(entropy, 4)
    if words is None:
        return None
    init_state, init_seq = (words[0] << 64) | words[1], (words[2] << 64) | words[3]
    inc = ((init_seq << 1) | 1) & _M128
    state = inc                                               # 0·M + inc
    state = (state + init_state) & _M128
    state = (state * PCG64_MULTIPLIER + inc) & _M128
    return state, inc


class LazyRandom:
    """``numpy.random.default_rng(entropy)``, made only when a draw needs numpy (see the module's text).

    ``words()`` is the PCG64 state as four uint64 (state low, high, increment low, high) that the compiled
    draws read and advance in place, or None once the numpy generator exists (it holds the state then).
    Every other attribute is the numpy generator's.
    """

    __slots__ = ("_entropy", "_words", "_generator")

    def __init__(self, entropy):
        self._entropy = entropy
        self._words: np.ndarray | None = None
        self._generator = None

    def words(self) -> np.ndarray | None:
        if self._generator is not None:
            return None
        if self._words is None:
            seeded = pcg64_state(self._entropy)
            if seeded is None:                     # an entropy numpy may read (or refuse) its own way
                return None
            state, inc = seeded
            self._words = np.array([state & _M64, state >> 64, inc & _M64, inc >> 64], dtype=np.uint64)
        return self._words

    def numpy(self) -> np.random.Generator:
        """The numpy generator, at the state the compiled draws have reached (from now on, the only state)."""
        if self._generator is None:
            words = self._words
            if words is None:
                self._generator = np.random.default_rng(self._entropy)
            else:
                bits = np.random.PCG64(0)              # its state is replaced just below
                state = bits.state
                state["state"] = {"state": int(words[0]) | (int(words[1]) << 64),
                                  "inc": int(words[2]) | (int(words[3]) << 64)}
                state["has_uint32"], state["uinteger"] = 0, 0
                bits.state = state
                self._generator = np.random.Generator(bits)
            self._words = None
        return self._generator

    def __getattr__(self, name: str):
        return getattr(self.numpy(), name)
