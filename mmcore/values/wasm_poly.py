"""The end of the Gaussian leaves' Box–Muller in WebAssembly SIMD for Pyodide: after numpy's
``log(1 - u)``, ``z = sqrt(m·log(1 - u))·sin_2pi(|v - 1/2| - 1/4) + a`` two float64 at a time, with
the bits of numpy's passes in ``mmcore.values.inits`` (``_box_muller_numpy``): the same IEEE
operations (``f64x2`` sub, abs, mul, add, sqrt: each exactly rounded, no fused multiply-add) in the
same order, the sine's Horner polynomial ``_SIN_2PI`` in s² included. One pass over the data instead
of about twenty numpy passes (each its own loop over memory in Pyodide's numpy, which has no SIMD).

Two modes: ``doubled`` (m = -2, a = 1: mm's default range, ``2·(0.5 + 0.5·z)``) and half
(m = -1/2, a = 1/2). Each export ``mm_box_muller_{mode}_{unroll}(u, v, groups)`` writes over the
float64 array at byte address ``u`` from the one at ``v``, ``groups`` (≥ 1) times ``unroll`` pairs of
elements; ``unroll`` independent polynomials in flight (the out-of-order core overlaps the loop's
steps anyway: in Node, 32768 elements take ~0.096 ms unrolled by 1, ~0.092 by 2, ~0.082 by 4).

The module also holds ``mm_pcg64_random`` (``mmcore.values.wasm_pcg64``): the leaves' draws of a
PCG64 ``Generator``, numpy's bits, about twice as fast as ``Generator.random`` in Pyodide.

In Pyodide the module is instantiated on Pyodide's own memory (``wasm_load.instantiate_in_pyodide``)
on first use and checked against the numpy passes on edge and scrambled values before it is used;
``MM_NO_WASM_KERNEL=1`` (read at import) keeps the numpy passes.

The coefficients and the numpy passes (the self-check's reference) are the caller's
(``inits._SIN_2PI``, ``inits._box_muller_numpy``): this module imports nothing of ``inits``.

Example (CPython runs no wasm):
    >>> wasm = box_muller_module((6.283185307179586, -41.341702240399755))
    >>> wasm[:4], export_name(True, UNROLL)
    (b'\\x00asm', 'mm_box_muller_doubled_2')
"""

from __future__ import annotations

import hashlib
import struct
import sys

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from mmcore.values import wasm_emit as w
from mmcore.values.lazy_random import LazyRandom
from mmcore.values.wasm_load import address as default_address, instantiate_in_pyodide, kernels_allowed
from mmcore.values.wasm_pcg64 import RANDOM, fill_random, pcg64_function, state_words

__all__ = ["UNROLL", "BoxMuller", "box_muller_module", "box_muller_wasm", "check_inputs", "export_name",
           "pyodide_box_muller"]

UNROLL = 2                  # f64x2 vectors a step of the unrolled loop
MODES = {True: (-2.0, 1.0), False: (-0.5, 0.5)}   # doubled: (m, a)


def export_name(doubled: bool, unroll: int) -> str:
    """The export for a mode and an unroll.

    >>> export_name(False, 1)
    'mm_box_muller_half_1'
    """
    return f"mm_box_muller_{'doubled' if doubled else 'half'}_{unroll}"


def _const(x: float) -> bytes:
    return w.op("v128.const", struct.pack("<2d", x, x))


def box_muller_function(doubled: bool, unroll: int, coefficients: tuple[float, ...]) -> w.Function:
    """``mm_box_muller_{mode}_{unroll}(u, v, groups)``: for each of ``groups`` × ``unroll`` f64x2 pairs,
    in numpy's order: s = |v - 0.5| - 0.25; s2 = s·s; acc = s2·c[-1]; acc = (acc + c[k])·s2 for k from
    len - 2 down to 1; acc = (acc + c[0])·s; u = sqrt(u·m)·acc + a.

    >>> box_muller_function(True, 2, (1.0, 2.0, 3.0)).params
    3
    """
    m, a = MODES[doubled]
    u, v, groups = range(3)
    s = [3 + 3 * k for k in range(unroll)]
    s2 = [x + 1 for x in s]
    acc = [x + 2 for x in s]
    body = b"".join(w.get(v) + w.mem("v128.load", 16 * k) + _const(0.5) + w.op("f64x2.sub") + w.op("f64x2.abs")
                    + _const(0.25) + w.op("f64x2.sub") + w.set_(s[k]) for k in range(unroll))
    body += b"".join(w.get(s[k]) + w.get(s[k]) + w.op("f64x2.mul") + w.set_(s2[k]) for k in range(unroll))
    body += b"".join(w.get(s2[k]) + _const(coefficients[-1]) + w.op("f64x2.mul") + w.set_(acc[k])
                     for k in range(unroll))
    for c in coefficients[-2:0:-1]:
        body += b"".join(w.get(acc[k]) + _const(c) + w.op("f64x2.add") + w.get(s2[k]) + w.op("f64x2.mul")
                         + w.set_(acc[k]) for k in range(unroll))
    body += b"".join(w.get(acc[k]) + _const(coefficients[0]) + w.op("f64x2.add") + w.get(s[k]) + w.op("f64x2.mul")
                     + w.set_(acc[k]) for k in range(unroll))
    body += b"".join(w.get(u) + w.get(u) + w.mem("v128.load", 16 * k) + _const(m) + w.op("f64x2.mul")
                     + w.op("f64x2.sqrt") + w.get(acc[k]) + w.op("f64x2.mul") + _const(a) + w.op("f64x2.add")
                     + w.mem("v128.store", 16 * k) for k in range(unroll))
    body += (w.get(u) + w.i32(16 * unroll) + w.op("i32.add") + w.set_(u)
             + w.get(v) + w.i32(16 * unroll) + w.op("i32.add") + w.set_(v)
             + w.get(groups) + w.i32(1) + w.op("i32.sub") + w.tee(groups) + w.op("br_if", w.uleb(0)))
    return w.Function(export_name(doubled, unroll), params=3, results=0, body=w.loop(body),
                      locals=((3 * unroll, w.V128),))


def box_muller_module(coefficients: tuple[float, ...], unroll: int = UNROLL) -> bytes:
    """The module for the sine's Taylor ``coefficients`` (of s, s³, s⁵, ...): both modes, unrolled by
    ``unroll`` and by 1 (for the pairs left over), on an imported memory ``env.memory``.

    >>> box_muller_module((1.0, 2.0), 4) != box_muller_module((1.0, 2.0))
    True
    """
    if unroll < 1 or len(coefficients) < 2:
        raise ValueError(f"box_muller_module: unroll ≥ 1 and ≥ 2 coefficients, not {unroll}, {len(coefficients)}")
    return w.module([box_muller_function(d, n, tuple(coefficients)) for d in (True, False)
                     for n in sorted({unroll, 1}, reverse=True)] + [pcg64_function()])


@dataclass(frozen=True)
class BoxMuller:
    """The compiled exports (callables of i32 arguments) by ``(doubled, unroll)``, and ``random``
    (``mm_pcg64_random``)."""
    exports: dict
    unroll: int = UNROLL
    random: Any = None

    def finish(self, u: np.ndarray, v: np.ndarray, doubled: bool) -> int:
        """``box_muller_wasm(u, v, doubled, self)``."""
        return box_muller_wasm(u, v, doubled, self)

    def draw(self, generator, out: np.ndarray) -> bool:
        """``generator.random(out=out)`` by ``mm_pcg64_random``; False (nothing drawn) unless PCG64."""
        return self.random is not None and fill_random(generator, out, self.random)


def box_muller_wasm(u: np.ndarray, v: np.ndarray, doubled: bool, kernel: BoxMuller,
                    address: Callable[[np.ndarray], int] | None = None) -> int:
    """``u`` (contiguous float64, ``log(1 - u)``) = sqrt(m·u)·cos(2πv) + a by ``kernel`` for as many
    leading elements as make whole pairs; returns how many (the odd last one, if any, is the
    caller's)."""
    address = address or default_address
    pairs = min(u.size, v.size) // 2
    big, rest = divmod(pairs, kernel.unroll)
    pu, pv = address(u), address(v)
    if big:
        kernel.exports[doubled, kernel.unroll](pu, pv, big)
    if rest:
        done = 16 * big * kernel.unroll
        kernel.exports[doubled, 1](pu + done, pv + done, rest)
    return 2 * pairs


def check_inputs(n: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """``(log(1 - u), v)`` for the self-check: v the edge draws (0, 2^-53, 1/4 and 1/2 and 3/4 with
    their neighbours, 1 - 2^-53) then multiples of 2^-53 scrambled by integer hashing (no
    ``numpy.random``), u the same way; float64 of length ``n`` (≥ 16).

    >>> u, v = check_inputs(16)
    >>> bool(u.max() <= 0), v[:3].tolist()
    (True, [0.0, 1.1102230246251565e-16, 0.25])
    """
    ulp = 2.0 ** -53
    edges = [0.0, ulp, 0.25, 0.25 - ulp, 0.25 + ulp, 0.5, 0.5 - ulp, 0.5 + ulp, 0.75, 0.75 - ulp, 0.75 + ulp,
             1 - ulp, 0.125, 0.375]
    h = (np.arange(2 * n, dtype=np.int64) * 2654435761 + 12345) % 4294967291
    draws = ((h * 2097143) % (1 << 53)).astype(np.float64) * ulp       # multiples of 2^-53 in [0, 1)
    v = draws[:n].copy()
    v[:len(edges)] = edges
    u = draws[n:].copy()
    u[:3] = [0.0, ulp, 1 - ulp]
    with np.errstate(all="ignore"):
        return np.log(1.0 - u), v


_KERNEL: list = []          # [the kernel or None], once tried


def pyodide_box_muller(coefficients: tuple[float, ...], reference: Callable) -> BoxMuller | None:
    """The compiled kernel for ``coefficients`` in Pyodide, checked against ``reference`` (the numpy
    passes, as ``self_check`` calls them), or None (CPython, no SIMD, ``MM_NO_WASM_KERNEL``, a failed
    self-check); compiled on the first call only (later calls return the same).

    >>> pyodide_box_muller((1.0, 2.0), None) is None or sys.platform == "emscripten"
    True
    """
    if not _KERNEL:
        _KERNEL.append(_load_in_pyodide(tuple(coefficients), reference) if kernels_allowed() else None)
    return _KERNEL[0]


def _load_in_pyodide(coefficients: tuple[float, ...], reference: Callable) -> BoxMuller | None:
    try:
        exports = instantiate_in_pyodide(box_muller_module(coefficients, UNROLL))
        if exports is None:
            return None
        kernel = BoxMuller({(d, n): getattr(exports, export_name(d, n)) for d in (True, False)
                            for n in {UNROLL, 1}}, random=getattr(exports, RANDOM))
        return kernel if self_check(kernel, reference) else None
    except Exception:             # noqa: BLE001  (any failure: the numpy passes stay)
        return None


def self_check(kernel: BoxMuller, reference: Callable, run: Callable[..., int] = box_muller_wasm) -> bool:
    """The kernel's bits equal ``reference(u, v, s, s2, doubled)``'s (the numpy passes, writing over
    ``u``) on ``check_inputs`` (an odd length: every export and the numpy tail), both modes; then
    warmed up (V8 optimises a wasm function once hot, and a call already running keeps its
    baseline code). With ``random``, also its draws and the state it leaves: numpy's."""
    if kernel is not None and kernel.random is not None and not _random_is_numpys(kernel):
        return False
    u, v = check_inputs(1023)
    for doubled in (True, False):
        want = u.copy()
        reference(want, v.copy(), np.empty_like(u), np.empty_like(u), doubled)
        got = u.copy()
        done = run(got, v.copy(), doubled, kernel)
        reference(got[done:], v[done:].copy(), np.empty(u.size - done), np.empty(u.size - done), doubled)
        if not np.array_equal(got.view(np.int64), want.view(np.int64)):
            return False
    for _ in range(16):
        run(u.copy(), v, True, kernel)
    return True


#: ``default_rng(RANDOM_CHECK_SEED).random(n)`` for n = 1, 1001, 4096 in turn: the SHA-256 of the draws' float64
#: bytes (little-endian) and the PCG64 state words they leave (state low, high, increment low, high). Known
#: answers, so the check needs no ``numpy.random`` (~100 ms to import in Pyodide); tests/engine/test_wasm_poly.py
#: computes them with numpy.
RANDOM_CHECK_SEED = 20261207
RANDOM_CHECK_SHA256 = "b70d3cdde0ceb1cd0867db37900ccfe2fdc31f87bb3ff0147e25aedfd3919579"
RANDOM_CHECK_STATE = (0xE1235C0C65DC9D07, 0x3BA1AFA21BE4321A, 0x03637244F255995D, 0x5952B251896422FE)


def _random_is_numpys(kernel: BoxMuller) -> bool:
    """``mm_pcg64_random``'s draws (odd and even counts) and the state it leaves equal numpy's."""
    ours, digest = LazyRandom(RANDOM_CHECK_SEED), hashlib.sha256()
    for n in (1, 1001, 4096):
        got = np.empty(n)
        if not kernel.draw(ours, got):
            return False
        digest.update(got.astype("<f8").tobytes())
    words = ours.words()       # None when the draws went through numpy's own generator (a stand-in kernel)
    state = tuple(int(x) for x in words) if words is not None else tuple(int(x) for x in state_words(ours.numpy()))
    return digest.hexdigest() == RANDOM_CHECK_SHA256 and state == RANDOM_CHECK_STATE
