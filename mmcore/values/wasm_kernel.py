"""The WebAssembly code of Pyodide's matmul (``mmcore.values.wasm_matmul``), encoded with
``mmcore.values.wasm_emit``: a register-blocked f64x2 micro-kernel that sums every dot product in
order, and the packing of float32 operands into its float64 layout.

Example:
    >>> wasm = kernel_module()
    >>> wasm[:4], len(wasm) > 500
    (b'\\x00asm', True)
"""

from __future__ import annotations

from mmcore.values import wasm_emit as w

__all__ = ["MATMUL", "kernel_module", "pack_name"]

MATMUL = "mm_matmul"
_ADD, _SUB, _MUL = w.op("i32.add"), w.op("i32.sub"), w.op("i32.mul")


def pack_name(width: int) -> str:
    """The export that packs ``width`` lanes: ``mm_pack4``.

    >>> pack_name(4)
    'mm_pack4'
    """
    return f"mm_pack{width}"


def kernel_module(rows: int = 4, cols: int = 4, *, fused: bool = False) -> bytes:
    """The module: ``mm_matmul`` for tiles of ``rows`` × ``cols`` results (``fused``: with relaxed
    SIMD's multiply-add), and ``mm_pack{rows}``, ``mm_pack{cols}`` (one if equal), on an imported
    memory ``env.memory``.

    >>> kernel_module(2, 4) != kernel_module(), kernel_module(fused=True) != kernel_module()
    (True, True)
    """
    if rows < 1 or cols < 2 or cols % 2:
        raise ValueError(f"kernel_module: a tile of {rows} rows × {cols} columns (an even number ≥ 2)")
    return w.module([matmul_function(rows, cols, fused)] + [pack_function(n) for n in sorted({rows, cols})])


def matmul_function(rows: int, cols: int, fused: bool = False) -> w.Function:
    """``mm_matmul(a, b, c, blocks, panels, kc, a_step, b_step, ldc, more)``.

    For each panel p < ``panels`` and block i < ``blocks``: ``c`` tile (i, p) = (``more`` ? itself : 0)
    + Σ_k a[i][k]·b[p][k], k = 0 .. ``kc`` - 1 in order (``kc`` ≥ 1), where block i of the packed left
    matrix starts at byte ``a + i·a_step`` (``rows`` float64 a k), panel p at ``b + p·b_step``
    (``cols`` float64 a k), and the tile's row r at ``c + (i·rows + r)·ldc + p·cols·8``. Each result
    is a lane of its own f64x2 register: per k one ``v128.load64_splat`` a row, one ``v128.load``
    per two columns, ``f64x2.mul`` then ``f64x2.add``; or, ``fused``, relaxed SIMD's
    ``f64x2.relaxed_madd`` (one rounding or two, as the machine likes: the same bits here, since the
    product of two float32 numbers is exact in float64; one instruction instead of two where the
    machine has FMA).

    >>> matmul_function(4, 4).params
    10
    """
    vecs = cols // 2
    a0, b0, c0, blocks, panels, kc, a_step, b_step, ldc, more = range(10)
    p, blk, pa, pb, k = range(10, 15)
    crow = list(range(15, 15 + rows))                        # row pointers into c
    acc0 = 15 + rows                                         # v128 locals: rows·vecs accumulators,
    splat, bvec = acc0 + rows * vecs, acc0 + rows * vecs + 1  # one splat of a, vecs loads of b
    acc = [[acc0 + r * vecs + v for v in range(vecs)] for r in range(rows)]

    rows_ptrs = b"".join(
        w.get(c0) + w.get(p) + w.i32(cols * 8) + _MUL + _ADD
        + w.get(blk) + w.i32(rows) + _MUL + w.i32(r) + _ADD + w.get(ldc) + _MUL + _ADD
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
            if fused:
                step += w.get(splat) + w.get(bvec + v) + w.get(acc[r][v]) + w.op("f64x2.relaxed_madd")
            else:
                step += w.get(acc[r][v]) + w.get(splat) + w.get(bvec + v) + w.op("f64x2.mul") + w.op("f64x2.add")
            step += w.set_(acc[r][v])
    step += (w.get(pa) + w.i32(rows * 8) + _ADD + w.set_(pa) + w.get(pb) + w.i32(cols * 8) + _ADD + w.set_(pb)
             + w.get(k) + w.i32(1) + _SUB + w.tee(k) + w.op("br_if", w.uleb(0)))
    tile = (w.get(a0) + w.get(blk) + w.get(a_step) + _MUL + _ADD + w.set_(pa)
            + w.get(b0) + w.get(p) + w.get(b_step) + _MUL + _ADD + w.set_(pb)
            + rows_ptrs
            + w.get(more) + w.op("if", b"\x40") + load_acc + w.op("else") + zero_acc + w.op("end")
            + w.get(kc) + w.set_(k) + w.loop(step) + store_acc)
    body = (w.i32(0) + w.set_(p)
            + w.loop(w.i32(0) + w.set_(blk),
                     w.loop(tile, w.get(blk) + w.i32(1) + _ADD + w.tee(blk) + w.get(blocks) + w.op("i32.ne")
                            + w.op("br_if", w.uleb(0))),
                     w.get(p) + w.i32(1) + _ADD + w.tee(p) + w.get(panels) + w.op("i32.ne") + w.op("br_if", w.uleb(0))))
    return w.Function(MATMUL, params=10, results=0, body=body,
                      locals=((5 + rows, w.I32), (rows * vecs + 1 + vecs, w.V128)))


def pack_function(width: int) -> w.Function:
    """``mm_pack{width}(src, dst, groups, n_k, group_step, k_step, lane_step)``: float32 → float64,
    ``dst`` written in order: for g < ``groups`` (≥ 1), k < ``n_k`` (≥ 1), lane < ``width``:
    ``src[g·group_step + k·k_step + lane·lane_step]`` (byte offsets). Blocks of rows of the left
    matrix interleaved by k (lane = row) and panels of columns of the right one (lane = column).

    >>> pack_function(4).name
    'mm_pack4'
    """
    src, dst, groups, n_k, group_step, k_step, lane_step = range(7)
    k = 7
    lane = list(range(8, 8 + width))
    lanes = b"".join(w.get(src) + (w.get(lane_step) + w.i32(i) + _MUL + _ADD if i else b"") + w.set_(lane[i])
                     for i in range(width))
    step = b"".join(w.get(dst) + w.get(lane[i]) + w.mem("f32.load") + w.op("f64.promote_f32")
                    + w.mem("f64.store", 8 * i) for i in range(width))
    step += b"".join(w.get(lane[i]) + w.get(k_step) + _ADD + w.set_(lane[i]) for i in range(width))
    step += (w.get(dst) + w.i32(8 * width) + _ADD + w.set_(dst)
             + w.get(k) + w.i32(1) + _SUB + w.tee(k) + w.op("br_if", w.uleb(0)))
    group = (lanes + w.get(n_k) + w.set_(k) + w.loop(step)
             + w.get(src) + w.get(group_step) + _ADD + w.set_(src)
             + w.get(groups) + w.i32(1) + _SUB + w.tee(groups) + w.op("br_if", w.uleb(0)))
    return w.Function(pack_name(width), params=7, results=0, body=w.loop(group), locals=((1 + width, w.I32),))
