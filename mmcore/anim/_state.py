"""The picture at one step, computed from the schedule the way the shader does it.

``state_at(scene, step)`` gives, for every animated node, which result cells are revealed (and
their values), the intermediate product planes ``L[i, k] * R[k, j]`` (float32 products of the
argument faces' values, one plane per partition block), the split-k partial-sum planes, and the
highlighted argument rows/columns. The renderer computes the same from the schedule header
(``docs/reference/animations.md``); tests compare this with numpy.

Examples:
    >>> import mmcore
    >>> from mmcore.anim import state_at
    >>> A = mmcore.matrix("A", 4, 3, init="rows"); B = mmcore.matrix("B", 3, 2, init="cols")
    >>> scene = mmcore.layout(A @ B, anim="vmprod")
    >>> st = state_at(scene, 1)[""]
    >>> st.phase, st.revealed.sum(axis=1).tolist(), st.products[0].values.shape
    ('active', [2, 2, 0, 0], (3, 2))
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import MMError
from ._timeline import Schedule, Track, local_indices

__all__ = ["NodeState", "Plane", "state_at", "reveal_mask"]


@dataclasses.dataclass(frozen=True, eq=False)
class Plane:
    """An intermediate plane: ``kind`` "kj" (row i fixed), "ik" (column j fixed), "ij" (depth k fixed)
    or "partial" (split-k partial sums of k block ``block[1]``); ``values`` float32 2-D, ``mask`` the
    shown cells (the dot-product / axpy sweeps show one line of the plane)."""

    kind: str
    block: tuple[int, int, int]              # (ib, kb, jb) block indices
    fixed: int                               # the absolute i, j or k of the plane (-1 for "partial")
    values: np.ndarray
    mask: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class NodeState:
    """One animated node at one step."""

    path: str
    alg: str
    phase: str                               # "pending" | "active" | "done"
    local: int                               # local step (-1 pending, steps when done)
    revealed: np.ndarray                     # bool (I, J): result cells shown
    values: np.ndarray                       # float32 (I, J): what the result face shows (NaN where hidden)
    products: tuple[Plane, ...]
    partials: tuple[Plane, ...]
    left_highlight: np.ndarray               # bool (I, K): highlighted cells of the left argument
    right_highlight: np.ndarray              # bool (K, J)


def _block_local(n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    idx = np.arange(n)
    return idx // size, idx % size


def reveal_mask(track: Track, local: dict | None, phase: str) -> np.ndarray:
    """bool (I, J): revealed result cells (block-local lexicographic order of the sweep)."""
    I, K, J = track.shape
    si, sk, sj = track.block_size
    if phase == "pending":
        return np.zeros((I, J), bool)
    if phase == "done" or track.alg in ("vvprod", "axpy"):
        return np.ones((I, J), bool)
    _, ri = _block_local(I, si)
    _, rj = _block_local(J, sj)
    ri, rj = ri[:, None], rj[None, :]
    if track.alg == "vmprod":
        return np.broadcast_to(ri <= local["i"], (I, J)).copy()
    if track.alg == "mvprod":
        return np.broadcast_to(rj <= local["j"], (I, J)).copy()
    if track.alg == "dotprod (row major)":
        return (ri < local["i"]) | ((ri == local["i"]) & (rj <= local["j"]))
    return (rj < local["j"]) | ((rj == local["j"]) & (ri <= local["i"]))


def _running_sum(track: Track, left: np.ndarray, right: np.ndarray, local: dict) -> np.ndarray:
    """vvprod/axpy: the accumulated (pre-epilog) sum, float64 (I, J)."""
    I, K, J = track.shape
    si, sk, sj = track.block_size
    _, rk = _block_local(K, sk)
    acc = np.zeros((I, J))
    L64, R64 = left.astype(np.float64), right.astype(np.float64)
    if track.alg == "vvprod":
        ks = np.nonzero(rk <= local["k"])[0]
        return L64[:, ks] @ R64[ks, :]
    _, rj = _block_local(J, sj)
    full = rj < local["j"]
    acc[:, full] = L64 @ R64[:, full]
    cur = rj == local["j"]
    ks = np.nonzero(rk <= local["k"])[0]
    acc[:, cur] = L64[:, ks] @ R64[ks][:, cur]
    return acc


def _epilog(acc: np.ndarray, epilog: str, k: int) -> np.ndarray:
    if epilog == "none":
        return acc.astype(np.float32)
    from ..values.epilogs import apply_epilog
    return apply_epilog(acc, epilog, k)


def _products(track: Track, left: np.ndarray, right: np.ndarray, local: dict) -> list[Plane]:
    I, K, J = track.shape
    si, sk, sj = track.block_size
    ib, kb, jb = track.blocks
    alg = track.alg
    planes = []
    for bi in range(ib):
        for bk in range(kb):
            for bj in range(jb):
                i0, k0, j0 = bi * si, bk * sk, bj * sj
                i1, k1, j1 = min(I, i0 + si), min(K, k0 + sk), min(J, j0 + sj)
                if alg in ("vmprod", "dotprod (row major)"):
                    i = i0 + local["i"]
                    if i >= i1 or ("j" in local and j0 + local["j"] >= j1):
                        continue
                    vals = left[i, k0:k1, None] * right[k0:k1, j0:j1]
                    mask = np.ones(vals.shape, bool)
                    if "j" in local:
                        mask[:] = False
                        mask[:, local["j"]] = True
                    planes.append(Plane("kj", (bi, bk, bj), i, vals, mask))
                elif alg in ("mvprod", "dotprod (col major)"):
                    j = j0 + local["j"]
                    if j >= j1 or ("i" in local and i0 + local["i"] >= i1):
                        continue
                    vals = left[i0:i1, k0:k1] * right[None, k0:k1, j][0][None, :]
                    mask = np.ones(vals.shape, bool)
                    if "i" in local:
                        mask[:] = False
                        mask[local["i"], :] = True
                    planes.append(Plane("ik", (bi, bk, bj), j, vals, mask))
                else:
                    k = k0 + local["k"]
                    if k >= k1 or ("j" in local and j0 + local["j"] >= j1):
                        continue
                    vals = left[i0:i1, k, None] * right[None, k, j0:j1]
                    mask = np.ones(vals.shape, bool)
                    if "j" in local:
                        mask[:] = False
                        mask[:, local["j"]] = True
                    planes.append(Plane("ij", (bi, bk, bj), k, vals, mask))
    return planes


def _highlights(track: Track, local: dict | None, hide_inputs: bool):
    I, K, J = track.shape
    si, sk, sj = track.block_size
    lh, rh = np.zeros((I, K), bool), np.zeros((K, J), bool)
    if local is None or hide_inputs:
        return lh, rh
    _, ri = _block_local(I, si)
    _, rk = _block_local(K, sk)
    _, rj = _block_local(J, sj)
    alg = track.alg
    if "i" in local and alg != "axpy":
        lh[ri == local["i"], :] = True
    if alg in ("vvprod", "axpy"):
        lh[:, rk == local["k"]] = True
    if alg == "vvprod":
        rh[rk == local["k"], :] = True
    elif alg == "axpy":
        rh[np.ix_(rk == local["k"], rj == local["j"])] = True
    elif "j" in local:
        rh[:, rj == local["j"]] = True
    return lh, rh


def node_state(track: Track, sched: Schedule, scene, step: int) -> NodeState:
    """The state of one track at global step ``step`` (taken modulo the cycle)."""
    phase, s = track.phase(step % sched.cycle)
    local = local_indices(track.alg, track.block_size, s) if phase == "active" else None
    res = scene.face(track.path)
    left = np.asarray(scene.face(track.path + "L").values, np.float32)
    right = np.asarray(scene.face(track.path + "R").values, np.float32)
    revealed = reveal_mask(track, local, phase)
    if phase == "active" and track.alg in ("vvprod", "axpy"):
        shown = _epilog(_running_sum(track, left, right, local), res.epilog, track.shape[1])
    else:
        shown = np.asarray(res.values, np.float32)
    products, partials = (), ()
    if phase == "active":
        products = tuple(_products(track, left, right, local))
        if track.blocks[1] > 1 and track.alg not in ("vvprod", "axpy"):
            # split-k: the partial-sum planes are revealed instead of the result face (as mm)
            partials = tuple(_partials(track, left, right, revealed))
            revealed = np.zeros_like(revealed)
    values = np.where(revealed, shown, np.float32(np.nan)).astype(np.float32)
    lh, rh = _highlights(track, local, sched.hide_inputs)
    return NodeState(track.path, track.alg, phase, s, revealed, values, products, partials, lh, rh)


def _partials(track: Track, left, right, revealed) -> list[Plane]:
    I, K, J = track.shape
    sk = track.block_size[1]
    out = []
    for bk in range(track.blocks[1]):
        k0, k1 = bk * sk, min(K, (bk + 1) * sk)
        vals = (left[:, k0:k1].astype(np.float64) @ right[k0:k1].astype(np.float64)).astype(np.float32)
        out.append(Plane("partial", (0, bk, 0), -1, vals, revealed.copy()))
    return out


def state_at(scene_or_expr, step: int, *, anim=None) -> dict[str, NodeState]:
    """Every animated node's :class:`NodeState` at global ``step`` (modulo the cycle).

    ``scene_or_expr`` is a scene laid out with an animation (``mmcore.layout(expr, anim=...)``) or
    an expression (laid out here, with ``anim`` or the animation the expression carries).
    """
    from ..scene import Scene
    from ._attach import schedule_of
    if not isinstance(scene_or_expr, Scene):
        import mmcore
        scene_or_expr = mmcore.layout(scene_or_expr, anim=anim) if anim is not None else mmcore.layout(scene_or_expr)
    sched = schedule_of(scene_or_expr)
    if sched is None:
        raise MMError("state_at: the scene has no animation: expected mmcore.layout(expr, anim='vmprod') or similar")
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
        raise MMError(f"state_at: step: expected an integer, got {step!r}")
    return {t.path: node_state(t, sched, scene_or_expr, int(step)) for t in sched.tracks}
