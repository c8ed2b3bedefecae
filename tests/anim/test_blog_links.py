"""The essay's mm links (``../shared/reference/mm_blog_cases.json``) carry their animations through from_mm:
mm animates only when the root's alg is not none, with the step counts of its algorithms."""

import json
import pathlib

import pytest

import mmcore
from mmcore.anim import schedule_of

CASES_FILE = pathlib.Path(__file__).resolve().parents[3] / "shared" / "reference" / "mm_blog_cases.json"


def blog_cases() -> list[dict]:
    if not CASES_FILE.exists():
        pytest.skip("reference cases absent: expected shared/reference/mm_blog_cases.json beside the clone")
    return json.loads(CASES_FILE.read_text())

# case id -> (cycle, animated paths): from the recorded params (shapes and algs), by mm's rules
EXPECTED = {
    "blog02": (32 * 32, [""]),          # dotprod (row major), 32×24 @ 24×32
    "blog04": (32, [""]), "blog05": (32, [""]),                     # mvprod: J
    "blog06": (32, [""]), "blog07": (32, [""]), "blog08": (24, [""]),   # vmprod: I (blog08: eye 24×24)
    "blog09": (24, [""]), "blog10": (24, [""]),                     # vvprod: K
    "blog28": (256, ["", "L", "LL", "LLL"]),                        # the fused head: one row per step
    "blog29": (256, ["", "L", "LL"]),                               # Q precomputed
    "blog30": (256, ["", "L"]),
    "blog38": (256, ["", "L"]),
}


def _cases():
    return {c["id"]: c for c in blog_cases()}


def test_every_essay_link_animates_as_mm_does():
    cases = _cases()
    for cid, case in cases.items():
        expr = mmcore.from_mm(case["params"])
        scene = mmcore.layout(expr, compute_values=False)
        sched = schedule_of(scene)
        if cid not in EXPECTED:
            assert sched is None, f"{cid}: the root's alg is none, so mm animates nothing"
            continue
        cycle, paths = EXPECTED[cid]
        assert sched is not None, cid
        assert sched.cycle == cycle, (cid, sched.cycle)
        assert sorted(t.path for t in sched.tracks) == sorted(paths), cid
        assert sched.speed == case["params"]["anim"]["speed"]
    assert set(EXPECTED) <= set(cases)


@pytest.mark.parametrize("cid", ["blog28"])
def test_the_essay_head_link_is_one_fused_chain(cid):
    sched = schedule_of(mmcore.layout(mmcore.from_mm(_cases()[cid]["params"]), compute_values=False))
    assert sched.fuse == "sync"
    assert all(t.start == 0 and t.steps == 256 and t.alg == "vmprod" for t in sched.tracks)
