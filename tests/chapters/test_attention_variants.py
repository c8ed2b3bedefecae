"""Facts of docs/tutorial/attention-variants.md: ranks (np.linalg.matrix_rank), linear attention in
both orders, focus on MiniLM's real heads, the synthesizers, windows, noise and the log n factor,
each checked against a direct numpy computation."""

from __future__ import annotations

import functools
import pathlib
import re

import numpy as np
import pytest

from mmcore.cell import run_cell
from mmcore.scene import Scene
from ._pages import page_cells as read_cells

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "attention-variants.md"


@functools.lru_cache(maxsize=None)
def cells() -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(PAGE)


@functools.lru_cache(maxsize=None)
def run(cell_id: str):
    """(stdout, scene) of one cell, run as the site build runs it."""
    result = run_cell(cells()[cell_id], cell_id=cell_id)
    return result.stdout, (Scene.from_bytes(result.scene) if result.scene is not None else None)


def softmax(s):
    s = np.asarray(s, np.float64)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def phi(x):
    return np.where(x > 0, x + 1, np.exp(x))


def rows_of(out: str, n_numbers: int) -> dict[str, list[float]]:
    """Printed table rows 'key n1 n2 ...' (percent -> fraction)."""
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == n_numbers + 1 and re.fullmatch(r"\d+", parts[0]):
            rows[parts[0]] = [float(x.rstrip("%")) / (100 if x.endswith("%") else 1) for x in parts[1:]]
    return rows


def test_title_and_cells():
    assert PAGE.read_text().startswith("# Linear attention, Synthesizer and scale\n")
    assert set(cells()) == {"variants-open", "linear-chain", "focus", "synth-random", "synth-dense",
                            "window-extrapolate", "noise", "noise-real", "log-n"}
    for cell_id in cells():
        assert run(cell_id)[1] is not None, cell_id


def test_low_rank_bottleneck_ranks():
    out, scene = run("variants-open")
    rng = np.random.default_rng(0)
    q, k_t = rng.normal(0, 1.5, (24, 4)), rng.normal(0, 1.5, (4, 24))
    assert np.linalg.matrix_rank(q @ k_t) == 4
    assert np.linalg.matrix_rank(softmax(q @ k_t / 2)) == 24
    assert re.search(r"rank of Q @ K_t:\s+4\n", out) and re.search(r"rank of softmax\(Q @ K_t/√d\): 24\n", out)
    assert np.allclose(scene.face("").values, softmax(q @ k_t / 2), atol=1e-6)
    # Try it 1: with d = 24 the scores have full rank too
    q, k_t = rng.normal(size=(24, 24)), rng.normal(size=(24, 24))
    assert np.linalg.matrix_rank(q @ k_t) == 24


def test_linear_attention_orders_and_rank():
    out, scene = run("linear-chain")
    assert "both orders give the same output: True" in out and "rank of the linear attention matrix: 4" in out
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(0, 1.5, (24, 4)), rng.normal(0, 1.5, (24, 4)), rng.normal(size=(24, 4))
    a = phi(q) @ phi(k).T
    a /= a.sum(axis=1, keepdims=True)
    assert np.allclose(a.sum(axis=1), 1) and np.linalg.matrix_rank(a) == 4
    assert np.allclose(scene.face("").values, a @ v, atol=1e-5)
    assert scene.face("R").shape == (4, 4)          # the d×d summary KV


def test_linear_attention_cannot_focus_on_real_heads():
    from mmcore.bert import minilm_head

    rows = rows_of(run("focus")[0], 4)
    assert len(rows) == 12
    for head in range(12):
        h = minilm_head(0, head, 3)
        q, k = h.q().astype(np.float64), h.k().astype(np.float64)
        soft = softmax(q @ k.T / np.sqrt(32))
        assert np.allclose(soft, h.weights(), atol=1e-5)
        s = 32 ** -0.25
        lin = phi(q * s) @ phi(k * s).T
        lin /= lin.sum(axis=1, keepdims=True)
        expect = [soft.max(1).mean(), lin.max(1).mean(), (1 / (soft ** 2).sum(1)).mean(), (1 / (lin ** 2).sum(1)).mean()]
        assert rows[str(head)] == pytest.approx(expect, abs=0.051)
        assert rows[str(head)][:2] == pytest.approx(expect[:2], abs=0.006)
        assert lin.max(1).mean() <= 0.11 and (1 / (lin ** 2).sum(1)).mean() > 12     # nearly uniform over 13
    assert rows["2"][0] == pytest.approx(1.0, abs=0.005) and rows["2"][2] == pytest.approx(1.0, abs=0.05)


def test_random_synthesizer_ignores_the_words():
    out, scene = run("synth-random")
    lines = [l for l in out.splitlines() if l.startswith("sentence")]
    assert lines[0].split("reads")[1].replace("today", "X") == lines[1].split("reads")[1].replace("stadium", "X")
    R = np.random.default_rng(0).normal(0, 1.5, (13, 13))
    assert np.allclose(scene.face("L").values, softmax(R[:8, :8]), atol=1e-6)


def test_dense_synthesizer_rows_depend_on_their_own_token():
    out, scene = run("synth-dense")
    assert "row 4 unchanged when the other tokens change: True" in out
    assert "rows that changed: 10 of 11" in out
    assert len(scene.nodes) == 3 and scene.face("L").name == "attn" and scene.face("LL").name == "hidden"


def test_window_keeps_distances_bounded():
    out, _ = run("window-extrapolate")
    rows = rows_of(out, 4)
    for n in (8, 32, 128, 512):
        assert rows[str(n)] == [n - 1, 4, n, 5]


def test_noise_averages_out_with_many_keys():
    rows = rows_of(run("noise")[0], 3)
    moved = [rows[n][1] for n in ("8", "64", "512", "4096")]
    assert moved == sorted(moved, reverse=True) and moved[0] / moved[-1] > 10   # "about ten times less"
    assert all(0.6 <= rows[n][0] <= 0.8 for n in rows)                          # weights move 0.6 to 0.8
    # direct check of the first row with the same draws
    rng = np.random.default_rng(0)
    s = rng.normal(size=(200, 8))
    v = rng.normal(size=(8, 16)) / 4
    p, noisy = softmax(s), softmax(s + rng.normal(size=s.shape))
    assert rows["8"] == pytest.approx([np.abs(noisy - p).sum(1).mean(), np.linalg.norm((noisy - p) @ v, axis=1).mean(),
                                       (1 / (p ** 2).sum(1)).mean()], abs=0.051)


def test_noise_on_real_heads():
    rows = rows_of(run("noise-real")[0], 2)
    assert rows["2"][0] < 0.002 and rows["2"][1] == 1.0                        # head 2 does not notice
    others = [rows[str(h)][0] for h in range(12) if h != 2]
    assert 0.1 <= min(others) and max(others) <= 0.55                           # "a tenth to a half"
    assert max(range(12), key=lambda h: rows[str(h)][0]) == 6                   # the figure's head


def test_log_n_factor_entropies():
    from mmcore.efficient import entropy

    rows = rows_of(run("log-n")[0], 4)
    plain = [rows[n][0] for n in ("16", "64", "256", "1024", "4096")]
    scaled = [rows[n][1] for n in ("16", "64", "256", "1024", "4096")]
    assert plain == sorted(plain) and plain[0] == 0.85 and plain[-1] >= 0.9
    assert scaled[1] == plain[1] and scaled[1:] == sorted(scaled[1:], reverse=True) and scaled[0] > plain[0]
    assert rows["4096"][2] == pytest.approx(2490, abs=1) and 100 < rows["4096"][3] < 1000
    # the first row, directly
    rng = np.random.default_rng(0)
    q, k = rng.normal(size=(64, 16)), rng.normal(size=(16, 16))
    p = softmax(q @ k.T / 4)
    h = -(p * np.log(p)).sum(1)
    assert rows["16"][0] == pytest.approx((h / np.log(16)).mean(), abs=0.006)
    assert np.allclose(entropy(p), h)
