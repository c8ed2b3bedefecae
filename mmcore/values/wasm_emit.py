"""A tiny WebAssembly binary encoder: just what ``mmcore.values.wasm_matmul`` needs (a module that
imports its memory, exports functions of i32 parameters, and uses i32 and i64 integer arithmetic, loops,
f64 conversions and 128-bit SIMD loads, stores and f64x2 arithmetic, including abs and sqrt). Instructions are bytes; a function body is their join.

Examples:
    >>> uleb(624485).hex(), sleb(-123456).hex()
    ('e58e26', 'c0bb78')
    >>> body = get(0) + get(1) + op("i32.add")
    >>> wasm = module([Function("add", params=2, results=1, body=body)])
    >>> wasm[:8].hex()                                  # the magic number and version 1
    '0061736d01000000'
"""

from __future__ import annotations

import struct

from dataclasses import dataclass

__all__ = ["Function", "I32", "I64", "V128", "block", "f64", "get", "i32", "i64", "loop", "mem", "module", "op",
           "set_", "sleb", "tee", "uleb"]

I32, I64, V128 = 0x7F, 0x7E, 0x7B           # value types

#: single-byte opcodes
_OPS = {"block": 0x02, "loop": 0x03, "if": 0x04, "else": 0x05, "end": 0x0B, "br": 0x0C, "br_if": 0x0D,
        "return": 0x0F, "drop": 0x1A, "local.get": 0x20, "local.set": 0x21, "local.tee": 0x22,
        "i32.const": 0x41, "i32.eqz": 0x45, "i32.eq": 0x46, "i32.ne": 0x47, "i32.lt_u": 0x49,
        "i32.gt_u": 0x4B, "i32.add": 0x6A, "i32.sub": 0x6B, "i32.mul": 0x6C, "i32.shl": 0x74,
        "f32.load": 0x2A, "f64.load": 0x2B, "f64.store": 0x39, "f64.promote_f32": 0xBB,
        "i64.load": 0x29, "i64.store": 0x37, "i64.const": 0x42, "f64.const": 0x44, "i64.lt_u": 0x54,
        "i64.add": 0x7C, "i64.mul": 0x7E, "i64.and": 0x83, "i64.xor": 0x85, "i64.shr_u": 0x88, "i64.rotr": 0x8A,
        "i64.extend_i32_u": 0xAD, "f64.mul": 0xA2, "f64.convert_i64_u": 0xBA}

#: SIMD opcodes (prefix 0xFD, then the number as unsigned LEB128)
_SIMD = {"v128.load": 0x00, "v128.load32_splat": 0x09, "v128.load64_splat": 0x0A, "v128.store": 0x0B,
         "v128.const": 0x0C, "f32x4.splat": 0x13, "f64x2.splat": 0x14, "v128.load32_zero": 0x5C,
         "v128.load64_zero": 0x5D, "f64x2.promote_low_f32x4": 0x5F, "f64x2.abs": 0xEC, "f64x2.sqrt": 0xEF,
         "f64x2.add": 0xF0, "f64x2.sub": 0xF1, "f64x2.mul": 0xF2, "f64x2.relaxed_madd": 0x107}

_MEMORY_OPS = {"f32.load", "f64.load", "f64.store", "i64.load", "i64.store", "v128.load", "v128.load32_splat", "v128.load64_splat",
               "v128.store", "v128.load32_zero", "v128.load64_zero"}


def uleb(n: int) -> bytes:
    """Unsigned LEB128: 7 bits a byte, low bits first, the high bit set on all but the last byte.

    >>> uleb(0).hex(), uleb(127).hex(), uleb(128).hex()
    ('00', '7f', '8001')
    """
    if n < 0:
        raise ValueError(f"uleb: {n} is negative")
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def sleb(n: int) -> bytes:
    """Signed LEB128 (two's complement, sign-extended from the last byte's bit 6).

    >>> sleb(-1).hex(), sleb(63).hex(), sleb(64).hex()
    ('7f', '3f', 'c000')
    """
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        done = (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40)
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


def op(name: str, *immediates: bytes) -> bytes:
    """One instruction by its text-format name, with its already-encoded immediates.

    >>> op("i32.add").hex(), op("f64x2.mul").hex()
    ('6a', 'fdf201')
    """
    if name in _OPS:
        return bytes([_OPS[name]]) + b"".join(immediates)
    if name in _SIMD:
        return b"\xfd" + uleb(_SIMD[name]) + b"".join(immediates)
    raise ValueError(f"unknown instruction {name!r}")


def get(index: int) -> bytes:
    """``local.get index``."""
    return op("local.get", uleb(index))


def set_(index: int) -> bytes:
    """``local.set index``."""
    return op("local.set", uleb(index))


def tee(index: int) -> bytes:
    """``local.tee index``."""
    return op("local.tee", uleb(index))


def i32(value: int) -> bytes:
    """``i32.const value``.

    >>> i32(-1).hex()
    '417f'
    """
    return op("i32.const", sleb(value))


def i64(value: int) -> bytes:
    """``i64.const value``; ``value`` as a signed or an unsigned 64-bit number (the same bits).

    >>> i64(2 ** 64 - 1) == i64(-1), i64(2 ** 63).hex()
    (True, '428080808080808080807f')
    """
    if not -2 ** 63 <= value < 2 ** 64:
        raise ValueError(f"i64: {value} is not a 64-bit number")
    return op("i64.const", sleb(value - 2 ** 64 if value >= 2 ** 63 else value))


def f64(value: float) -> bytes:
    """``f64.const value`` (its 8 bytes, little-endian).

    >>> f64(1.0).hex()
    '44000000000000f03f'
    """
    return op("f64.const", struct.pack("<d", value))


def mem(name: str, offset: int = 0, align: int = 0) -> bytes:
    """A load or store with its memarg (alignment as a power of two, a constant byte offset).

    >>> mem("v128.load", offset=16).hex()
    'fd000010'
    """
    if name not in _MEMORY_OPS:
        raise ValueError(f"{name!r} is not a memory instruction")
    return op(name, uleb(align), uleb(offset))


def loop(*body: bytes) -> bytes:
    """``loop ... end`` with no result (``br 0`` inside jumps back to the start)."""
    return op("loop", b"\x40") + b"".join(body) + op("end")


def block(*body: bytes) -> bytes:
    """``block ... end`` with no result (``br 0`` inside jumps past the end)."""
    return op("block", b"\x40") + b"".join(body) + op("end")


@dataclass(frozen=True)
class Function:
    """An exported function: ``params`` i32 parameters, ``results`` i32 results, extra locals as
    ``(count, type)`` pairs (``I32``, ``I64``, ``V128``), and its body (instructions without the final ``end``)."""
    name: str
    params: int
    results: int
    body: bytes
    locals: tuple[tuple[int, int], ...] = ()


def _vec(items: list[bytes]) -> bytes:
    return uleb(len(items)) + b"".join(items)


def _name(text: str) -> bytes:
    raw = text.encode("utf-8")
    return uleb(len(raw)) + raw


def _section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + uleb(len(payload)) + payload


def module(functions: list[Function], *, memory: tuple[str, str] = ("env", "memory")) -> bytes:
    """A module binary: one imported memory (any size, not shared) and the given exported functions."""
    types = [b"\x60" + _vec([bytes([I32])] * f.params) + _vec([bytes([I32])] * f.results) for f in functions]
    imports = [_name(memory[0]) + _name(memory[1]) + b"\x02" + b"\x00" + uleb(0)]   # memory, limits: min 0
    exports = [_name(f.name) + b"\x00" + uleb(n) for n, f in enumerate(functions)]
    codes = []
    for f in functions:
        code = _vec([uleb(count) + bytes([kind]) for count, kind in f.locals]) + f.body + op("end")
        codes.append(uleb(len(code)) + code)
    return (b"\x00asm\x01\x00\x00\x00" + _section(1, _vec(types)) + _section(2, _vec(imports))
            + _section(3, _vec([uleb(n) for n in range(len(functions))])) + _section(7, _vec(exports))
            + _section(10, _vec(codes)))
