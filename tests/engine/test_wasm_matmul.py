"""The WebAssembly matmul kernel (``mmcore.values.wasm_matmul``), run by Node outside Pyodide: the
packed operands go into a ``WebAssembly.Memory`` of the test's own, the calls are ``plan``'s, and the
result must have the bits of every dot product summed from 0.0 in order k = 0, 1, ... on values
where any other order shows. Also the emitter's module validates, and the Pyodide path under Node
gives the einsum path's bits (skipped without Node or without the Pyodide index).
"""

from __future__ import annotations

import base64
import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

from mmcore.values import wasm_emit as w
from mmcore.values.wasm_kernel import MATMUL, kernel_module, pack_name
from mmcore.values.wasm_matmul import COLS, MIN_WORK, ROWS, matmul_f32_wasm, pack_args, pack_left, pack_right, plan
from tests.engine.test_values_matmul_order import _cancelling, _in_order

NODE = shutil.which("node")
REPO = pathlib.Path(__file__).resolve().parents[2]
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

# Reads the module, a memory image and the calls ([export, ...args]) as JSON on stdin; writes the
# bytes of memory asked for to stdout.
RUN = r"""
require("v8").setFlagsFromString("--experimental-wasm-relaxed-simd");   // Node 20: relaxed SIMD behind a flag
const chunks = []; process.stdin.on("data", (d) => chunks.push(d)); process.stdin.on("end", () => {
  const job = JSON.parse(Buffer.concat(chunks).toString());
  const image = Buffer.from(job.image, "base64");
  const memory = new WebAssembly.Memory({ initial: Math.ceil(image.length / 65536) + 1 });
  new Uint8Array(memory.buffer).set(image);
  const mod = new WebAssembly.Module(Buffer.from(job.wasm, "base64"));
  const exports = new WebAssembly.Instance(mod, { env: { memory } }).exports;
  for (const [name, ...args] of job.calls) exports[name](...args);
  process.stdout.write(Buffer.from(memory.buffer, job.out[0], job.out[1]).toString("base64"));
});
"""


def _node(script: str, stdin: str = "") -> str:
    done = subprocess.run([NODE, "-e", script], input=stdin, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Image:
    """A memory image for Node: arrays placed one after the other (16-byte aligned), from byte 64."""

    def __init__(self):
        self.data = bytearray(64)

    def put(self, arr: np.ndarray) -> int:
        at = len(self.data) + (-len(self.data)) % 16
        self.data += bytes(at - len(self.data)) + arr.tobytes()
        return at

    def run(self, calls: list, out_at: int, out_bytes: int, rows: int = ROWS, cols: int = COLS,
            fused: bool = False) -> bytes:
        job = {"wasm": base64.b64encode(kernel_module(rows, cols, fused=fused)).decode(),
               "image": base64.b64encode(bytes(self.data)).decode(), "calls": calls, "out": [out_at, out_bytes]}
        return base64.b64decode(_node(RUN, json.dumps(job)))


def run_kernel(left: np.ndarray, right: np.ndarray, *, edit=None, fused: bool = False, **tiles) -> np.ndarray:
    """``left @ right`` in Node the way ``matmul_f32_wasm`` does it in Pyodide: the whole groups packed by
    ``mm_pack``, the partial ones by numpy (``pack_left``, ``pack_right``), then ``plan``'s calls
    (``edit`` may change them, to show the check can fail)."""
    rows, cols = tiles.get("rows", ROWS), tiles.get("cols", COLS)
    want_a, want_b = pack_left(left, rows), pack_right(right, cols)
    image = Image()
    at = {"left": image.put(left), "right": image.put(right)}
    packed = []
    for name, want, width, axis, x in (("a", want_a, rows, 0, left), ("b", want_b, cols, 1, right)):
        start = np.full_like(want, np.nan)                      # NaN: mm_pack must write every whole group
        full = x.shape[axis] // width
        start[full:] = want[full:]
        at[name] = image.put(start)
        args = pack_args(at["left" if axis == 0 else "right"], at[name], x.shape, x.strides, width, axis)
        packed += [[pack_name(width), *args]] if args else []
    out_shape = (want_a.shape[0] * rows, want_b.shape[0] * cols)
    at["c"] = image.put(np.full(out_shape, np.nan))                 # NaN: every result must be written
    calls = plan(at["a"], at["b"], at["c"], (left.shape[0], left.shape[1], right.shape[1]), **tiles)
    calls = edit(calls) if edit else calls
    raw = image.run(packed + [[MATMUL, *c] for c in calls], at["c"], 8 * out_shape[0] * out_shape[1], rows, cols,
                    fused)
    return np.frombuffer(raw, np.float64).reshape(out_shape)[:left.shape[0], :right.shape[1]]


def _f32(rng, h: int, w_: int) -> np.ndarray:
    return _cancelling(rng, h, w_).astype(np.float32)


def test_leb128_and_instructions():
    assert [w.uleb(n).hex() for n in (0, 1, 127, 128, 300, 2 ** 32 - 1)] == [
        "00", "01", "7f", "8001", "ac02", "ffffffff0f"]
    assert [w.sleb(n).hex() for n in (0, 1, -1, 63, -64, 64, -65, 2 ** 31 - 1)] == [
        "00", "01", "7f", "3f", "40", "c000", "bf7f", "ffffffff07"]
    assert w.op("v128.load64_splat").hex() == "fd0a" and w.op("f64x2.add").hex() == "fdf001"
    assert w.mem("v128.store", offset=200, align=3).hex() == "fd0b03c801"
    with pytest.raises(ValueError, match="unknown instruction"):
        w.op("f64x2.fma")
    with pytest.raises(ValueError, match="negative"):
        w.uleb(-1)
    with pytest.raises(ValueError, match="not a memory instruction"):
        w.mem("f64x2.mul")


def test_packing_and_plan_cover_every_row_column_and_k():
    left, right = np.arange(35, dtype=np.float32).reshape(5, 7), np.arange(42, dtype=np.float32).reshape(7, 6)
    a, b = pack_left(left), pack_right(right)
    assert a.shape == (2, 7, 4) and a[1, :, 0].tolist() == left[4].tolist() and not a[1, :, 1:].any()
    assert b.shape == (2, 7, 4) and b[1, :, :2].tolist() == right[:, 4:].tolist() and not b[1, :, 2:].any()
    calls = plan(1000, 2000, 3000, (5, 700, 6), k_chunk=256, row_group=1)
    assert [c[5] for c in calls] == [256, 256, 256, 256, 188, 188]            # k chunks, 2 blocks each
    assert [c[9] for c in calls] == [0, 0, 1, 1, 1, 1]                        # the first chunk starts from 0.0
    assert calls[3][:3] == (1000 + (700 + 256) * 32, 2000 + 256 * 32, 3000 + 4 * 64)
    for shape in ((2, 0, 2), (0, 3, 2), (2, 3, 0)):
        with pytest.raises(ValueError, match="I, K, J ≥ 1"):
            plan(0, 0, 0, shape)
    with pytest.raises(ValueError, match="float32"):
        matmul_f32_wasm(np.ones((2, 3)), np.ones((3, 2)), kernel=None)
    with pytest.raises(ValueError, match="float32"):
        matmul_f32_wasm(np.ones((2, 3), np.float32), np.ones((2, 2), np.float32), kernel=None)


@needs_node
def test_module_validates_in_node():
    wasms = [kernel_module(), kernel_module(2, 8), kernel_module(1, 2, fused=True),
             w.module([w.Function("add", params=2, results=1, body=w.get(0) + w.get(1) + w.op("i32.add"))])]
    script = ("require('v8').setFlagsFromString('--experimental-wasm-relaxed-simd'); "
              "const b = JSON.parse(process.argv[1]); console.log(JSON.stringify(b.map((h) => "
              "WebAssembly.validate(Buffer.from(h, 'hex')))));")
    done = subprocess.run([NODE, "-e", script, json.dumps([m.hex() for m in wasms] + ["0061736d01000000ff"])],
                          capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout) == [True, True, True, True, False]


@needs_node
@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 3, 4), (5, 9, 3), (7, 300, 9), (16, 64, 40), (33, 520, 2)])
def test_kernel_sums_in_order(shape, fused):
    i, k, j = shape
    rng = np.random.default_rng(sum(shape))
    left, right = _f32(rng, i, k), _f32(rng, k, j)
    got = run_kernel(left, right, fused=fused, k_chunk=256, row_group=2)
    want = _in_order(left.astype(np.float64), right.astype(np.float64))
    assert got.shape == (i, j)
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


@needs_node
@pytest.mark.parametrize("rows, cols", [(2, 8), (1, 2), (3, 6)])
def test_other_tiles_sum_in_order(rows, cols):
    rng = np.random.default_rng(rows * cols)
    left, right = _f32(rng, 7, 50), _f32(rng, 50, 11)
    got = run_kernel(left, right, rows=rows, cols=cols, k_chunk=16, row_group=3)
    want = _in_order(left.astype(np.float64), right.astype(np.float64))
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


@needs_node
def test_the_check_can_fail():
    """A kernel that started every k chunk from 0.0 (forgetting the earlier chunks) is caught."""
    rng = np.random.default_rng(3)
    left, right = _f32(rng, 4, 40), _f32(rng, 40, 4)
    want = _in_order(left.astype(np.float64), right.astype(np.float64))
    assert np.array_equal(run_kernel(left, right, k_chunk=40), want)
    forget = lambda calls: [c[:9] + (0,) for c in calls]                      # noqa: E731
    assert not np.array_equal(run_kernel(left, right, k_chunk=8, edit=forget), want)
    assert np.array_equal(run_kernel(left, right, k_chunk=8), want)


@needs_node
@pytest.mark.parametrize("fused", [False, True])
def test_signed_zero_infinity_and_nan_as_the_sum_in_order(fused):
    left = np.array([[-0.0, -0.0], [np.inf, 1.0], [np.nan, 0.0], [1.0, -1.0], [-1e-30, 1e30]], np.float32)
    right = np.array([[1.0, 0.0, 2.0], [1.0, -0.0, 3.0]], np.float32)
    got = run_kernel(left, right, fused=fused)
    want = _in_order(left.astype(np.float64), right.astype(np.float64))
    assert np.array_equal(np.signbit(got), np.signbit(want)) and np.array_equal(got, want, equal_nan=True)


@needs_node
@pytest.mark.parametrize("width, axis, shape, transposed", [(4, 0, (9, 13), False), (4, 1, (13, 9), False),
                                                            (4, 0, (8, 5), True), (2, 1, (5, 7), True)])
def test_wasm_packing_is_numpys(width, axis, shape, transposed):
    """mm_pack{width} writes what pack_left / pack_right write, from any positive strides."""
    rng = np.random.default_rng(width + axis)
    x = _f32(rng, *shape[::-1]).T if transposed else _f32(rng, *shape)
    want = (pack_left if axis == 0 else pack_right)(x, width)
    full = x.shape[axis] // width
    image = Image()
    src = image.put(np.ascontiguousarray(x.T) if transposed else x)
    dst = image.put(np.full_like(want, np.nan))
    args = pack_args(src, dst, x.shape, x.strides, width, axis)
    raw = image.run([[pack_name(width), *args]], dst, want[:full].nbytes, rows=width, cols=4)
    got = np.frombuffer(raw, np.float64).reshape(want[:full].shape)
    assert np.array_equal(got.view(np.int64), want[:full].view(np.int64))


PYODIDE_PROGRAM = r'''
import json, js, numpy as np
js.process.mainModule.require("v8").setFlagsFromString("--experimental-wasm-relaxed-simd")  # as in Chromium
from mmcore.values import wasm_matmul
from mmcore.values.inorder import matmul_f32_in_order
cases = np.load("cases.npz")
plain = wasm_matmul.load_kernel(fused=False)
got, got_plain, contiguous = {}, {}, []
for n in range(len(cases.files) // 2):
    left, right = cases[f"left{n}"], cases[f"right{n}"]
    if n % 3 == 1:
        left = np.asfortranarray(left)                  # other strides: packed from the transposed layout
    if n % 3 == 2:
        right = right[::-1][::-1]                       # a view (same values), still read in place
    out = matmul_f32_in_order(left, right)
    contiguous.append(out.flags.c_contiguous)
    got[n] = out.view(np.int64).tolist()
    got_plain[n] = wasm_matmul.matmul_f32_wasm(left, right, plain).view(np.int64).tolist()
kernel = wasm_matmul.pyodide_kernel()
print(json.dumps({"fused": kernel is not None and kernel.fused, "plain": plain is not None, "got": got,
                  "got_plain": got_plain, "contiguous": contiguous}))
'''


@needs_node
def test_pyodide_path_under_node_has_the_bits_of_the_sum_in_order(tmp_path, monkeypatch):
    """Pyodide under Node (same V8 as Chromium): matmul_f32_in_order through the kernel (fused, as
    in Chromium) and the plain kernel, on shapes that leave partial blocks and panels, a one-column
    result, a large k (several chunks and row groups), other strides."""
    monkeypatch.syspath_prepend(str(REPO / "scripts"))
    from pyodide_node import DIST, run_in_node
    if not (DIST / "pyodide.js").exists():
        pytest.skip("no Pyodide index (python scripts/build_pyodide.py)")
    rng = np.random.default_rng(2026)
    shapes = [(70, 600, 12), (37, 2000, 1), (64, 64, 64), (5, 2000, 7), (129, 300, 131)]
    assert all(i * k * j >= MIN_WORK for i, k, j in shapes)            # all through the kernel
    arrays = {}
    for n, (i, k, j) in enumerate(shapes):
        arrays[f"left{n}"], arrays[f"right{n}"] = _f32(rng, i, k), _f32(rng, k, j)
    np.savez(tmp_path / "cases.npz", **arrays)
    out = json.loads(run_in_node(DIST, PYODIDE_PROGRAM, files=[tmp_path / "cases.npz"]).strip().splitlines()[-1])
    assert out["fused"] is True and out["plain"] is True
    assert out["contiguous"] == [True] * len(shapes)
    for n in range(len(shapes)):
        want = _in_order(arrays[f"left{n}"].astype(np.float64), arrays[f"right{n}"].astype(np.float64))
        for key in ("got", "got_plain"):
            got = np.array(out[key][str(n)], dtype=np.int64).reshape(want.shape)
            assert np.array_equal(got, want.view(np.int64)), (key, shapes[n])


def test_the_self_check_operands_show_any_other_order():
    """The load-time self-check's product (no numpy.random) tells the sum in order from the sum
    backwards and from four interleaved partial sums (a SIMD dot product's order)."""
    from mmcore.values.wasm_matmul import check_operands
    left, right = check_operands()
    a, b = left.astype(np.float64), right.astype(np.float64)
    want = _in_order(a, b)
    backwards = _in_order(a[:, ::-1], b[::-1])
    four = sum(_in_order(a[:, s::4], b[s::4]) for s in range(4))
    assert (backwards != want).mean() > 0.5 and (four != want).mean() > 0.5
    assert abs(left).min() >= 2.0 ** -31 and abs(left).max() < 2.0 ** 31 and 0.4 < (left < 0).mean() < 0.6
