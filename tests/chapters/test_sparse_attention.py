"""Facts of docs/tutorial/sparse-attention.md: each cell runs, and what it prints matches a direct
numpy computation (masks from index arithmetic, softmax with -inf, the sparsity measures by hand)."""

from __future__ import annotations

import functools
import pathlib
import re

import numpy as np
import pytest

from mmcore.cell import run_cell
from mmcore.scene import Scene
from ._pages import page_cells as read_cells

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "sparse-attention.md"


@functools.lru_cache(maxsize=None)
def cells() -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(PAGE)


@functools.lru_cache(maxsize=None)
def run(cell_id: str):
    """(stdout, scene or None) of one cell, run as the site build runs it."""
    result = run_cell(cells()[cell_id], cell_id=cell_id)
    return result.stdout, (Scene.from_bytes(result.scene) if result.scene is not None else None)


def softmax(s, allowed=None):
    s = np.asarray(s, np.float64)
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def offsets(T):
    i, j = np.indices((T, T))
    return i - j


def table(stdout: str, first: str) -> dict[str, list[float]]:
    """Rows of a printed table whose lines start with a key matching ``first`` (regex), percent -> fraction."""
    rows = {}
    for line in stdout.splitlines():
        m = re.match(rf"\s*({first})\s+(.*)$", line)
        if m:
            rows[m.group(1).strip()] = [float(x.rstrip("%")) / (100 if x.endswith("%") else 1)
                                        for x in m.group(2).split()]
    return rows


def test_every_cell_runs_and_figure_cells_have_scenes():
    assert set(cells()) == {"sparse-open", "bias-trick", "local", "strided", "two-steps", "cost",
                            "real-minilm", "real-sorter", "measures-toy", "measures-heads"}
    for cell_id in cells():
        out, scene = run(cell_id)
        assert scene is not None, cell_id


def test_pattern_counts_match_index_arithmetic():
    o = offsets(16)
    combined = (np.abs(o) <= 2) | (o % 4 == 0)
    assert f"pairs kept: {combined.sum()} of 256 ({combined.mean():.0%})" in run("sparse-open")[0]
    assert combined.sum() == 122
    assert "window w = 2: 74 of 256 pairs" in run("local")[0] and (np.abs(o) <= 2).sum() == 74
    assert "stride s = 4: 64 of 256 pairs" in run("strided")[0] and (o % 4 == 0).sum() == 64
    # the opening figure's front face is the masked softmax (zero off the pattern)
    front = run("sparse-open")[1].face("").values
    assert np.all(front[~combined] < 1e-9) and np.allclose(front.sum(axis=1), 1, atol=1e-5)


def test_bias_trick_equals_exact_masked_softmax():
    out, scene = run("bias-trick")
    diff = float(re.search(r"masked softmax: ([0-9.e+-]+)", out).group(1))
    assert diff < 1e-6
    rng = np.random.default_rng(1)
    q, k = rng.normal(0, 0.7, (12, 6)), rng.normal(0, 0.7, (12, 6))
    exact = softmax(q @ k.T / np.sqrt(6), np.abs(offsets(12)) <= 1)
    assert np.abs(scene.face("").values - exact).max() < 1e-6
    assert scene.face("").shape == (12, 12) and scene.face("L").shape == (12, 18)


def test_two_steps_reach_all_but_the_two_ends():
    out, scene = run("two-steps")
    o = offsets(16)
    m = ((np.abs(o) <= 2) | (o % 4 == 0)).astype(int)
    reach = (m @ m) > 0
    assert reach.sum() == 254
    assert "two-step path: 254 of 256" in out and "[(0, 15), (15, 0)]" in out
    assert np.array_equal(scene.face("").values, (m @ m).astype(np.float32))
    # the Try-it claim: w = 1 connects 218 pairs
    m1 = ((np.abs(o) <= 1) | (o % 4 == 0)).astype(int)
    assert ((m1 @ m1) > 0).sum() == 218


def test_cost_table_matches_brute_force_counts():
    lines = {line.split()[0]: line.split() for line in run("cost")[0].splitlines()[1:]}
    for T in (256, 1024):
        o = offsets(T)
        s = int(np.sqrt(T))
        local, strided = np.abs(o) <= 16, o % s == 0
        nums = [int(x.replace(",", "")) for x in lines[str(T)][1:5]]
        assert nums == [T * T, local.sum(), strided.sum(), (local | strided).sum()]
    assert lines["4096"][-1] == "2.34%"        # the prose: about 2% at 4096
    assert lines["65536"][-1] == "0.44%"       # about 0.4% at 65536


def test_real_minilm_errors_match_direct_computation():
    from mmcore.bert import minilm_head

    rows = table(run("real-minilm")[0], r"\d+")
    assert len(rows) == 12
    T = 13
    o = offsets(T)
    patterns = [np.abs(o) <= 1, np.abs(o) <= 2, o % 3 == 0, (np.abs(o) <= 2) | (o % 3 == 0)]
    for head in range(12):
        h = minilm_head(0, head, 3)
        q, k, v = (a.astype(np.float64) for a in (h.q(), h.k(), h.v()))
        full = softmax(q @ k.T / np.sqrt(32)) @ v @ h.wo
        for printed, allowed in zip(rows[str(head)], patterns):
            sparse = softmax(q @ k.T / np.sqrt(32), allowed) @ v @ h.wo
            assert printed == pytest.approx(np.linalg.norm(sparse - full) / np.linalg.norm(full), abs=6e-4)
    # the prose: head 2 survives a window of 1 (< 0.1 %), the stride wrecks it (> 100 %)
    assert rows["2"][0] < 0.001 and rows["2"][2] > 1.0
    # head 4 is the most tolerant of the others; the combination roughly halves the window-2 error
    others = [h for h in range(12) if h != 2]
    assert min(others, key=lambda h: rows[str(h)][1]) == 4
    assert np.mean([rows[str(h)][3] / rows[str(h)][1] for h in others]) < 0.65
    assert sum(rows[str(h)][1] > 0.5 for h in others) >= 8
    # the figure: head 2 with a window of 1, attn @ V
    attn = run("real-minilm")[1].face("L").values
    h = minilm_head(0, 2, 3)
    assert np.abs(attn - softmax(h.scores(), np.abs(o) <= 1)).max() < 1e-5


def test_real_sorter_errors_match_direct_computation():
    from mmcore.models import sorter_head_arrays

    rows = table(run("real-sorter")[0], r"\d+\s+\d+")
    assert len(rows) == 9
    o = offsets(11)
    for layer in range(3):
        for head in range(3):
            a = sorter_head_arrays(layer, head, "CBABCA")
            full = a["attn"].astype(np.float64) @ a["V"]
            printed_row = next(v for k, v in rows.items() if k.split() == [str(layer), str(head)])
            for printed, w in zip(printed_row, (2, 4, 6)):
                sparse = softmax(a["scores"], (o >= 0) & (o <= w)) @ a["V"]
                ref = np.linalg.norm(sparse[5:] - full[5:]) / np.linalg.norm(full[5:])
                assert printed == pytest.approx(ref, abs=6e-4)
                assert printed > 0.15          # "every head changes a lot"


def direct_measures(p, n):
    p = np.asarray(p, np.float64)
    l1, l2 = np.abs(p).sum(axis=1), np.sqrt((p ** 2).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.nansum(np.where(p > 0, p * np.log(p), 0), axis=1)
    return l1 / (np.sqrt(n) * l2), h / np.log(n), 1 / (p ** 2).sum(axis=1)


def test_toy_measures():
    out = run("measures-toy")[0]
    lines = [line.split() for line in out.splitlines()[1:]]
    rows = [np.eye(8)[0], [0.5, 0.5] + [0] * 6, [0.7] + [0.3 / 7] * 7, [0.25] * 4 + [0] * 4, np.full(8, 1 / 8)]
    assert len(lines) == len(rows)
    for line, p in zip(lines, rows):
        ratio, ent, eff = (float(a[0]) for a in direct_measures(np.array(p)[None], 8))
        assert [float(x) for x in line[8:]] == pytest.approx([ratio, ent, eff, np.exp(ent * np.log(8))], abs=0.006)
    assert [float(x) for x in lines[0][8:]] == pytest.approx([1 / np.sqrt(8), 0, 1, 1], abs=0.006)
    assert [float(x) for x in lines[4][8:]] == pytest.approx([1, 1, 8, 8], abs=0.006)
    third = [float(x) for x in lines[2][8:]]
    assert round(third[2]) == 2 and third[3] > 3               # the prose: ~2 keys vs more than 3
    assert lines[0][9] == "0.00"                               # a one-hot row prints +0.00


def test_head_measures_match_direct_computation():
    from mmcore.bert import minilm_head
    from mmcore.models import sorter_head_arrays

    out = run("measures-heads")[0]
    rows = {" ".join(line.split()[:2]): [float(x) for x in line.split()[2:]]
            for line in out.splitlines() if line.startswith(("MiniLM", "sorter"))}
    assert len(rows) == 21
    for head in range(12):
        ps = [minilm_head(0, head, s).weights().astype(np.float64) for s in range(4)]
        ms = [direct_measures(p, p.shape[1]) for p in ps]
        expect = [np.concatenate([m[i] for m in ms]).mean() for i in range(3)]
        assert rows[f"MiniLM 0.{head}"][:3] == pytest.approx(expect, abs=0.006)
    for layer in range(3):
        for head in range(3):
            p = sorter_head_arrays(layer, head, "CBABCA")["attn"].astype(np.float64)[5:]
            expect = [m.mean() for m in direct_measures(p, np.arange(6, 12))]
            assert rows[f"sorter {layer}.{head}"][:3] == pytest.approx(expect, abs=0.006)
    order = [name for name in rows]
    assert order[0] == "MiniLM 0.2" and "sparsest head: MiniLM 0.2" in out
    assert order[1:5] == ["MiniLM 0.5", "MiniLM 0.9", "MiniLM 0.8", "MiniLM 0.6"]
    assert set(order[-3:]) == {"sorter 1.1", "sorter 1.2", "sorter 2.1"}
    assert rows["MiniLM 0.2"][2] == pytest.approx(1.0, abs=0.01)
    assert all(3.3 <= rows[f"MiniLM 0.{h}"][2] <= 4.8 for h in (5, 9, 8, 6))   # "three and a half to four and a half"
    assert all(5.4 <= rows[f"MiniLM 0.{h}"][2] <= 7.2 for h in (0, 1, 3, 4, 7, 10, 11))
