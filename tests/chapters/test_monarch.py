"""Facts of docs/tutorial/monarch.md: the chain equals a Monarch matrix, its slices have rank 1, the
cost table, and the reconstruction errors of the closed-form projection against direct numpy."""

from __future__ import annotations

import functools
import pathlib
import re

import numpy as np
import pytest

from mmcore.cell import run_cell
from mmcore.efficient import low_rank_fit, monarch_dense, monarch_factors, monarch_project
from mmcore.scene import Scene
from ._pages import page_cells as read_cells

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "monarch.md"


@functools.lru_cache(maxsize=None)
def cells() -> dict[str, str]:
    """Each ``mm`` cell of the page by its id."""
    return read_cells(PAGE)


@functools.lru_cache(maxsize=None)
def run(cell_id: str):
    """(stdout, scene or None) of one cell, run as the site build runs it."""
    result = run_cell(cells()[cell_id], cell_id=cell_id)
    return result.stdout, (Scene.from_bytes(result.scene) if result.scene is not None else None)


def rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def slice_error(A, p, q):
    """The projection's error from the slices' singular values alone: each p×q slice keeps σ₁²."""
    lost = 0.0
    for i in range(q):
        for k in range(p):
            s = np.linalg.svd(A[i::q, k * q:(k + 1) * q], compute_uv=False)
            lost += (s[1:] ** 2).sum()
    return np.sqrt(lost) / np.linalg.norm(A)


def test_cells_run():
    assert set(cells()) == {"monarch-open", "monarch-slices", "monarch-apply", "monarch-cost",
                            "monarch-fit", "monarch-minilm"}
    for cell_id in cells():
        out, scene = run(cell_id)
        assert scene is not None, cell_id


def test_opening_chain_is_a_dense_monarch_matrix():
    out, scene = run("monarch-open")
    assert "non-zero parameters: 128 (L and R), entries of M: 256" in out
    assert "non-zero entries of M: 256" in out
    rng = np.random.default_rng(0)
    L, R = rng.normal(size=(4, 4, 4)), rng.normal(size=(4, 4, 4))
    # the entry formula M[l*q+i, k*q+j] = L[i,l,k] R[k,i,j], written out with loops
    M = np.zeros((16, 16))
    for l in range(4):
        for i in range(4):
            for k in range(4):
                for j in range(4):
                    M[l * 4 + i, k * 4 + j] = L[i, l, k] * R[k, i, j]
    assert np.allclose(scene.face("").values, M, atol=1e-5)
    assert len(scene.nodes) == 3 and scene.face("LLL").name == "P" and scene.face("R").name == "R"


def test_slices_have_rank_one_and_projection_is_exact_on_monarch():
    out, _ = run("monarch-slices")
    assert "rank of slice (i, k): " + str([[1] * 4] * 4) in out
    assert "same slices of a random dense matrix: {4}" in out
    rng = np.random.default_rng(5)
    M = monarch_dense(rng.normal(size=(8, 6, 6)), rng.normal(size=(6, 8, 8)))
    assert rel(monarch_dense(*monarch_project(M, 6, 8)), M) < 1e-12
    assert "True" in run("monarch-apply")[0]


def test_cost_table():
    out, scene = run("monarch-cost")
    front = scene.face("").values
    L = np.kron(np.eye(8), np.ones((6, 6)))
    R = np.kron(np.eye(6), np.ones((8, 8)))
    assert np.array_equal(front, L @ R) and np.count_nonzero(front) == 576 == 2304 // 4   # "a quarter"
    assert "without the permutation: 576 of 2304" in out
    for line in (line for line in out.splitlines() if line.startswith("n =")):
        n, p, q = map(int, re.match(r"n =\s*(\d+) =\s*(\d+)·(\d+)", line).groups())
        assert p * q == n and p <= q
        nums = [int(x.replace(",", "")) for x in re.findall(r"(?:dense|Monarch)\s+([\d,]+)", line)]
        assert nums == [n * n, n * (p + q)]
        if n == 4096:
            assert line.endswith("32.0× fewer")     # the prose: 32 times fewer


def test_sorter_fit_errors():
    from mmcore.models import sorter_params

    out, scene = run("monarch-fit")
    A = sorter_params()["transformer.h.2.attn.c_proj.weight"].astype(np.float64)
    monarch = rel(monarch_dense(*monarch_project(A, 6, 8)), A)
    assert monarch == pytest.approx(slice_error(A, 6, 8), abs=1e-9)   # closed form = sum of slice tails
    low = rel(low_rank_fit(A, 7), A)
    s = np.linalg.svd(A, compute_uv=False)
    assert low == pytest.approx(np.sqrt((s[7:] ** 2).sum() / (s ** 2).sum()), abs=1e-9)
    assert "parameters: Monarch 672, rank 7: 672, dense 2304" in out
    line = next(l for l in out.splitlines() if l.startswith("sorter"))
    assert line.split()[-2:] == [f"{monarch:.1%}", f"{low:.1%}"] == ["60.0%", "35.2%"]
    rand = next(l for l in out.splitlines() if l.startswith("random")).split()[-2:]
    G = np.random.default_rng(0).normal(size=(48, 48))
    assert rand == [f"{slice_error(G, 6, 8):.1%}", f"{rel(low_rank_fit(G, 7), G):.1%}"]
    assert abs(float(rand[0][:-1]) - float(rand[1][:-1])) < 1.0   # "equally poor"
    # the figure multiplies out to the fit
    L, R = monarch_project(A, 6, 8)
    assert np.allclose(scene.face("").values, monarch_dense(L, R), atol=1e-5)
    # the projection is a minimum: nudging one factor makes it worse
    P2, BL, P1, BR = monarch_factors(L * 1.01, R)
    assert rel(P2 @ BL @ P1 @ BR, A) > monarch


def test_minilm_fit_errors():
    from mmcore.bert import minilm_head

    out, _ = run("monarch-minilm")
    A = np.hstack([minilm_head(0, h).wq for h in range(12)]).astype(np.float64)
    line = next(l for l in out.splitlines() if l.startswith("MiniLM"))
    monarch, low = re.findall(r"([\d.]+)%", line)
    assert float(monarch) == pytest.approx(100 * slice_error(A, 16, 24), abs=0.06)
    assert float(low) == pytest.approx(100 * rel(low_rank_fit(A, 20), A), abs=0.06)
    assert (monarch, low) == ("88.8", "81.6")
    assert "parameters: Monarch 15,360, rank 20: 15,360, dense 147,456" in out
    s = np.linalg.svd(A[0::24, 0:24], compute_uv=False)
    assert f"its rank-1 fit keeps {s[0] ** 2 / (s ** 2).sum():.0%} of its energy" in out
