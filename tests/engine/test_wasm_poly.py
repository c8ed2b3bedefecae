"""The Gaussian leaves' Box–Muller end in WebAssembly SIMD (``mmcore.values.wasm_poly``), run by Node
outside Pyodide on a memory of the test's own: bit for bit the numpy passes of
``mmcore.values.inits._box_muller_numpy`` on edge draws (0, 1/4, 1/2, 3/4 and their neighbours,
1 - 2^-53, ±0 and tiny reductions) and many random ones, both modes, every unroll; a changed
coefficient or order shows. The PCG64 draws (``mmcore.values.wasm_pcg64``): numpy's, and the state
left behind numpy's. Also the Pyodide path under Node: Gaussian leaves with and without the
kernel have the same bytes (skipped without Node or without the Pyodide index).
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from mmcore.values import wasm_poly
from mmcore.values.inits import _SIN_2PI, _box_muller_numpy
from tests.engine.test_wasm_matmul import REPO, RUN, Image, _node, needs_node


def numpy_path(u: np.ndarray, v: np.ndarray, doubled: bool) -> np.ndarray:
    return _box_muller_numpy(u.copy(), v.copy(), np.empty_like(u), np.empty_like(u), doubled)


def run_in_node(u: np.ndarray, v: np.ndarray, doubled: bool, *, unroll: int = wasm_poly.UNROLL,
                coefficients=_SIN_2PI) -> tuple[np.ndarray, int]:
    """``box_muller_wasm``'s result in Node (the elements it does; the rest as given) and how many."""
    image = Image()
    at_u, at_v = image.put(u), image.put(v)
    calls = []

    class Record:                       # box_muller_wasm's calls, recorded to replay in Node
        exports = {(d, n): (lambda *a, name=wasm_poly.export_name(d, n): calls.append([name, *a]))
                   for d in (True, False) for n in {unroll, 1}}

    Record.unroll = unroll
    where = {id(u): at_u, id(v): at_v}
    done = wasm_poly.box_muller_wasm(u, v, doubled, Record, address=lambda a: where[id(a)])
    job = {"wasm": base64.b64encode(wasm_poly.box_muller_module(coefficients, unroll)).decode(),
           "image": base64.b64encode(bytes(image.data)).decode(), "calls": calls, "out": [at_u, u.nbytes]}
    return np.frombuffer(base64.b64decode(_node(RUN, json.dumps(job))), dtype=np.float64), done


def draws(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(ln(1 - u), v) of ``Generator.random`` draws, with the edge values first."""
    rng = np.random.default_rng(seed)
    u, v = rng.random(n), rng.random(n)
    ulp = 2.0 ** -53
    edges = [0.0, ulp, 2 * ulp, 0.25, 0.25 - ulp, 0.25 + ulp, 0.5, 0.5 - ulp, 0.5 + ulp, 0.75, 0.75 - ulp,
             0.75 + ulp, 1 - ulp, 0.125, 0.625, 0.25 - 2 ** -30, 0.75 + 2 ** -40]
    v[:len(edges)] = edges
    u[:4] = [0.0, ulp, 1 - ulp, 0.5]
    return np.log(1.0 - u), v


@needs_node
@pytest.mark.parametrize("doubled", [True, False], ids=["doubled", "half"])
@pytest.mark.parametrize("unroll", [1, 2, 4])
def test_bits_are_the_numpy_passes(doubled, unroll):
    u, v = draws(20_001, seed=unroll)                 # odd: whole groups, leftover pairs, one left
    want = numpy_path(u, v, doubled)
    got, done = run_in_node(u, v, doubled, unroll=unroll)
    assert done == 20_000
    assert np.array_equal(got[:done].view(np.int64), want[:done].view(np.int64))
    assert got[done] == u[done]                       # the odd last one is left to numpy
    assert want[3] == (1.0 if doubled else 0.5)       # v = 1/4: cos(π/2) = sin(2π·0) = 0 exactly
    reduced = np.abs(v - 0.5) - 0.25                  # the polynomial's argument: 0 (v = 1/4, 3/4) and tiny ones
    assert (reduced == 0).sum() == 2 and (np.abs(reduced[reduced != 0]) < 1e-15).sum() >= 4


@needs_node
def test_the_check_can_fail():
    """One coefficient's last bit changed: other bits somewhere."""
    u, v = draws(2000, seed=9)
    want = numpy_path(u, v, True)
    changed = list(_SIN_2PI)
    changed[3] = np.nextafter(changed[3], 0.0)
    got, done = run_in_node(u, v, True, coefficients=tuple(changed))
    assert not np.array_equal(got[:done].view(np.int64), want[:done].view(np.int64))


@needs_node
@pytest.mark.parametrize("seed", [0, 1, 2026, 2 ** 63 + 5])
def test_pcg64_draws_and_state_are_numpys(seed):
    from mmcore.values.wasm_pcg64 import RANDOM, state_words
    g = np.random.default_rng(seed)
    g.random(3)                                       # not the seed's first state
    words = state_words(g)
    image = Image()
    at_state, at_out = image.put(words), image.put(np.zeros(50_001))
    job = {"wasm": base64.b64encode(wasm_poly.box_muller_module(_SIN_2PI)).decode(),
           "image": base64.b64encode(bytes(image.data)).decode(),
           "calls": [[RANDOM, at_state, at_out, 1], [RANDOM, at_state, at_out + 8, 50_000]],
           "out": [at_state, at_out + 8 * 50_001 - at_state]}
    raw = base64.b64decode(_node(RUN, json.dumps(job)))
    got = np.frombuffer(raw[at_out - at_state:], dtype=np.float64)
    want = g.random(50_001)
    assert np.array_equal(got.view(np.int64), want.view(np.int64))
    state = np.frombuffer(raw[:32], dtype=np.uint64)
    assert state.tolist() == state_words(g).tolist()  # the state numpy is in after the same draws


def test_pcg64_state_words_and_other_bit_generators():
    from mmcore.values.wasm_pcg64 import fill_random, state_words
    g = np.random.default_rng(9)
    st = g.bit_generator.state["state"]
    lo, hi, ilo, ihi = (int(x) for x in state_words(g))
    assert lo | hi << 64 == st["state"] and ilo | ihi << 64 == st["inc"]
    other = np.random.Generator(np.random.MT19937(9))
    assert fill_random(other, np.zeros(4), random=None) is False      # never called: numpy draws these


def test_self_check_fails_on_other_bits():
    """The load-time self-check rejects a kernel whose bits differ (here a numpy stand-in one ulp off)."""
    def exact(u, v, doubled, kernel):
        _box_muller_numpy(u, v.copy(), np.empty_like(u), np.empty_like(u), doubled)
        return u.size

    def off(u, v, doubled, kernel):
        exact(u, v, doubled, kernel)
        u[7] = np.nextafter(u[7], np.inf)
        return u.size

    assert wasm_poly.self_check(None, _box_muller_numpy, run=exact) is True
    assert wasm_poly.self_check(None, _box_muller_numpy, run=off) is False


@pytest.mark.parametrize("wrong", [False, True])
def test_self_check_fails_on_other_draws(wrong):
    """The self-check also rejects a kernel whose PCG64 draws (or the state it leaves) differ."""
    class Draws(wasm_poly.BoxMuller):
        def draw(self, generator, out):
            generator.random(out=out)
            if wrong and out.size > 1000:
                out[500] = np.nextafter(out[500], 1.0)
            return True

    def exact(u, v, doubled, kernel):
        _box_muller_numpy(u, v.copy(), np.empty_like(u), np.empty_like(u), doubled)
        return u.size
    assert wasm_poly.self_check(Draws({}, random=object()), _box_muller_numpy, run=exact) is not wrong


def test_the_random_checks_known_answers_are_numpys():
    import hashlib
    from mmcore.values.wasm_pcg64 import state_words
    g, digest = np.random.default_rng(wasm_poly.RANDOM_CHECK_SEED), hashlib.sha256()
    for n in (1, 1001, 4096):
        digest.update(g.random(n).astype("<f8").tobytes())
    assert digest.hexdigest() == wasm_poly.RANDOM_CHECK_SHA256
    assert tuple(int(x) for x in state_words(g)) == wasm_poly.RANDOM_CHECK_STATE


def test_check_inputs_are_draws_with_the_edges():
    u, v = wasm_poly.check_inputs(1023)
    assert u.size == v.size == 1023 and (u <= 0).all() and ((v >= 0) & (v < 1)).all()
    assert np.array_equal(v * 2.0 ** 53, np.round(v * 2.0 ** 53))                  # multiples of 2^-53
    assert {0.25, 0.5, 0.75} <= set(v.tolist()) and len(np.unique(v)) > 1000


PYODIDE_PROGRAM = r'''
import json
import numpy as np
import mmcore.values.wasm_poly as wp
from mmcore.values.inits import init_values
from mmcore.values.inits import _SIN_2PI, _box_muller_numpy
kernel = wp.pyodide_box_muller(_SIN_2PI, _box_muller_numpy)
mt = lambda: np.random.Generator(np.random.MT19937(4))                # not PCG64: numpy's draws
cases = [("gaussian", 256, 192, -1.0, 1.0), ("gaussian", 97, 33, -1.0, 1.0), ("gaussian", 5, 7, 0.0, 1.0),
         ("gaussian", 300, 301, -3.0, 0.5), ("gaussian", 1, 1, -1.0, 1.0), ("gaussian", 2, 40000, 0.0, 1.0)]
out = {"kernel": kernel is not None, "with": [], "without": []}
for key in ("with", "without"):
    wp._KERNEL[:] = [kernel if key == "with" else None]
    for init, h, w, lo, hi in cases:
        out[key].append(init_values(init, h, w, min=lo, max=hi, rng=h * w).view(np.int32).tolist())
    g = np.random.default_rng(11)
    out[key].append([init_values("gaussian", 70, 600, rng=g).view(np.int32).tolist(), g.random(3).tolist()])
    out[key].append(init_values("gaussian", 40, 50, rng=mt()).view(np.int32).tolist())
    g = np.random.default_rng(12)
    g.integers(0, 1000, size=3, dtype=np.uint32)                       # a buffered half of a 64-bit draw
    leaf = init_values("gaussian", 9, 11, rng=g).view(np.int32).tolist()
    out[key].append([leaf, g.integers(0, 1000, size=3, dtype=np.uint32).tolist(), g.random(2).tolist()])
print(json.dumps(out))
'''


@needs_node
def test_pyodide_gaussian_leaves_have_the_same_bytes_with_the_kernel(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "scripts"))
    from pyodide_node import DIST, run_in_node as pyodide_run
    if not (DIST / "pyodide.js").exists():
        pytest.skip("no Pyodide index (python scripts/build_pyodide.py)")
    out = json.loads(pyodide_run(DIST, PYODIDE_PROGRAM).strip().splitlines()[-1])
    assert out["kernel"] is True
    assert out["with"] == out["without"]
    from mmcore.values.inits import init_values
    assert out["without"][0] == init_values("gaussian", 256, 192, rng=256 * 192).view(np.int32).tolist()
    g = np.random.default_rng(11)
    assert out["with"][-3] == [init_values("gaussian", 70, 600, rng=g).view(np.int32).tolist(), g.random(3).tolist()]

