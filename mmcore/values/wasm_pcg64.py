"""numpy's ``Generator.random`` for the PCG64 bit generator as a WebAssembly function, for Pyodide's
Gaussian leaves (``mmcore.values.wasm_poly`` puts it in its module): the same draws, and the
generator's state advanced exactly as numpy advances it.

PCG64 (XSL-RR, 128-bit state): per draw, state = state·M + inc (mod 2^128), then the 64-bit output
rotr(hi ^ lo, hi >> 58) (hi, lo: the state's halves) and the double (output >> 11)·2^-53. Integer
arithmetic only, so the bits are numpy's wherever it runs; wasm has no 64×64 → 128 multiply, so
the high half of lo·M_lo is made from four 32-bit products. Pyodide's numpy makes a draw in ~10 ns
(an indirect call per draw, its 128-bit multiply emulated in C), this loop in ~4.

Example (CPython runs no wasm; ``state_words`` is the layout the function reads and writes):
    >>> import numpy as np
    >>> state_words(np.random.default_rng(0)).dtype, pcg64_function().name
    (dtype('uint64'), 'mm_pcg64_random')
"""

from __future__ import annotations

import numpy as np

from mmcore.values import wasm_emit as w
from mmcore.values.lazy_random import PCG64_MULTIPLIER, LazyRandom

__all__ = ["MULTIPLIER", "RANDOM", "fill_random", "pcg64_function", "state_words"]

RANDOM = "mm_pcg64_random"
MULTIPLIER = PCG64_MULTIPLIER     # PCG's default 128-bit multiplier (numpy's PCG64)
_M_HI, _M_LO = MULTIPLIER >> 64, MULTIPLIER & (2 ** 64 - 1)
_MASK64, _MASK32 = 2 ** 64 - 1, 0xFFFFFFFF


def _ops(*names: str) -> bytes:
    return b"".join(w.op(n) for n in names)


def pcg64_function() -> w.Function:
    """``mm_pcg64_random(state, out, n)``: ``n`` (≥ 1) draws of ``Generator.random`` into the float64
    array at byte address ``out``, from and back into the state at ``state`` (four uint64: state
    low, high, increment low, high).

    >>> pcg64_function().params
    3
    """
    state, out, n = range(3)
    lo, hi, inc_lo, inc_hi, p00, p01, p10, mid = range(3, 11)
    a0 = w.get(lo) + w.i64(_MASK32) + w.op("i64.and")          # lo's 32-bit halves; M_lo's: constants
    a1 = w.get(lo) + w.i64(32) + w.op("i64.shr_u")
    b0, b1 = w.i64(_M_LO & _MASK32), w.i64(_M_LO >> 32)

    def high32(x: int) -> bytes:
        return w.get(x) + w.i64(32) + w.op("i64.shr_u")

    def low32(x: int) -> bytes:
        return w.get(x) + w.i64(_MASK32) + w.op("i64.and")
    step = (a0 + b0 + w.op("i64.mul") + w.set_(p00) + a0 + b1 + w.op("i64.mul") + w.set_(p01)
            + a1 + b0 + w.op("i64.mul") + w.set_(p10)
            + high32(p00) + low32(p01) + w.op("i64.add") + low32(p10) + w.op("i64.add") + w.set_(mid))
    # new hi = high64(lo·M_lo) + lo·M_hi + hi·M_lo + inc_hi + carry(lo·M_lo + inc_lo), all mod 2^64
    step += (a1 + b1 + w.op("i64.mul") + high32(p01) + w.op("i64.add") + high32(p10) + w.op("i64.add")
             + high32(mid) + w.op("i64.add")
             + w.get(lo) + w.i64(_M_HI) + w.op("i64.mul") + w.op("i64.add")
             + w.get(hi) + w.i64(_M_LO) + w.op("i64.mul") + w.op("i64.add") + w.get(inc_hi) + w.op("i64.add")
             + w.set_(hi))
    step += (w.get(lo) + w.i64(_M_LO) + w.op("i64.mul") + w.get(inc_lo) + w.op("i64.add") + w.set_(lo)
             + w.get(hi) + w.get(lo) + w.get(inc_lo) + _ops("i64.lt_u", "i64.extend_i32_u", "i64.add") + w.set_(hi))
    step += (w.get(out) + w.get(hi) + w.get(lo) + w.op("i64.xor") + w.get(hi) + w.i64(58) + _ops("i64.shr_u", "i64.rotr")
             + w.i64(11) + _ops("i64.shr_u", "f64.convert_i64_u") + w.f64(2.0 ** -53) + w.op("f64.mul")
             + w.mem("f64.store")
             + w.get(out) + w.i32(8) + w.op("i32.add") + w.set_(out)
             + w.get(n) + w.i32(1) + w.op("i32.sub") + w.tee(n) + w.op("br_if", w.uleb(0)))
    body = b"".join(w.get(state) + w.mem("i64.load", 8 * k) + w.set_(x) for k, x in enumerate((lo, hi, inc_lo, inc_hi)))
    body += w.loop(step)
    body += w.get(state) + w.get(lo) + w.mem("i64.store", 0) + w.get(state) + w.get(hi) + w.mem("i64.store", 8)
    return w.Function(RANDOM, params=3, results=0, body=body, locals=((8, w.I64),))


def state_words(generator: np.random.Generator) -> np.ndarray | None:
    """The PCG64 state of ``generator`` as the four uint64 the function reads, or None when its bit
    generator is not (exactly) numpy's PCG64.

    >>> state_words(np.random.Generator(np.random.MT19937(0))) is None
    True
    """
    bits = generator.bit_generator
    if type(bits) is not np.random.PCG64:
        return None
    st = bits.state["state"]
    s, inc = st["state"], st["inc"]
    return np.array([s & _MASK64, s >> 64, inc & _MASK64, inc >> 64], dtype=np.uint64)


def fill_random(generator, out: np.ndarray, random) -> bool:
    """``generator.random(out=out)`` (``out``: contiguous float64, not empty) through the compiled
    ``mm_pcg64_random`` (``random``), the generator's state advanced the same; False (nothing drawn)
    when the bit generator is not PCG64. ``generator``: a numpy Generator, or a ``LazyRandom``
    (``mmcore.values.lazy_random``) whose state words are advanced in place, no numpy generator made."""
    words = generator.words() if isinstance(generator, LazyRandom) else None
    if words is not None:                     # advanced in place: nothing to write back
        random(words.__array_interface__["data"][0], out.__array_interface__["data"][0], out.size)
        return True
    generator = generator.numpy() if isinstance(generator, LazyRandom) else generator
    words = state_words(generator)
    if words is None:
        return False
    random(words.__array_interface__["data"][0], out.__array_interface__["data"][0], out.size)
    bits = generator.bit_generator
    state = bits.state
    state["state"]["state"] = int(words[0]) | (int(words[1]) << 64)
    bits.state = state
    return True
