"""Figure-wide settings: mm's ``layout``, ``viz`` and ``deco`` groups plus a seed and a camera.

``mmcore.layout(expr, gap=4, scheme="blocks", ...)`` merges keyword overrides over the
settings an expression carries (``from_mm`` puts mm's settings on the root node).

Examples:
    >>> from mmcore.geometry.options import Options
    >>> o = Options().merged(gap=3, sensitivity="local")
    >>> (o.gap, o.scheme, o.sensitivity)
    (3, 'blocks', 'local')
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from mmcore.errors import MMError

__all__ = ["Options", "SCHEMES", "SENSITIVITIES", "VIZ_DEFAULTS", "STYLE_KEYS", "ANIM_KEYWORDS",
           "params_anim_alg", "check_style"]

SCHEMES = ("blocks", "zigzag", "wheel", "custom")
SENSITIVITIES = ("global", "local", "semilocal", "superlocal")

#: ``mmcore.layout``'s keyword options that belong to ``mmcore.anim`` (``anim=`` and its companions); layout
#: imports mmcore.anim only when one is given or the expression carries an animation
ANIM_KEYWORDS = ("anim", "fuse", "hide_inputs", "anim_speed", "normalize_speed")


def params_anim_alg(params) -> str | None:
    """The animation mm's params ask for at the root (``anim.alg``), or None when it is ``none`` or absent
    (mm then animates nothing): what decides whether a link needs mmcore.anim at all.

    >>> [params_anim_alg(p) for p in ({"anim": {"alg": "vmprod"}}, {"anim": {"alg": "none"}}, {})]
    ['vmprod', None, None]
    """
    anim = params.get("anim") if isinstance(params, dict) else None
    alg = anim.get("alg", "none") if isinstance(anim, dict) else None
    return None if alg in (None, "none") else alg

#: mm's colour and size defaults (the ``viz`` group), names with underscores
VIZ_DEFAULTS = {"min_size": 0.2, "min_light": 0.4, "max_light": 0.7, "elem_scale": 1.25,
                "zero_hue": 0.77, "hue_gap": 0.74, "hue_spread": 0.04}


@dataclasses.dataclass(frozen=True)
class Options:
    """Settings of one figure; every field has mm's default."""

    gap: float = 4
    scheme: str = "blocks"
    scatter: float = 0
    molecule: int = 1
    blast: float = 0
    sensitivity: str = "global"
    viz: tuple = tuple(VIZ_DEFAULTS.items())        # (name, value) pairs, hashable
    legends: float = 6
    shape_legends: bool = True
    row_guides: float = 0.6
    flow_guides: float = 0.5
    seed: int = 0
    camera: tuple | None = None                      # ((x, y, z), (tx, ty, tz)) in centred coordinates
    keep_placements: bool = False                    # use every node's stored placement (mm links)
    anim: Any = None                                 # mmcore.anim.Animation carried from an mm link

    def __post_init__(self):
        _positive_number("gap", self.gap)
        _number("scatter", self.scatter)
        _number("blast", self.blast)
        if isinstance(self.molecule, bool) or not isinstance(self.molecule, (int, float)) or self.molecule < 1:
            raise MMError(f"molecule: expected a number ≥ 1, got {self.molecule!r}")
        if self.scheme not in SCHEMES:
            raise MMError(f"scheme: expected one of {', '.join(SCHEMES)}; got {self.scheme!r}")
        if self.sensitivity not in SENSITIVITIES:
            raise MMError(f"sensitivity: expected one of {', '.join(SENSITIVITIES)}; got {self.sensitivity!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise MMError(f"seed: expected an integer, got {self.seed!r}")

    @property
    def viz_dict(self) -> dict:
        return dict(self.viz)

    def style(self) -> dict:
        """The figure-wide values of every ``STYLE_KEYS`` setting."""
        return {"sensitivity": self.sensitivity, **dict(self.viz), "legends": float(self.legends),
                "shape_legends": bool(self.shape_legends), "row_guides": float(self.row_guides),
                "flow_guides": float(self.flow_guides)}

    def merged(self, **overrides: Any) -> "Options":
        """A copy with ``overrides`` (``None`` values are ignored; ``viz`` may be a partial dict)."""
        changes = {k: v for k, v in overrides.items() if v is not None}
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise MMError(f"layout option {unknown[0]!r}: expected one of "
                          f"{', '.join(f.name for f in dataclasses.fields(self))}")
        if "viz" in changes:
            viz = dict(self.viz)
            extra = dict(changes["viz"])
            bad = sorted(set(extra) - set(VIZ_DEFAULTS))
            if bad:
                raise MMError(f"viz.{bad[0]}: expected one of {', '.join(VIZ_DEFAULTS)}")
            for key, value in extra.items():
                _number(f"viz.{key}", value)
                viz[key] = float(value)
            changes["viz"] = tuple((k, viz[k]) for k in VIZ_DEFAULTS)
        if "scheme" in changes and "keep_placements" not in changes:
            changes["keep_placements"] = False
        return dataclasses.replace(self, **changes)


#: settings a node may override for its subtree (mm merges a child's ``viz`` and ``deco`` over its parent's)
STYLE_KEYS = ("sensitivity", *VIZ_DEFAULTS, "legends", "shape_legends", "row_guides", "flow_guides")


def check_style(style: dict) -> dict:
    """Validated per-node overrides (``STYLE_KEYS``), numbers as floats."""
    out = {}
    for key, value in style.items():
        if key not in STYLE_KEYS:
            raise MMError(f"style {key!r}: expected one of {', '.join(STYLE_KEYS)}")
        if key == "sensitivity":
            if value not in SENSITIVITIES:
                raise MMError(f"sensitivity: expected one of {', '.join(SENSITIVITIES)}; got {value!r}")
        elif key == "shape_legends":
            if not isinstance(value, bool):
                raise MMError(f"shape_legends: expected true or false, got {value!r}")
        else:
            _number(key, value)
            value = float(value)
        out[key] = value
    return out


def _number(label: str, v: Any) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise MMError(f"{label}: expected a finite number, got {v!r}")


def _positive_number(label: str, v: Any) -> None:
    _number(label, v)
    if v < 0:
        raise MMError(f"{label}: expected a number ≥ 0, got {v!r}")
