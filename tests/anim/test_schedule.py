"""Schedules: mm's step counts, fusion rules, partitions, the wire round trip, from_mm and errors."""

import json
import pathlib
import sys

import numpy as np
import pytest

import mmcore
from mmcore.anim import Animation, schedule_of, state_at
from mmcore.mm.api import expr_to_params
from mmcore.geometry.options import Options
from mmcore.scene import Scene

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts"))
from engine_bench import attention_head  # noqa: E402  (the essay's head, from the engine benchmark)



def lr(I, K, J, **kw):
    L = mmcore.matrix("L", I, K, init="gaussian")
    R = mmcore.matrix("R", K, J, init="gaussian")
    return L @ R


@pytest.mark.parametrize("alg,expected", [
    ("dotprod (row major)", lambda I, K, J: I * J), ("dotprod (col major)", lambda I, K, J: I * J),
    ("axpy", lambda I, K, J: K * J), ("vmprod", lambda I, K, J: I), ("mvprod", lambda I, K, J: J),
    ("vvprod", lambda I, K, J: K)])
def test_full_cycle_step_counts_match_mm(alg, expected):
    for I, K, J in ((5, 3, 4), (7, 9, 2)):
        sched = schedule_of(mmcore.layout(lr(I, K, J), anim=alg))
        assert sched.cycle == expected(I, K, J)
        assert sched.tracks[0].start == 0 and sched.tracks[0].steps == sched.cycle


def test_unfused_chain_runs_child_then_idle_step_then_parent():
    A, B, C = mmcore.matrix("A", 6, 4), mmcore.matrix("B", 4, 5), mmcore.matrix("C", 5, 3)
    sched = schedule_of(mmcore.layout(A @ B @ C, anim="vmprod"))
    assert [(t.path, t.start, t.steps) for t in sched.tracks] == [("", 7, 6), ("L", 0, 6)]
    assert sched.cycle == 6 + 1 + 6


def test_independent_children_run_in_parallel():
    A, B, C, D = (mmcore.matrix(n, 4, 4) for n in "ABCD")
    sched = schedule_of(mmcore.layout((A @ B) @ (C @ D), anim="vmprod"))
    starts = {t.path: t.start for t in sched.tracks}
    assert starts == {"L": 0, "R": 0, "": 5}
    assert sched.cycle == 9


def test_child_none_freezes_its_subtree():
    A, B, C, D = (mmcore.matrix(n, 4, 4) for n in "ABCD")
    sched = schedule_of(mmcore.layout(A @ B @ C @ D, anim=Animation("vmprod", nodes={"L": "none"})))
    assert [t.path for t in sched.tracks] == [""]
    assert sched.cycle == 4


def test_sync_fusion_left_vmprod_chain_runs_in_lockstep():
    A, B, C, D = mmcore.matrix("A", 6, 4), mmcore.matrix("B", 4, 5), mmcore.matrix("C", 5, 3), mmcore.matrix("D", 3, 2)
    sched = schedule_of(mmcore.layout(A @ B @ C @ D, anim="vmprod", fuse="sync"))
    assert sched.cycle == 6
    assert all(t.start == 0 and t.steps == 6 for t in sched.tracks)
    assert all(t.fused for t in sched.tracks if t.path)


def test_mvprod_fuses_down_right_chains_only():
    A, B, C = mmcore.matrix("A", 3, 4), mmcore.matrix("B", 4, 5), mmcore.matrix("C", 5, 6)
    right = schedule_of(mmcore.layout(A @ (B @ C), anim="mvprod", fuse="sync"))
    assert right.cycle == 6
    left = schedule_of(mmcore.layout((A @ B) @ C, anim="mvprod", fuse="sync"))
    assert left.cycle == 5 + 1 + 6          # a left mvprod child does not fuse


def test_vvprod_fuses_with_left_mvprod_and_right_vmprod():
    A, B, C, D = (mmcore.matrix(n, 5, 5) for n in "ABCD")
    anim = Animation("vvprod", fuse="sync", nodes={"L": "mvprod", "R": "vmprod"})
    sched = schedule_of(mmcore.layout((A @ B) @ (C @ D), anim=anim))
    assert sched.cycle == 5 and all(t.start == 0 for t in sched.tracks)
    mixed = Animation("vvprod", fuse="sync", nodes={"L": "vmprod", "R": "vmprod"})
    assert schedule_of(mmcore.layout((A @ B) @ (C @ D), anim=mixed)).cycle == 5 + 1 + 5


def test_async_fuses_when_sync_cannot():
    # L = (8-row vmprod) @ (3-row vmprod): L cannot fuse while its right child runs; once that child is
    # done (step 3, idle step), async lets L (and the root with it) join the left child mid-way
    # (different step indices), sync only at equal indices, i.e. after the left child finished.
    m = mmcore.matrix
    expr = ((m("X", 8, 2) @ m("Y", 2, 3)) @ (m("Z", 3, 2) @ m("W", 2, 4))) @ m("E", 4, 5)
    runs = {}
    for fuse in ("none", "sync", "async"):
        sched = schedule_of(mmcore.layout(expr, anim=dict(alg="vmprod", fuse=fuse)))
        runs[fuse] = (sched.cycle, {t.path: t.start for t in sched.tracks})
    assert runs["none"] == (8 + 1 + 8 + 1 + 8, {"LL": 0, "LR": 0, "L": 9, "": 18})
    assert runs["sync"] == (9 + 8, {"LL": 0, "LR": 0, "L": 9, "": 9})
    assert runs["async"] == (4 + 8, {"LL": 0, "LR": 0, "L": 4, "": 4})


def head_expr():
    """The essay's GPT-2 attention head shapes (256×768 input), gaussian values."""
    return attention_head()


HEAD_ANIM = Animation("vmprod", fuse="sync", speed=16, nodes={"L": "vmprod", "LL": "vmprod", "LLL": "vmprod",
                                                             "LLR": "none", "LR": "none"})


def test_essay_head_plays_as_one_fused_chain_in_I_steps():
    scene = mmcore.layout(head_expr(), anim=HEAD_ANIM)
    sched = schedule_of(scene)
    assert sched.cycle == 256
    assert sorted(t.path for t in sched.tracks) == ["", "L", "LL", "LLL"]
    assert all(t.start == 0 and t.steps == 256 for t in sched.tracks)


def test_from_mm_carries_the_animation_and_root_none_animates_nothing():
    A = mmcore.matrix("A", 4, 3); B = mmcore.matrix("B", 3, 5)
    params = json.loads(json.dumps(expr_to_params(A @ B, Options())))
    params["anim"].update({"alg": "dotprod (row major)", "speed": 48})
    expr = mmcore.from_mm(params)
    sched = schedule_of(mmcore.layout(expr))
    assert sched.cycle == 4 * 5 and sched.speed == 48
    params["anim"]["alg"] = "none"
    assert mmcore.layout(mmcore.from_mm(params)).anim is None
    link = mmcore.to_mm(A @ B)
    assert mmcore.layout(mmcore.from_mm(link)).anim is None


def test_from_mm_child_algs_inherit_and_none():
    A, B, C = mmcore.matrix("A", 4, 3), mmcore.matrix("B", 3, 5), mmcore.matrix("C", 5, 2)
    params = expr_to_params(A @ B @ C, Options())
    params["anim"].update({"alg": "vmprod", "fuse": "sync"})
    params["left"]["anim"] = {"alg": "inherit"}
    sched = schedule_of(mmcore.layout(mmcore.from_mm(params)))
    assert sched.cycle == 4 and len(sched.tracks) == 2
    params["left"]["anim"] = {"alg": "none"}
    assert len(schedule_of(mmcore.layout(mmcore.from_mm(params))).tracks) == 1


def test_partitions_animate_in_parallel_per_block():
    expr = lr(12, 6, 9).partition(i=3, j=2)
    sched = schedule_of(mmcore.layout(expr, anim="vmprod"))
    assert sched.cycle == 4                       # block size 4 rows
    assert schedule_of(mmcore.layout(expr, anim="dotprod (row major)")).cycle == 4 * 5
    assert schedule_of(mmcore.layout(expr.partition(k=2), anim="vvprod")).cycle == 3


def test_schedule_survives_the_wire_and_state_matches():
    scene = mmcore.layout(lr(6, 5, 4).partition(k=2), anim="mvprod", hide_inputs=True)
    back = Scene.from_bytes(scene.to_bytes())
    assert back.anim == scene.anim
    assert scene.anim["hidden"] == ["L", "R"]
    a, b = state_at(scene, 2)[""], state_at(back, 2)[""]
    assert np.array_equal(a.revealed, b.revealed)
    assert all(np.array_equal(p.values, q.values) for p, q in zip(a.partials, b.partials))


@pytest.mark.parametrize("bad,message", [
    (dict(alg="zigzag"), "anim alg: expected one of"),
    (dict(alg="vmprod", fuse="maybe"), "anim fuse: expected one of"),
    (dict(alg="vmprod", speed=0), "positive number of steps per second"),
    (dict(alg="vmprod", nodes={"LX": "none"}), "expected child paths"),
    (dict(alg="vmprod", colour=1), "anim option 'colour'"),
])
def test_bad_requests_say_what_was_expected(bad, message):
    with pytest.raises(mmcore.MMError, match=message.replace("(", r"\(")):
        mmcore.layout(lr(3, 3, 3), anim=bad)


def test_node_path_that_is_not_a_matmul_is_rejected():
    with pytest.raises(mmcore.MMError, match="no matmul at path 'L'"):
        mmcore.layout(lr(3, 3, 3), anim=dict(alg="vmprod", nodes={"L": "none"}))


def test_to_mm_writes_the_animation_and_from_mm_reads_it_back():
    A, B, C = mmcore.matrix("A", 4, 3), mmcore.matrix("B", 3, 5), mmcore.matrix("C", 5, 2)
    anim = Animation("vvprod", fuse="async", speed=12, hide_inputs=True, nodes={"L": "mvprod"})
    link = mmcore.to_mm(A @ B @ C, anim=anim)
    back = mmcore.from_mm(link)
    assert back.options.anim == anim
    a = schedule_of(mmcore.layout(A @ B @ C, anim=anim))
    b = schedule_of(mmcore.layout(back))
    assert a == b
    assert mmcore.from_mm(mmcore.to_mm(A @ B)).options.anim is None
