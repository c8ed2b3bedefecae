"""The schedule: when each animated matmul node runs, simulated tick by tick with mm's rules.

mm advances an animation by one "bump" per step. A node first lets its animated children run
(independent subtrees in parallel), then sweeps its own result, unless ``fuse`` lets it run
together with them: parent vmprod with a left vmprod chain, parent mvprod with a right mvprod
chain, parent vvprod with a left mvprod and a right vmprod. ``sync`` fuses only while the step
indices coincide, ``async`` whatever they are. A child that finishes spends one idle step before
its parent goes on; the root starts a new cycle at once. ``simulate`` replays exactly that and
records, per node, the global step of its first local step: every node runs its ``steps`` local
steps back to back, so ``local = step - start`` describes the whole cycle.

Examples:
    >>> import mmcore
    >>> from mmcore.anim import Animation, schedule
    >>> A = mmcore.matrix("A", 6, 4); B = mmcore.matrix("B", 4, 5); C = mmcore.matrix("C", 5, 3)
    >>> s = schedule(mmcore.layout(A @ B @ C), Animation("vmprod"))
    >>> [(t.path, t.start, t.steps) for t in s.tracks], s.cycle
    ([('', 7, 6), ('L', 0, 6)], 13)
    >>> schedule(mmcore.layout(A @ B @ C), Animation("vmprod", fuse="sync")).cycle
    6
"""

from __future__ import annotations

import dataclasses

from ..geometry.blocks import BlockSplit
from ..errors import MMError
from ._spec import Animation

__all__ = ["Track", "Schedule", "schedule", "local_indices", "steps_for"]

# which index mm compares for sync fusion, and the local step -> (i, k, j) decoding
_SWEEP_AXES = {
    "vmprod": ("i",), "dotprod (row major)": ("i", "j"),
    "mvprod": ("j",), "dotprod (col major)": ("j", "i"),
    "vvprod": ("k",), "axpy": ("j", "k"),
}
_FUSE_INDEX = {"vmprod": "i", "dotprod (row major)": "i", "mvprod": "j", "dotprod (col major)": "j",
               "vvprod": "k", "axpy": "k"}


@dataclasses.dataclass(frozen=True)
class Track:
    """One animated node: ``steps`` local steps starting at global step ``start`` of each cycle."""

    path: str
    alg: str
    start: int
    steps: int
    shape: tuple[int, int, int]              # (I, K, J)
    blocks: tuple[int, int, int]             # effective block counts (ib, kb, jb)
    block_size: tuple[int, int, int]         # (si, sk, sj)
    fused: bool = False                      # runs alongside its parent (fusion)

    def phase(self, step: int) -> tuple[str, int]:
        """(``"pending"|"active"|"done"``, local step) at global step ``step`` of the cycle."""
        s = step - self.start
        if s < 0:
            return "pending", -1
        if s >= self.steps:
            return "done", self.steps
        return "active", s


@dataclasses.dataclass(frozen=True)
class Schedule:
    """Every animated node's track, the cycle length and the player settings."""

    tracks: tuple[Track, ...]
    cycle: int
    fuse: str
    hide_inputs: bool
    speed: float
    normalize: bool
    autoplay: bool = True

    def track(self, path: str) -> Track:
        for t in self.tracks:
            if t.path == path:
                return t
        raise MMError(f"no animated node at path {path!r}: expected one of "
                      f"{', '.join(repr(t.path) for t in self.tracks) or '(none)'}")


def steps_for(alg: str, block_size: tuple[int, int, int]) -> int:
    """Local steps of one full sweep (block-local sizes: all blocks animate in parallel)."""
    si, sk, sj = block_size
    size = {"i": si, "k": sk, "j": sj}
    n = 1
    for axis in _SWEEP_AXES[alg]:
        n *= size[axis]
    return n


def local_indices(alg: str, block_size: tuple[int, int, int], s: int) -> dict:
    """Block-local (i, k, j) swept at local step ``s``; axes the algorithm does not sweep are absent."""
    si, sk, sj = block_size
    size = {"i": si, "k": sk, "j": sj}
    axes = _SWEEP_AXES[alg]
    if len(axes) == 1:
        return {axes[0]: s}
    outer, inner = axes
    return {outer: s // size[inner], inner: s % size[inner]}


class _Sim:
    """mm's per-node animation state machine (one object per animated node)."""

    def __init__(self, path, alg, fuse, steps, children, on_done=None):
        self.path, self.alg, self.fuse, self.steps = path, alg, fuse, steps
        self.children = children            # {"L": _Sim | None, "R": _Sim | None}
        self.on_done = on_done
        self.cur = -1
        self.done = {"L": True, "R": True}
        self.log: list[tuple[int, int]] = []
        self.fused_ticks = 0

    def index(self) -> int:
        return self.cur if self.cur < 0 else self.cur // self._inner

    def start(self, tick_ref) -> None:
        self.cur = -1
        self._inner = self.steps_inner
        for side in ("L", "R"):
            child = self.children[side]
            if child is not None:
                self.done[side] = False
                child.on_done = (lambda s=side: self.done.__setitem__(s, True))
                child.start(tick_ref)
            else:
                self.done[side] = True

    def join(self) -> str:
        def child_alg(side):
            child = self.children[side]
            if child is None or self.done[side]:
                return "none"
            if self.fuse == "async" or child.index() == self.index():
                return child.join()
            return "mixed"
        la, ra = child_alg("L"), child_alg("R")
        alg = self.alg

        def or_none(a, b):
            return a == b or a == "none"
        if alg == "vmprod" and or_none(la, "vmprod") and ra == "none":
            return "vmprod"
        if alg == "mvprod" and la == "none" and or_none(ra, "mvprod"):
            return "mvprod"
        if alg == "vvprod" and or_none(la, "mvprod") and or_none(ra, "vmprod"):
            return "vvprod"
        if la == "none" and ra == "none":
            return alg
        return "mixed"

    def bump(self, tick: int, restart) -> None:
        kids_done = self.done["L"] and self.done["R"]
        go = kids_done or (self.fuse != "none" and self.join() != "mixed")
        if go and not kids_done:
            self.fused_ticks += 1
        for side in ("L", "R"):
            if not self.done[side]:
                self.children[side].bump(tick, restart)
        if go:
            self.cur += 1
            if self.cur == self.steps:
                if self.on_done is not None:
                    self.on_done()
                else:
                    restart()
            else:
                self.log.append((tick, self.cur))


def _node_info(scene):
    return {n.path: n for n in scene.nodes}


def schedule(scene, anim: Animation | None) -> Schedule | None:
    """The schedule of ``anim`` over ``scene``'s matmul nodes; ``None`` when nothing animates."""
    if anim is None or anim.alg == "none" or not scene.nodes:
        return None
    nodes = _node_info(scene)
    unknown = [p for p, _ in anim.nodes if p not in nodes]
    if unknown:
        raise MMError(f"anim nodes: no matmul at path {unknown[0]!r}: expected one of "
                      f"{', '.join(repr(p) for p in sorted(nodes) if p)}")
    meta: dict[str, tuple] = {}

    def build(path: str, parent_alg: str):
        alg = anim.node_alg(path)
        if alg == "inherit":
            alg = parent_alg
        if alg == "none":
            return None
        node = nodes[path]
        I, K, J = node.shape
        splits = (BlockSplit.of(I, node.blocks[0]), BlockSplit.of(K, node.blocks[1]),
                  BlockSplit.of(J, node.blocks[2]))
        bsize = tuple(s.size for s in splits)
        steps = steps_for(alg, bsize)
        kids = {side: (build(path + side, alg) if path + side in nodes else None) for side in ("L", "R")}
        sim = _Sim(path, alg, anim.fuse, steps, kids)
        axes = _SWEEP_AXES[alg]
        sim.steps_inner = 1 if len(axes) == 1 else {"i": bsize[0], "k": bsize[1], "j": bsize[2]}[axes[1]]
        meta[path] = (alg, tuple(node.shape), tuple(s.count for s in splits), bsize, steps)
        return sim

    root = build("", anim.alg)
    if root is None:
        return None
    state = {"restarted": False}

    def restart():
        state["restarted"] = True

    root.start(None)
    tick = 0
    limit = sum(m[4] + 1 for m in meta.values()) + 1
    while True:
        root.bump(tick, restart)
        if state["restarted"]:
            break
        tick += 1
        if tick > limit:  # pragma: no cover - a bug in the simulation, never an input error
            raise MMError("animation schedule did not finish a cycle")
    cycle = tick
    tracks = []
    sims = []

    def collect(sim, parent_fused_from=None):
        sims.append(sim)
        for side in ("L", "R"):
            if sim.children[side] is not None:
                collect(sim.children[side])
    collect(root)
    starts = {}
    for sim in sims:
        if not sim.log:  # pragma: no cover
            raise MMError(f"animated node {sim.path!r} never ran")
        start = sim.log[0][0]
        if any(t - start != s for t, s in sim.log) or len(sim.log) != sim.steps:  # pragma: no cover
            raise MMError(f"animated node {sim.path!r} does not run its steps back to back")
        starts[sim.path] = start
    for sim in sims:
        alg, shape, counts, bsize, steps = meta[sim.path]
        parent = sim.path[:-1] if sim.path else None
        fused = parent is not None and parent in starts and starts[parent] < starts[sim.path] + steps \
            and starts[parent] + meta[parent][4] > starts[sim.path]
        tracks.append(Track(sim.path, alg, starts[sim.path], steps, shape, counts, bsize, fused))
    tracks.sort(key=lambda t: (len(t.path), t.path))
    return Schedule(tuple(tracks), cycle, anim.fuse, anim.hide_inputs, float(anim.speed), anim.normalize,
                    anim.autoplay)
