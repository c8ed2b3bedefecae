"""Golden text outlines of representative scenes (readable diffs of any geometry change).

Regenerate after an intended change with ``MMCORE_UPDATE_GOLDEN=1 pytest tests/engine/test_golden.py``
and review the diff.
"""

import os
import pathlib

import pytest

import mmcore

GOLDEN = pathlib.Path(__file__).parent / "golden"


def _m(name, h, w, init="row major"):
    return mmcore.matrix(name, h, w, init=init)


def single():
    return mmcore.layout(_m("L", 32, 24, "rows") @ _m("R", 24, 32, "cols"), gap=3)


def left_assoc():
    return mmcore.layout(_m("A", 16, 8) @ _m("B", 8, 12, "col major") @ _m("C", 12, 6, "eye"))


def right_assoc():
    return mmcore.layout(_m("A", 6, 10, "eye") @ (_m("B", 10, 8) @ _m("C", 8, 5, "cols")), gap=2)


def binary_blocks():
    ab = (_m("A", 12, 8) @ _m("B", 8, 10, "col major")).named("AB")
    cd = (_m("C", 10, 6, "tril mask") @ _m("D", 6, 9, "diff")).named("CD")
    return mmcore.layout((ab @ cd).partition(i=3, j=2, k=2), gap=3, sensitivity="semilocal")


def attention_head():
    x = _m("input", 16, 12, "row major")
    q = (x @ _m("wQ", 12, 6, "col major")).named("Q")
    k_t = (_m("wK_t", 6, 12, "row major") @ _m("input_t", 12, 16, "col major")).named("K_t")
    attn = (q @ k_t).with_epilog("softmax(tril(x/sqrt(k)))").named("attn")
    v = (x @ _m("wV", 12, 6, "cols")).named("V")
    out = (attn @ v @ _m("wO", 6, 12, "rows")).named("out")
    return mmcore.layout(out, sensitivity="local")


def wheel_scatter():
    expr = _m("A", 6, 4) @ (_m("B", 4, 5) @ _m("C", 5, 3)) @ (_m("D", 3, 4) @ _m("E", 4, 4))
    return mmcore.layout(expr, scheme="wheel", scatter=2, molecule=1, blast=0.5, polarity="positive",
                         result_placement="back", gap=2)


CASES = [single, left_assoc, right_assoc, binary_blocks, attention_head, wheel_scatter]


@pytest.mark.parametrize("build", CASES, ids=[c.__name__ for c in CASES])
def test_outline_matches_golden(build):
    text = build().outline()
    path = GOLDEN / f"{build.__name__}.txt"
    if os.environ.get("MMCORE_UPDATE_GOLDEN") or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
