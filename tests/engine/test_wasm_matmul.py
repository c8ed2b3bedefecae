"""The WebAssembly matmul kernel (``mmcore.values.wasm_matmul``), run by Node outside Pyodide: the
packed operands go into a ``WebAssembly.Memory`` of the test's own, the calls are ``plan``'s, and the
result must have the bits of every dot product summed from 0.0 in order k = 0, 1, ... on values
where any other order shows. Also the emitter's module validates, and the Pyodide path under Node
gives the einsum path's bits (skipped without Node or without the Pyodide index).
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

from mmcore.values import wasm_emit as w
from mmcore.values.wasm_matmul import COLS, ROWS, kernel_module, pack_left, pack_right, plan
from tests.engine.test_values_matmul_order import _cancelling, _in_order

NODE = shutil.which("node")
REPO = pathlib.Path(__file__).resolve().parents[2]
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

# Reads the module, a memory image and the calls as JSON on stdin; writes the result bytes to stdout.
RUN = r"""
const chunks = []; process.stdin.on("data", (d) => chunks.push(d)); process.stdin.on("end", () => {
  const job = JSON.parse(Buffer.concat(chunks).toString());
  const image = Buffer.from(job.image, "base64");
  const memory = new WebAssembly.Memory({ initial: Math.ceil(image.length / 65536) + 1 });
  new Uint8Array(memory.buffer).set(image);
  const mod = new WebAssembly.Module(Buffer.from(job.wasm, "base64"));
  const kernel = new WebAssembly.Instance(mod, { env: { memory } }).exports.mm_matmul;
  for (const args of job.calls) kernel(...args);
  process.stdout.write(Buffer.from(memory.buffer, job.out[0], job.out[1]).toString("base64"));
});
"""


def _node(script: str, stdin: str = "") -> str:
    done = subprocess.run([NODE, "-e", script], input=stdin, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def run_kernel(left: np.ndarray, right: np.ndarray, *, base: int = 64, edit=None, **tiles) -> np.ndarray:
    """``left @ right`` through the kernel in Node: A, B and the result laid out from byte ``base``
    (``edit`` may change the list of calls first, to show the check can fail)."""
    import base64
    rows, cols = tiles.get("rows", ROWS), tiles.get("cols", COLS)
    a, b = pack_left(left, rows), pack_right(right, cols)
    out_shape = (a.shape[0] * rows, b.shape[0] * cols)
    a_at, b_at = base, base + a.nbytes
    c_at = b_at + b.nbytes
    image = bytearray(c_at) + np.full(out_shape, np.nan).tobytes()          # NaN: every result must be written
    image[a_at:b_at], image[b_at:c_at] = a.tobytes(), b.tobytes()
    calls = plan(a_at, b_at, c_at, (left.shape[0], left.shape[1], right.shape[1]), **tiles)
    calls = edit(calls) if edit else calls
    job = {"wasm": base64.b64encode(kernel_module(rows, cols)).decode(), "image": base64.b64encode(image).decode(),
           "calls": calls, "out": [c_at, 8 * out_shape[0] * out_shape[1]]}
    raw = base64.b64decode(_node(RUN, json.dumps(job)))
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
    with pytest.raises(ValueError, match="k = 0"):
        plan(0, 0, 0, (2, 0, 2))


@needs_node
def test_module_validates_in_node():
    wasms = [kernel_module(), kernel_module(2, 8), kernel_module(1, 2),
             w.module([w.Function("add", params=2, results=1, body=w.get(0) + w.get(1) + w.op("i32.add"))])]
    script = ("const b = JSON.parse(process.argv[1]); console.log(JSON.stringify(b.map((h) => "
              "WebAssembly.validate(Buffer.from(h, 'hex')))));")
    done = subprocess.run([NODE, "-e", script, json.dumps([m.hex() for m in wasms] + ["0061736d01000000ff"])],
                          capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout) == [True, True, True, True, False]


@needs_node
@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 3, 4), (5, 9, 3), (7, 300, 9), (16, 64, 40), (33, 520, 2)])
def test_kernel_sums_in_order(shape):
    i, k, j = shape
    rng = np.random.default_rng(sum(shape))
    left, right = _f32(rng, i, k), _f32(rng, k, j)
    got = run_kernel(left, right, k_chunk=256, row_group=2)
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
def test_signed_zero_infinity_and_nan_as_the_sum_in_order():
    left = np.array([[-0.0, -0.0], [np.inf, 1.0], [np.nan, 0.0], [1.0, -1.0]], np.float32)
    right = np.array([[1.0, 0.0, 2.0], [1.0, -0.0, 3.0]], np.float32)
    got = run_kernel(left, right)
    want = _in_order(left.astype(np.float64), right.astype(np.float64))
    assert np.array_equal(np.signbit(got), np.signbit(want)) and np.array_equal(got, want, equal_nan=True)
