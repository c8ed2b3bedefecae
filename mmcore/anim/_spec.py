"""What to animate: mm's algorithm per matmul node, fusion mode, hide-inputs and speed.

An :class:`Animation` is the author's request (``mmcore.layout(expr, anim="vmprod", fuse="sync")``
or ``anim=Animation("vmprod", nodes={"LR": "none"})``); ``from_params`` reads the same from mm's
params tree (``anim`` on the root and ``anim.alg`` on every matmul child), so ``from_mm`` links keep
their animations. Per-node values are ``inherit`` (take the parent's algorithm, the default) or
``none`` (freeze that subtree: its result is shown precomputed).

Examples:
    >>> from mmcore.anim import Animation
    >>> a = Animation.of("vmprod", fuse="sync", nodes={"LR": "none"})
    >>> a.alg, a.fuse, a.node_alg("LR"), a.node_alg("LL")
    ('vmprod', 'sync', 'none', 'inherit')
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from ..errors import MMError
from ..geometry.options import params_anim_alg

__all__ = ["Animation", "ALGS", "FUSE_MODES", "from_params", "to_params", "ALG_ALIASES"]

#: mm's algorithm names (menu order); ``none`` means "do not animate"
ALGS = ("none", "dotprod (row major)", "dotprod (col major)", "axpy", "vmprod", "mvprod", "vvprod")
FUSE_MODES = ("none", "sync", "async")
#: short spellings accepted from Python authors
ALG_ALIASES = {"dotprod": "dotprod (row major)", "dotprod_row": "dotprod (row major)",
               "dotprod_col": "dotprod (col major)", "row major": "dotprod (row major)",
               "col major": "dotprod (col major)"}


def _alg(value: Any, label: str, allow_inherit: bool) -> str:
    if value is None:
        return "inherit" if allow_inherit else "none"
    v = ALG_ALIASES.get(value, value) if isinstance(value, str) else value
    allowed = ALGS + (("inherit",) if allow_inherit else ())
    if v not in allowed:
        raise MMError(f"{label}: expected one of {', '.join(map(repr, allowed))}; got {value!r}")
    return v


@dataclasses.dataclass(frozen=True)
class Animation:
    """An animation request: ``alg`` at the root, per-path overrides in ``nodes``.

    ``speed`` is steps per second (mm's default 20); with ``normalize`` the player scales it by
    ``sqrt(cycle / 32)`` so a long cycle does not crawl and a short one does not flash.
    """

    alg: str = "vmprod"
    fuse: str = "none"
    hide_inputs: bool = False
    speed: float = 20.0
    normalize: bool = False
    nodes: tuple = ()                    # ((path, alg or "inherit"), ...) sorted by path
    autoplay: bool = True

    def __post_init__(self):
        object.__setattr__(self, "alg", _alg(self.alg, "anim alg", False))
        if self.fuse not in FUSE_MODES:
            raise MMError(f"anim fuse: expected one of {', '.join(map(repr, FUSE_MODES))}; got {self.fuse!r}")
        if isinstance(self.speed, bool) or not isinstance(self.speed, (int, float)) or \
                not math.isfinite(self.speed) or self.speed <= 0:
            raise MMError(f"anim speed: expected a positive number of steps per second, got {self.speed!r}")
        nodes = dict(self.nodes)
        for path, alg in nodes.items():
            if not isinstance(path, str) or set(path) - {"L", "R"} or not path:
                raise MMError(f"anim nodes: expected child paths like 'L' or 'LR', got {path!r}")
            nodes[path] = _alg(alg, f"anim alg of node {path!r}", True)
        object.__setattr__(self, "nodes", tuple(sorted(nodes.items())))

    @staticmethod
    def of(value: Any = "vmprod", **kw: Any) -> "Animation":
        """An Animation from an algorithm name, a dict of fields, or an Animation (``kw`` override)."""
        if isinstance(value, Animation):
            return dataclasses.replace(value, **{k: v for k, v in kw.items() if v is not None}) if kw else value
        if isinstance(value, dict):
            fields = dict(value)
            fields.update({k: v for k, v in kw.items() if v is not None})
        elif isinstance(value, str):
            fields = {"alg": value, **{k: v for k, v in kw.items() if v is not None}}
        else:
            raise MMError(f"anim: expected an algorithm name, a dict or an Animation, got {type(value).__name__}")
        unknown = sorted(set(fields) - {f.name for f in dataclasses.fields(Animation)})
        if unknown:
            raise MMError(f"anim option {unknown[0]!r}: expected one of "
                          f"{', '.join(f.name for f in dataclasses.fields(Animation))}")
        if isinstance(fields.get("nodes"), dict):
            fields["nodes"] = tuple(fields["nodes"].items())
        return Animation(**fields)

    def node_alg(self, path: str) -> str:
        """The requested algorithm of the node at ``path`` (``""`` root), ``inherit`` when unset."""
        if path == "":
            return self.alg
        return dict(self.nodes).get(path, "inherit")


def _walk_params(node: dict, path: str, out: dict) -> None:
    for side in ("left", "right"):
        child = node.get(side)
        if isinstance(child, dict) and child.get("matmul", "left" in child) and "left" in child:
            cpath = path + side[0].upper()
            anim = child.get("anim")
            if isinstance(anim, dict) and anim.get("alg") is not None:
                out[cpath] = anim["alg"]
            _walk_params(child, cpath, out)


def from_params(params: dict) -> Animation | None:
    """mm's animation settings from a params tree; ``None`` when the root's ``alg`` is ``none``
    (mm then animates nothing, whatever the children ask)."""
    alg = params_anim_alg(params)
    if alg is None:
        return None
    anim = params["anim"]
    nodes: dict = {}
    _walk_params(params, "", nodes)
    return Animation(alg=alg, fuse=anim.get("fuse", "none") or "none",
                     hide_inputs=bool(anim.get("hide inputs", False)),
                     speed=float(anim.get("speed", 20) or 20), nodes=tuple(nodes.items()))


def to_params(anim, params: dict) -> dict:
    """``params`` (mm's params tree, changed in place and returned) carrying ``anim`` (an Animation,
    name or dict; ``None`` leaves mm's "alg none"): the root's ``anim`` group and every child's alg.

    Examples:
        >>> p = {"anim": {"alg": "none"}, "left": {"matmul": True, "left": {}, "right": {}}, "right": {}}
        >>> q = to_params(Animation("vmprod", fuse="sync", nodes={"L": "none"}), p)
        >>> q["anim"]["alg"], q["anim"]["fuse"], q["left"]["anim"]
        ('vmprod', 'sync', {'alg': 'none'})
    """
    if anim is None:
        return params
    anim = Animation.of(anim)
    params.setdefault("anim", {})
    params["anim"].update({"alg": anim.alg, "fuse": anim.fuse, "hide inputs": anim.hide_inputs,
                           "speed": int(anim.speed) if float(anim.speed).is_integer() else anim.speed})
    for path, alg in anim.nodes:
        node = params
        for step in path:
            node = node.get("left" if step == "L" else "right", {})
        if isinstance(node, dict) and "left" in node:
            node["anim"] = {"alg": alg}
    return params
