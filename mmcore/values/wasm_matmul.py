"""Pyodide's matmul as a hand-written WebAssembly SIMD kernel: ``left @ right`` of float32 arrays in
float64 with every dot product summed from 0.0 in order k = 0, 1, ... (mm's bits, the same as the
einsum path of ``mmcore.values.inorder``), about 3.5× faster there.

The kernel (``mmcore.values.wasm_kernel``) works on packed float64 copies, which its ``mm_pack``
functions write (numpy's equivalents: ``pack_left``, ``pack_right``): the left matrix as blocks of
``ROWS`` rows interleaved by k, the right one as panels of ``COLS`` columns contiguous by k, both
zero-padded (padding rows and columns only make results that are cut off). Each ``ROWS`` × ``COLS``
tile of the result is held in f64x2 registers, one lane per result: per k, one ``v128.load64_splat``
per row, one ``v128.load`` per two columns, then ``f64x2.mul`` and ``f64x2.add``, or relaxed SIMD's
``f64x2.relaxed_madd`` where the engine has it (fused or not: the same bits, since the products of
float32 numbers are exact in float64). The sum over k runs in chunks of ``K_CHUNK`` (the tile is
stored in the float64 result and loaded back: exact), a group of ``ROW_GROUP`` blocks at a time, so
the packed rows being reused stay in the cache. ``plan`` lists the kernel's calls.

In Pyodide the module imports Pyodide's own ``WebAssembly.Memory`` (numpy arrays are read in place at
``arr.__array_interface__["data"][0]``), compiled once on first use (``pyodide_kernel``); it is
checked against numpy's in-order matmul on a product where any other order shows before it is used.
Set ``MM_NO_WASM_KERNEL=1`` (read once, at import) to keep the einsum path, for A/B comparisons.

Examples (CPython runs no wasm: the packing and the call plan are plain numpy):
    >>> import numpy as np
    >>> pack_left(np.arange(6, dtype=np.float32).reshape(2, 3), rows=4).shape   # 1 block of 4 rows, k, row
    (1, 3, 4)
    >>> pack_right(np.ones((3, 5), np.float32), cols=4).shape                     # 2 panels, k, column
    (2, 3, 4)
    >>> plan(0, 0, 0, (5, 3, 4))          # one call: 2 blocks of rows, 1 panel, k = 0, 1, 2
    [(0, 0, 0, 2, 1, 3, 96, 96, 32, 0)]
"""

from __future__ import annotations

import sys

from dataclasses import dataclass
from typing import Any

import numpy as np

from mmcore.values.wasm_kernel import MATMUL, kernel_module, pack_name
from mmcore.values.wasm_load import address, instantiate_in_pyodide, kernels_allowed

__all__ = ["COLS", "ROWS", "Kernel", "check_operands", "disable_kernel", "load_kernel",
           "matmul_f32_wasm", "pack_args", "pack_left", "pack_right", "plan", "pyodide_kernel"]

ROWS, COLS = 4, 4           # a tile of the result: ROWS × COLS float64 = ROWS·COLS/2 f64x2 registers
K_CHUNK = 256               # k per call: a block's packed rows (ROWS·K_CHUNK·8 bytes) stay in the L1 cache
ROW_GROUP = 16              # blocks per call: the group's packed rows (ROW_GROUP·ROWS·K_CHUNK·8) in L2
MIN_WORK = 1 << 16          # smaller products (i·k·j) keep the einsum path (the kernel's JS calls: ~50 µs)

@dataclass(frozen=True)
class Kernel:
    """The compiled functions (callables taking i32 arguments): ``matmul`` (``mm_matmul``) and
    ``pack[width]`` (``mm_pack{width}``), for result tiles of ``rows`` × ``cols``; ``fused`` when
    ``mm_matmul`` uses relaxed SIMD's multiply-add."""
    matmul: Any
    pack: dict
    rows: int = ROWS
    cols: int = COLS
    fused: bool = False


def pack_left(left: np.ndarray, rows: int = ROWS) -> np.ndarray:
    """``left`` (I × K) as float64 blocks of ``rows`` rows interleaved by k: ``out[b, k, r] = left[b·rows + r, k]``,
    zero rows to fill the last block.

    >>> pack_left(np.arange(6, dtype=np.float32).reshape(2, 3), rows=2)[0].tolist()
    [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    """
    i, k = left.shape
    full, rest = divmod(i, rows)
    out = np.empty((full + (rest > 0), k, rows), dtype=np.float64)
    out[:full] = left[:full * rows].reshape(full, rows, k).transpose(0, 2, 1)
    if rest:
        out[full, :, :rest] = left[full * rows:].T
        out[full, :, rest:] = 0.0
    return out


def pack_right(right: np.ndarray, cols: int = COLS) -> np.ndarray:
    """``right`` (K × J) as float64 panels of ``cols`` columns, contiguous by k:
    ``out[p, k, c] = right[k, p·cols + c]``, zero columns to fill the last panel.

    >>> pack_right(np.arange(6, dtype=np.float32).reshape(2, 3), cols=2).tolist()
    [[[0.0, 1.0], [3.0, 4.0]], [[2.0, 0.0], [5.0, 0.0]]]
    """
    k, j = right.shape
    full, rest = divmod(j, cols)
    out = np.empty((full + (rest > 0), k, cols), dtype=np.float64)
    out[:full] = right[:, :full * cols].reshape(k, full, cols).transpose(1, 0, 2)
    if rest:
        out[full, :, :rest] = right[:, full * cols:]
        out[full, :, rest:] = 0.0
    return out


def pack_args(src: int, dst: int, shape: tuple[int, int], strides: tuple[int, int], width: int,
              lane_axis: int) -> tuple[int, ...] | None:
    """``mm_pack{width}``'s arguments for the whole groups of ``width`` lanes of a float32 matrix of
    ``shape`` and byte ``strides`` at ``src`` (lanes along ``lane_axis``: 0 for the left matrix's rows,
    1 for the right one's columns), written to ``dst``; None when there is no whole group.

    >>> pack_args(1000, 2000, (6, 3), (12, 4), 4, lane_axis=0)     # 1 block of 4 rows, 3 k, the rest: numpy
    (1000, 2000, 1, 3, 48, 4, 12)
    """
    full = shape[lane_axis] // width
    lane_step, k_step = strides[lane_axis], strides[1 - lane_axis]
    return (src, dst, full, shape[1 - lane_axis], width * lane_step, k_step, lane_step) if full else None


def plan(a: int, b: int, c: int, shape: tuple[int, int, int], *, rows: int = ROWS, cols: int = COLS,
         k_chunk: int = K_CHUNK, row_group: int = ROW_GROUP) -> list[tuple[int, ...]]:
    """The kernel calls for a product of ``shape`` (I, K, J) whose packed operands start at byte
    addresses ``a`` and ``b`` and whose padded float64 result (rows and columns rounded up to
    ``rows`` and ``cols``) starts at ``c``: each call's 10 arguments, k chunks in order.

    >>> plan(0, 0, 0, (8, 300, 4), row_group=1)[0], len(plan(0, 0, 0, (8, 300, 4), row_group=1))
    ((0, 0, 0, 1, 1, 256, 9600, 9600, 32, 0), 4)
    """
    i, k, j = shape
    if min(shape) < 1:
        raise ValueError(f"plan: the kernel needs I, K, J ≥ 1, not {shape}")
    blocks, panels = -(-i // rows), -(-j // cols)
    ldc = panels * cols * 8
    calls = []
    for k0 in range(0, k, k_chunk):
        for g in range(0, blocks, row_group):
            calls.append((a + (g * k + k0) * rows * 8, b + k0 * cols * 8, c + g * rows * ldc,
                          min(row_group, blocks - g), panels, min(k_chunk, k - k0),
                          k * rows * 8, k * cols * 8, ldc, int(k0 > 0)))
    return calls


def matmul_f32_wasm(left: np.ndarray, right: np.ndarray, kernel: Kernel, *, k_chunk: int = K_CHUNK,
                    row_group: int = ROW_GROUP) -> np.ndarray:
    """``left @ right`` (float32, 2-D, K ≥ 1) in float64 through ``kernel`` (``pyodide_kernel()``: its
    functions read and write this process's memory), ``k_chunk`` and ``row_group`` as in ``plan``."""
    if left.dtype != np.float32 or right.dtype != np.float32 or left.ndim != 2 or right.shape[0] != left.shape[1]:
        raise ValueError(f"matmul_f32_wasm: float32 (I, K) @ (K, J), not {left.dtype} {left.shape} @ "
                         f"{right.dtype} {right.shape}")
    left, right = _forward(left), _forward(right)
    (i, k), j = left.shape, right.shape[1]
    a = np.empty((-(-i // kernel.rows), k, kernel.rows), dtype=np.float64)
    b = np.empty((-(-j // kernel.cols), k, kernel.cols), dtype=np.float64)
    _pack(left, a, 0, kernel.pack[kernel.rows])
    _pack(right, b, 1, kernel.pack[kernel.cols])
    out = np.empty((a.shape[0] * kernel.rows, b.shape[0] * kernel.cols), dtype=np.float64)
    for args in plan(address(a), address(b), address(out), (i, k, j), rows=kernel.rows, cols=kernel.cols,
                     k_chunk=k_chunk, row_group=row_group):
        kernel.matmul(*args)
    if out.shape[1] == j:
        return out[:i]                      # the first rows of a C-contiguous array: contiguous, no copy
    return np.ascontiguousarray(out[:i, :j])


def _forward(x: np.ndarray) -> np.ndarray:
    """``x`` itself unless it runs backwards along an axis (then a contiguous copy)."""
    return x if min(x.strides) >= 0 else np.ascontiguousarray(x)


def _pack(x: np.ndarray, out: np.ndarray, lane_axis: int, pack) -> None:
    """``out`` = ``pack_left(x)`` (lane_axis 0) or ``pack_right(x)`` (1): the whole groups by ``pack``
    (wasm), the last, partial one by numpy."""
    width = out.shape[2]
    args = pack_args(address(x), address(out), x.shape, x.strides, width, lane_axis)
    if args is not None:
        pack(*args)
    full = x.shape[lane_axis] // width
    if full < out.shape[0]:
        rest = x[full * width:].T if lane_axis == 0 else x[:, full * width:]      # (K, lanes left)
        out[full] = 0.0
        out[full, :, :rest.shape[1]] = rest


_KERNEL: list = []          # [the kernel or None], once tried


def pyodide_kernel() -> Kernel | None:
    """The compiled kernel in Pyodide, or None (CPython, no SIMD, no memory, ``MM_NO_WASM_KERNEL``,
    or a self-check that failed); compiled on the first call only.

    >>> pyodide_kernel() is None or sys.platform == "emscripten"
    True
    """
    if not _KERNEL:
        _KERNEL.append(_load_in_pyodide() if kernels_allowed() else None)
    return _KERNEL[0]


def disable_kernel() -> None:
    """From now on ``pyodide_kernel()`` is None (the einsum path).

    >>> disable_kernel(); pyodide_kernel() is None
    True
    """
    _KERNEL[:] = [None]


def _load_in_pyodide() -> Kernel | None:
    try:
        return load_kernel(fused=True) or load_kernel(fused=False)
    except Exception:             # noqa: BLE001  (any failure: the einsum path stays)
        return None


def load_kernel(*, fused: bool) -> Kernel | None:
    """The kernel (``fused``: with relaxed SIMD's multiply-add, same bits) compiled on Pyodide's
    memory and checked, or None where this wasm engine has no such instructions (Pyodide only)."""
    exports = instantiate_in_pyodide(kernel_module(ROWS, COLS, fused=fused))
    if exports is None:
        return None
    kernel = Kernel(getattr(exports, MATMUL), {n: getattr(exports, pack_name(n)) for n in {ROWS, COLS}},
                    fused=fused)
    return kernel if _self_check(kernel) else None


def check_operands(shape: tuple[int, int, int] = (6, 128, 7)) -> tuple[np.ndarray, np.ndarray]:
    """float32 operands of the kernel's self-check: ±(0.5 .. 1)·2^e, e in -30 .. 30, scrambled by
    integer hashing (no ``numpy.random``: its libraries load on first use, ~80 ms in Pyodide), so
    every other order of a sum gives other bits (``tests/engine/test_wasm_matmul.py``).

    >>> left, right = check_operands((2, 3, 4))
    >>> left.dtype, left.shape, right.shape, bool(abs(left).min() >= 2.0 ** -31)
    (dtype('float32'), (2, 3), (3, 4), True)
    """
    i, k, j = shape

    def scrambled(n: int, salt: int) -> np.ndarray:
        h = (np.arange(n, dtype=np.int64) * 2654435761 + salt) % 4294967291
        mant = (0.5 + (h % 1000003) / 2000006.0) * np.where(h % 2 == 0, 1.0, -1.0)
        return (mant * 2.0 ** ((h // 7) % 61 - 30)).astype(np.float32)
    return scrambled(i * k, 1).reshape(i, k), scrambled(k * j, 2).reshape(k, j)


def _self_check(kernel: Kernel) -> bool:
    """The kernel's bits equal numpy's matmul's on a product where any other order of a sum shows
    (numpy without BLAS, as in Pyodide, sums each dot product in order: ``mmcore.values.inorder``).

    Then the kernel is warmed up: V8 runs new wasm code in its baseline compiler first (3-4× slower
    here) and compiles a function with its optimising one once it has been hot for ~10,000 steps
    of a loop; a call already running is not switched over, so a reader's first large product would
    otherwise run at the baseline's speed."""
    left, right = check_operands()
    want = np.matmul(left.astype(np.float64), right.astype(np.float64))
    if not np.array_equal(matmul_f32_wasm(left, right, kernel).view(np.int64), want.view(np.int64)):
        return False
    a, b = np.zeros((2, 128, kernel.rows)), np.zeros((2, 128, kernel.cols))
    out = np.empty((2 * kernel.rows, 2 * kernel.cols))
    src = np.zeros((2 * max(kernel.rows, kernel.cols), 128), np.float32)
    (calls,) = plan(address(a), address(b), address(out), (out.shape[0], 128, out.shape[1]),
                    rows=kernel.rows, cols=kernel.cols)
    packing = pack_args(address(src), address(a), (2 * kernel.rows, 128), src.strides, kernel.rows, 0)
    for _ in range(24):                   # 24 × 512 steps of mm_matmul's loop, 24 × 256 of mm_pack's
        kernel.matmul(*calls)
        kernel.pack[kernel.rows](*packing)
    return True
