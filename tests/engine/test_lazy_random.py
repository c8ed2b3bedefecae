"""A leaf's generator without numpy.random (mmcore/values/lazy_random.py): the PCG64 state it computes from the
entropy is numpy's, draws made by advancing its words hand over to numpy's generator at the same state, and
entropies it does not read itself go to numpy unchanged. In Pyodide, a figure of Gaussian leaves runs without
importing numpy.random and gives CPython's bytes."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from mmcore.values.lazy_random import PCG64_MULTIPLIER, LazyRandom, seed_sequence_state
from mmcore.values.wasm_pcg64 import state_words

_M64 = 2 ** 64 - 1


def _entropies():
    rnd = random.Random(20261207)
    fixed = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 64 + 5, 12345678901234567890123, np.uint64(7), np.int32(9),
             [0, 0], [0, 3], [7, 2 ** 40], [], [1, 2, 3, 4, 5, 6], (3, 4)]
    return fixed + [[rnd.randrange(2 ** rnd.randrange(1, 80)), rnd.randrange(1000)] for _ in range(200)]


@pytest.mark.parametrize("entropy", _entropies(), ids=str)
def test_state_and_seed_sequence_are_numpys(entropy):
    assert LazyRandom(entropy).words().tolist() == state_words(np.random.default_rng(entropy)).tolist()
    assert seed_sequence_state(entropy, 4) == np.random.SeedSequence(entropy).generate_state(4, np.uint64).tolist()


def _advance(words: np.ndarray, n: int) -> np.ndarray:
    """What the compiled draws do: n draws of ``Generator.random`` from the words, written back in place."""
    state, inc = int(words[0]) | int(words[1]) << 64, int(words[2]) | int(words[3]) << 64
    out = np.empty(n)
    for k in range(n):
        state = (state * PCG64_MULTIPLIER + inc) & (2 ** 128 - 1)
        hi, lo = state >> 64, state & _M64
        rot = hi >> 58
        x = hi ^ lo
        out[k] = (((x >> rot) | (x << (64 - rot))) & _M64 if rot else x) >> 11
    words[:] = [state & _M64, state >> 64, inc & _M64, inc >> 64]
    return out * 2.0 ** -53


def test_numpy_takes_over_at_the_state_the_words_reached():
    lazy, numpys = LazyRandom([4, 2]), np.random.default_rng([4, 2])
    assert np.array_equal(_advance(lazy.words(), 1001), numpys.random(1001))
    assert np.array_equal(lazy.normal(size=5), numpys.normal(size=5))     # made now, at the state reached
    assert lazy.words() is None                                            # numpy's generator holds it from now on
    assert np.array_equal(lazy.random(7), numpys.random(7))
    assert lazy.bit_generator.state == numpys.bit_generator.state


@pytest.mark.parametrize("entropy", [-1, 1.5, "7", [[1, 2]], [1, -2], True])
def test_entropies_it_does_not_read_are_numpys_business(entropy):
    lazy = LazyRandom(entropy)
    assert lazy.words() is None
    try:
        want = np.random.default_rng(entropy).random(3)
    except Exception as e:       # noqa: BLE001 - numpy's own error, whatever it is
        with pytest.raises(type(e), match=str(e)[:30]):
            lazy.random(3)
    else:
        assert np.array_equal(lazy.random(3), want)


PYODIDE_PROGRAM = r'''
import json, sys
import numpy as np
import mmcore
from mmcore.values.tree import evaluate
A = mmcore.matrix("A", 40, 30, init="gaussian")
B = mmcore.matrix("B", 30, 20, init="gaussian", min=-2, max=3)
C = mmcore.matrix("C", 20, 10, init="cols")
expr = A @ B @ C
v = evaluate(expr)
out = {"random": "numpy.random" in sys.modules, "values": v.of(expr).view(np.int32).tolist()}
print(json.dumps(out))
'''


def test_pyodide_draws_gaussian_leaves_without_numpy_random(monkeypatch):
    import pathlib
    repo = pathlib.Path(__file__).resolve().parents[2]
    monkeypatch.syspath_prepend(str(repo / "scripts"))
    from pyodide_node import DIST, run_in_node as pyodide_run
    if not (DIST / "pyodide.js").exists():
        pytest.skip("no Pyodide index (python scripts/build_pyodide.py)")
    import mmcore
    from mmcore.values.tree import evaluate
    out = json.loads(pyodide_run(DIST, PYODIDE_PROGRAM).strip().splitlines()[-1])
    assert out["random"] is False
    A = mmcore.matrix("A", 40, 30, init="gaussian")
    B = mmcore.matrix("B", 30, 20, init="gaussian", min=-2, max=3)
    C = mmcore.matrix("C", 20, 10, init="cols")
    expr = A @ B @ C
    assert out["values"] == evaluate(expr).of(expr).view(np.int32).tolist()
