"""The essay checker accepts mm's own figures and refuses a moved or reshaped one."""

import pytest

import mmcore
from mmcore.mm.params import params_to_expr

from ._essay import cases, check_positions, check_structure


SAMPLE = ("blog00", "blog15", "blog23", "blog28", "blog47", "blog57", "blog59")   # every kind; all 40 run in tests/engine


def test_mms_own_figures_match_themselves():
    for cid in SAMPLE:
        case = cases()[cid]
        scene = mmcore.layout(params_to_expr(case["params"]))
        check_positions(scene, case)
        check_structure(scene, case)


def test_a_different_gap_is_caught():
    case = cases()["blog00"]
    scene = mmcore.layout(params_to_expr(case["params"]), gap=7)
    with pytest.raises(AssertionError):
        check_positions(scene, case)


def test_a_different_shape_is_caught():
    case = cases()["blog00"]
    A = mmcore.matrix("L", 32, 24, init="rows")
    B = mmcore.matrix("R", 24, 31, init="cols")
    with pytest.raises(AssertionError):
        check_positions(mmcore.layout(A @ B), case)
