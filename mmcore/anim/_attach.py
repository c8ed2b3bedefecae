"""The schedule in the scene: ``scene.anim`` as the JSON of the wire header, and back.

``attach(scene, anim)`` simulates the schedule (``_timeline.schedule``) and returns a copy of the
scene whose ``anim`` is the plain-JSON header section documented in
``docs/reference/scene-format.md`` ("Animation schedule"); ``schedule_of(scene)`` reads it back,
so a scene read from bytes animates (and ``state_at`` works) exactly like the one laid out.

A track's ``product_range`` needs the argument faces' values; it is computed when first read
(or when the scene is serialised), so an animated figure whose leaves cannot be loaded (an mm
link with ``init: url`` and no network) still lays out and gives its positions.

Examples:
    >>> import mmcore
    >>> from mmcore.anim import attach, schedule_of, Animation
    >>> A = mmcore.matrix("A", 4, 3); B = mmcore.matrix("B", 3, 2)
    >>> s = attach(mmcore.layout(A @ B), Animation("mvprod"))
    >>> s.anim["cycle"], s.anim["tracks"][0]["alg"], schedule_of(s).tracks[0].steps
    (2, 'mvprod', 2)
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import MMError
from ._spec import Animation
from ._timeline import Schedule, Track, schedule

__all__ = ["attach", "schedule_of", "ANIM_FORMAT_VERSION", "product_absmax", "product_range", "LazyTrack"]

ANIM_FORMAT_VERSION = 1


def product_absmax(left: np.ndarray, right: np.ndarray) -> float:
    """max |L[i, k] * R[k, j]| over all i, k, j, in O(IK + KJ): max over k of colmax|L| * rowmax|R|."""
    la = np.nan_to_num(np.abs(left.astype(np.float64)), nan=0.0, posinf=0.0)
    ra = np.nan_to_num(np.abs(right.astype(np.float64)), nan=0.0, posinf=0.0)
    if la.size == 0 or ra.size == 0:
        return 0.0
    return float(np.max(la.max(axis=0) * ra.max(axis=1)))


def product_range(scene, left: np.ndarray, right: np.ndarray) -> tuple[float, float]:
    """Colour range of a node's product planes: mm colours intermediates with the parent's settings,
    ``superlocal`` downgraded to ``local``, the local maximum being the largest |product|."""
    from ..color import color_range
    sensitivity = scene.viz.get("sensitivity", "global")
    sensitivity = "local" if sensitivity == "superlocal" else sensitivity
    local = product_absmax(left, right)
    lo, hi = color_range(sensitivity, local, 0.0, float(scene.viz.get("global_absmax", 0.0)))
    return float(lo), (float(hi) or 1.0)


def _hidden_inputs(scene, sched: Schedule) -> list[str]:
    if not sched.hide_inputs:
        return []
    leaves = {f.path for f in scene.faces if f.kind == "leaf"}
    out = []
    for t in sched.tracks:
        out += [p for p in (t.path + "L", t.path + "R") if p in leaves]
    return sorted(set(out))


class LazyTrack(dict):
    """A track's JSON dict whose ``product_range`` is computed (once) on first access.

    A plain ``dict`` once filled: every reading method fills it first, so ``json.dumps``,
    ``dict(track)``, ``==`` and iteration all see the complete track.

    Examples:
        >>> t = LazyTrack({"path": ""}, lambda: [0.0, 2.0])
        >>> t.filled, t["path"], t.filled, dict(t)
        (False, '', False, {'path': '', 'product_range': [0.0, 2.0]})
    """

    _LAZY = "product_range"

    def __init__(self, eager: dict, compute):
        super().__init__(eager)
        self._compute = compute

    @property
    def filled(self) -> bool:
        return self._compute is None

    def _fill(self) -> None:
        if self._compute is not None:
            dict.__setitem__(self, self._LAZY, self._compute())
            self._compute = None

    def __getitem__(self, key):
        if key == self._LAZY:
            self._fill()
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        if key == self._LAZY:
            self._fill()
        return dict.get(self, key, default)

    def __contains__(self, key) -> bool:
        return key == self._LAZY or dict.__contains__(self, key)

    def __len__(self) -> int:
        return dict.__len__(self) + (0 if self.filled else 1)

    def __iter__(self):
        self._fill()
        return dict.__iter__(self)

    def keys(self):
        self._fill()
        return dict.keys(self)

    def values(self):
        self._fill()
        return dict.values(self)

    def items(self):
        self._fill()
        return dict.items(self)

    def copy(self) -> dict:
        self._fill()
        return dict(dict.items(self))

    def __eq__(self, other):
        self._fill()
        if isinstance(other, LazyTrack):
            other._fill()
        return dict.__eq__(self, other)

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None

    def __reduce__(self):
        return (dict, (self.copy(),))

    def __repr__(self) -> str:
        shown = dict(dict.items(self))
        if not self.filled:
            shown[self._LAZY] = "…"
        return f"LazyTrack({shown!r})"


def _track_json(scene, t: Track) -> dict:
    res = scene.face(t.path)
    left, right = scene.face(t.path + "L"), scene.face(t.path + "R")

    def prange() -> list[float]:
        return list(product_range(scene, left.values, right.values))
    return LazyTrack({"path": t.path, "alg": t.alg, "start": t.start, "steps": t.steps, "shape": list(t.shape),
                      "blocks": list(t.blocks), "block_size": list(t.block_size), "fused": t.fused,
                      "left": t.path + "L", "right": t.path + "R", "epilog": res.epilog}, prange)


def attach(scene, anim) -> "object":
    """A copy of ``scene`` carrying the schedule of ``anim`` (an Animation, name or dict; None: none)."""
    if anim is None:
        return scene
    anim = Animation.of(anim)
    sched = schedule(scene, anim)
    if sched is None:
        return dataclasses.replace(scene, anim=None)
    header = {"version": ANIM_FORMAT_VERSION, "cycle": sched.cycle, "fuse": sched.fuse,
              "hide_inputs": sched.hide_inputs, "speed": sched.speed, "normalize": sched.normalize,
              "autoplay": sched.autoplay, "hidden": _hidden_inputs(scene, sched),
              "tracks": [_track_json(scene, t) for t in sched.tracks]}
    return dataclasses.replace(scene, anim=header)


def schedule_of(scene) -> Schedule | None:
    """The :class:`Schedule` stored in ``scene.anim`` (``None`` when the scene does not animate)."""
    a = scene.anim
    if a is None:
        return None
    if not isinstance(a, dict) or a.get("version") != ANIM_FORMAT_VERSION:
        raise MMError(f"scene anim: expected a schedule of version {ANIM_FORMAT_VERSION}, got {a!r:.80}")
    tracks = tuple(Track(t["path"], t["alg"], int(t["start"]), int(t["steps"]), tuple(t["shape"]),
                         tuple(t["blocks"]), tuple(t["block_size"]), bool(t.get("fused", False)))
                   for t in a["tracks"])
    return Schedule(tracks, int(a["cycle"]), a["fuse"], bool(a["hide_inputs"]), float(a["speed"]),
                    bool(a["normalize"]), bool(a.get("autoplay", True)))
