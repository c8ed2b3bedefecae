"""Pyodide's matmul as a hand-written WebAssembly SIMD kernel: ``left @ right`` of float32 arrays in
float64 with every dot product summed from 0.0 in order k = 0, 1, ... (mm's bits, the same as the
einsum path of ``mmcore.values.inorder``), about 3.5× faster there.

The kernel (``kernel_module``, encoded by ``mmcore.values.wasm_emit``) works on packed copies made
with numpy: the left matrix as blocks of ``ROWS`` rows in float64, interleaved by k (``pack_left``),
the right one as panels of ``COLS`` columns, contiguous by k (``pack_right``), both zero-padded (padding
rows and columns only make results that are cut off). Each ``ROWS`` × ``COLS`` tile of the result is
held in f64x2 registers, one lane per result: per k, one ``v128.load64_splat`` per row, one
``v128.load`` per two columns, then ``f64x2.mul`` and ``f64x2.add`` (no fused multiply-add in wasm;
the products of float32 numbers are exact anyway). The sum over k runs in chunks of ``K_CHUNK``
(the tile is stored in the float64 result and loaded back: exact), a group of ``ROW_GROUP`` blocks
at a time, so the packed rows being reused stay in the cache. ``plan`` lists the kernel's calls.

In Pyodide the module imports Pyodide's own ``WebAssembly.Memory`` (numpy arrays are read in place at
``arr.__array_interface__["data"][0]``), compiled once on first use (``pyodide_kernel``); it is
checked against the einsum path on a product where any other order shows before it is used. Set
``MM_NO_WASM_KERNEL=1`` (read once, at import) to keep the einsum path, for A/B comparisons.

Examples (CPython runs no wasm: the packing and the call plan are plain numpy):
    >>> import numpy as np
    >>> pack_left(np.arange(6, dtype=np.float32).reshape(2, 3), rows=4).shape   # 1 block of 4 rows, k, row
    (1, 3, 4)
    >>> pack_right(np.ones((3, 5), np.float32), cols=4).shape                     # 2 panels, k, column
    (2, 3, 4)
    >>> kernel_module()[:4]
    b'\\x00asm'
"""

from __future__ import annotations

import os
import sys

import numpy as np

from mmcore.values import wasm_emit as w

__all__ = ["COLS", "ROWS", "kernel_module", "matmul_f32_wasm", "pack_left", "pack_right", "plan",
           "pyodide_kernel"]

ROWS, COLS = 4, 4           # a tile of the result: ROWS × COLS float64 = ROWS·COLS/2 f64x2 registers
K_CHUNK = 256               # k per call: a block's packed rows (ROWS·K_CHUNK·8 bytes) stay in the L1 cache
ROW_GROUP = 16              # blocks per call: the group's packed rows (ROW_GROUP·ROWS·K_CHUNK·8) in L2
MIN_WORK = 4096             # smaller products (i·k·j) keep the einsum path: a call through JS costs µs

_DISABLED = bool(os.environ.get("MM_NO_WASM_KERNEL"))
_EXPORT = "mm_matmul"


def kernel_module(rows: int = ROWS, cols: int = COLS) -> bytes:
    """The kernel's wasm binary: ``mm_matmul(a, b, c, blocks, panels, kc, a_step, b_step, ldc, more)``.

    For each panel p < ``panels`` and block i < ``blocks``: ``c`` tile (i, p) = (``more`` ? itself : 0)
    + Σ_k a[i][k]·b[p][k], k = 0 .. ``kc`` - 1 in order, where block i of the packed left matrix
    starts at byte ``a + i·a_step`` (``rows`` float64 a k), panel p at ``b + p·b_step`` (``cols``
    float64 a k), and the tile's row r at ``c + (i·rows + r)·ldc + p·cols·8``.

    >>> len(kernel_module()) > 100, kernel_module(2, 4) != kernel_module()
    (True, True)
    """
    if rows < 1 or cols < 2 or cols % 2:
        raise ValueError(f"kernel_module: a tile of {rows} rows × {cols} columns (an even number ≥ 2)")
    vecs = cols // 2
    a0, b0, c0, blocks, panels, kc, a_step, b_step, ldc, more = range(10)
    p, blk, pa, pb, k = range(10, 15)
    crow = list(range(15, 15 + rows))                        # row pointers into c
    acc0 = 15 + rows                                         # v128 locals: rows·vecs accumulators,
    splat, bvec = acc0 + rows * vecs, acc0 + rows * vecs + 1  # one splat of a, vecs loads of b
    acc = [[acc0 + r * vecs + v for v in range(vecs)] for r in range(rows)]
    add = w.op("i32.add")

    rows_ptrs = b"".join(
        w.get(c0) + w.get(p) + w.i32(cols * 8) + w.op("i32.mul") + add
        + w.get(blk) + w.i32(rows) + w.op("i32.mul") + w.i32(r) + add + w.get(ldc) + w.op("i32.mul") + add
        + w.set_(crow[r]) for r in range(rows))
    load_acc = b"".join(w.get(crow[r]) + w.mem("v128.load", 16 * v) + w.set_(acc[r][v])
                        for r in range(rows) for v in range(vecs))
    zero_acc = b"".join(w.op("v128.const", bytes(16)) + w.set_(acc[r][v]) for r in range(rows) for v in range(vecs))
    store_acc = b"".join(w.get(crow[r]) + w.get(acc[r][v]) + w.mem("v128.store", 16 * v)
                         for r in range(rows) for v in range(vecs))
    step = b"".join(w.get(pb) + w.mem("v128.load", 16 * v) + w.set_(bvec + v) for v in range(vecs))
    for r in range(rows):
        step += w.get(pa) + w.mem("v128.load64_splat", 8 * r) + w.set_(splat)
        for v in range(vecs):
            step += (w.get(acc[r][v]) + w.get(splat) + w.get(bvec + v) + w.op("f64x2.mul")
                     + w.op("f64x2.add") + w.set_(acc[r][v]))
    step += (w.get(pa) + w.i32(rows * 8) + add + w.set_(pa) + w.get(pb) + w.i32(cols * 8) + add + w.set_(pb)
             + w.get(k) + w.i32(1) + w.op("i32.sub") + w.tee(k) + w.op("br_if", w.uleb(0)))
    tile = (w.get(a0) + w.get(blk) + w.get(a_step) + w.op("i32.mul") + add + w.set_(pa)
            + w.get(b0) + w.get(p) + w.get(b_step) + w.op("i32.mul") + add + w.set_(pb)
            + rows_ptrs
            + w.get(more) + w.op("if", b"\x40") + load_acc + w.op("else") + zero_acc + w.op("end")
            + w.get(kc) + w.set_(k) + w.loop(step) + store_acc)
    body = (w.i32(0) + w.set_(p)
            + w.loop(w.i32(0) + w.set_(blk),
                     w.loop(tile, w.get(blk) + w.i32(1) + add + w.tee(blk) + w.get(blocks) + w.op("i32.ne")
                            + w.op("br_if", w.uleb(0))),
                     w.get(p) + w.i32(1) + add + w.tee(p) + w.get(panels) + w.op("i32.ne") + w.op("br_if", w.uleb(0))))
    return w.module([w.Function(_EXPORT, params=10, results=0, body=body,
                                locals=((5 + rows, w.I32), (rows * vecs + 1 + vecs, w.V128)))])


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


def plan(a: int, b: int, c: int, shape: tuple[int, int, int], *, rows: int = ROWS, cols: int = COLS,
         k_chunk: int = K_CHUNK, row_group: int = ROW_GROUP) -> list[tuple[int, ...]]:
    """The kernel calls for a product of ``shape`` (I, K, J) whose packed operands start at byte
    addresses ``a`` and ``b`` and whose padded float64 result (rows and columns rounded up to
    ``rows`` and ``cols``) starts at ``c``: each call's 10 arguments, k chunks in order.

    >>> plan(0, 0, 0, (8, 300, 4), row_group=1)[0], len(plan(0, 0, 0, (8, 300, 4), row_group=1))
    ((0, 0, 0, 1, 1, 256, 9600, 9600, 32, 0), 4)
    """
    i, k, j = shape
    if k < 1:
        raise ValueError("plan: a product over k = 0 terms")
    blocks, panels = -(-i // rows), -(-j // cols)
    ldc = panels * cols * 8
    calls = []
    for k0 in range(0, k, k_chunk):
        for g in range(0, blocks, row_group):
            calls.append((a + (g * k + k0) * rows * 8, b + k0 * cols * 8, c + g * rows * ldc,
                          min(row_group, blocks - g), panels, min(k_chunk, k - k0),
                          k * rows * 8, k * cols * 8, ldc, int(k0 > 0)))
    return calls


def matmul_f32_wasm(left: np.ndarray, right: np.ndarray, kernel) -> np.ndarray:
    """``left @ right`` (float32, 2-D, K ≥ 1) in float64 through ``kernel`` (a callable taking the
    10 i32 arguments of ``mm_matmul``, reading the process's own memory: ``pyodide_kernel()``)."""
    (i, k), j = left.shape, right.shape[1]
    a, b = pack_left(left), pack_right(right)
    out = np.empty((a.shape[0] * ROWS, b.shape[0] * COLS), dtype=np.float64)
    for args in plan(_address(a), _address(b), _address(out), (i, k, j)):
        kernel(*args)
    return out if out.shape == (i, j) else np.ascontiguousarray(out[:i, :j])


def _address(arr: np.ndarray) -> int:
    return arr.__array_interface__["data"][0]


_KERNEL: list = []          # [the kernel or None], once tried


def pyodide_kernel():
    """The compiled kernel in Pyodide, or None (CPython, no SIMD, no memory, ``MM_NO_WASM_KERNEL``,
    or a self-check that failed); compiled on the first call only.

    >>> pyodide_kernel() is None or sys.platform == "emscripten"
    True
    """
    if not _KERNEL:
        _KERNEL.append(None if _DISABLED or sys.platform != "emscripten" else _load_in_pyodide())
    return _KERNEL[0]


def _load_in_pyodide():
    try:
        import js                 # noqa: PLC0415  (Pyodide only)
        import pyodide_js         # noqa: PLC0415
        from pyodide.ffi import to_js  # noqa: PLC0415

        binary = to_js(kernel_module())
        if not js.WebAssembly.validate(binary):          # no wasm SIMD
            return None
        main = js.Reflect.get(pyodide_js._module.LDSO.loadedLibsByName, "__main__")
        memory = js.Reflect.get(main.exports, "memory")  # what Pyodide's main module imports as env.memory
        if not js.Object.is_(memory.buffer, pyodide_js._module.HEAPU8.buffer):
            return None
        env = js.Object.new()
        env.memory = memory
        imports = js.Object.new()
        imports.env = env
        kernel = js.WebAssembly.Instance.new(js.WebAssembly.Module.new(binary), imports).exports.mm_matmul
        return kernel if _self_check(kernel) else None
    except Exception:             # noqa: BLE001  (any failure: the einsum path stays)
        return None


def _self_check(kernel) -> bool:
    """The kernel's bits equal numpy's matmul's on a product where any other order of a sum shows
    (numpy without BLAS, as in Pyodide, sums each dot product in order: ``mmcore.values.inorder``)."""
    rng = np.random.default_rng(14)
    left = (rng.standard_normal((7, 300)) * 2.0 ** rng.integers(-30, 31, (7, 300))).astype(np.float32)
    right = (rng.standard_normal((300, 9)) * 2.0 ** rng.integers(-30, 31, (300, 9))).astype(np.float32)
    want = np.matmul(left.astype(np.float64), right.astype(np.float64))
    return np.array_equal(matmul_f32_wasm(left, right, kernel).view(np.int64), want.view(np.int64))
