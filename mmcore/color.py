"""mm's value -> colour and size mapping (the ``viz`` settings), plus three.js's HSL -> RGB.

Each element's colour is HSL with saturation 1: the hue tells the sign (defaults: positive
cyan-blue, negative red) and moves a little with magnitude; lightness and size grow with the
square root of the normalised magnitude. 0 is black with size 0, ±Infinity white at full size,
NaN white with size 0. The normalisation range depends on ``sensitivity``.

Examples:
    >>> import numpy as np
    >>> viz = VizSettings()
    >>> absmin, absmax = color_range("global", local_absmax=1.0, local_absmin=0.0, global_absmax=1.0)
    >>> hue, sat, light, size = hsl_and_size(np.array([1 / 26]), viz, absmin, absmax)
    >>> [round(float(v[0]), 5) for v in (hue, light, size)]
    [0.51154, 0.45883, 0.35689]
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from .errors import MMError

__all__ = ["SENSITIVITIES", "VizSettings", "abs_range", "color_range", "hsl_and_size", "hsl_to_rgb"]

SENSITIVITIES = ("global", "local", "semilocal", "superlocal")

# dataclass field -> mm's key in the ``viz`` group
_KEYS = {
    "sensitivity": "sensitivity", "min_size": "min size", "min_light": "min light",
    "max_light": "max light", "elem_scale": "elem scale", "zero_hue": "zero hue",
    "hue_gap": "hue gap", "hue_spread": "hue spread",
}


@dataclass(frozen=True)
class VizSettings:
    """mm's ``viz`` group (colours and sizes), with mm's defaults.

    >>> VizSettings.from_params({"viz": {"sensitivity": "local", "min size": 0.1}}).min_size
    0.1
    """

    sensitivity: str = "global"
    min_size: float = 0.2
    min_light: float = 0.4
    max_light: float = 0.7
    elem_scale: float = 1.25
    zero_hue: float = 0.77
    hue_gap: float = 0.74
    hue_spread: float = 0.04

    def __post_init__(self) -> None:
        if self.sensitivity not in SENSITIVITIES:
            raise MMError(f"viz.sensitivity: got {self.sensitivity!r}, expected one of "
                          + ", ".join(SENSITIVITIES))
        for f in fields(self):
            if f.name == "sensitivity":
                continue
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
                raise MMError(f"viz.{_KEYS[f.name]}: got {v!r}, expected a number")

    @classmethod
    def from_params(cls, params: dict | None) -> "VizSettings":
        """Read mm's ``viz`` keys (``"min size"`` …) from a params tree or from its ``viz`` dict;
        missing keys keep mm's defaults, unknown keys (``folder``) are ignored."""
        if params is None:
            return cls()
        if not isinstance(params, dict):
            raise MMError(f"viz: expected a dict of mm's viz settings, got {type(params).__name__}")
        viz = params.get("viz", params)
        if not isinstance(viz, dict):
            raise MMError(f"viz: expected a dict of mm's viz settings, got {type(viz).__name__}")
        kwargs = {name: viz[key] for name, key in _KEYS.items() if key in viz}
        return cls(**kwargs)

    def to_params(self) -> dict:
        """mm's ``viz`` dict for these settings."""
        return {_KEYS[k]: v for k, v in asdict(self).items()}


def abs_range(values: np.ndarray) -> tuple[float, float]:
    """(local absmax, local absmin) of a face as mm computes them: max and min of |x| over the
    non-NaN entries, zeros included (so a face with a zero has absmin 0), ±Infinity counted;
    (0, 0) for an empty or all-NaN face.

    >>> abs_range(np.array([[0.0, -2.0], [0.5, np.nan]]))
    (2.0, 0.0)
    """
    a = np.abs(np.asarray(values, dtype=np.float64))
    if a.size == 0:
        return 0.0, 0.0
    hi, lo = np.nanmax(a, initial=-np.inf), np.nanmin(a, initial=np.inf)
    if hi < lo:  # every entry NaN
        return 0.0, 0.0
    return float(hi), float(lo)


def color_range(sensitivity: str, local_absmax: float, local_absmin: float,
                global_absmax: float) -> tuple[float, float]:
    """(absmin, absmax) used to normalise one face's values.

    global: (0, global); local: (0, local); semilocal: (0, sqrt(local * global));
    superlocal: (local absmin, local absmax).

    >>> color_range("semilocal", 1.0, 0.5, 24.0)
    (0.0, 4.898979485566356)
    """
    if sensitivity == "global":
        return 0.0, float(global_absmax)
    if sensitivity == "local":
        return 0.0, float(local_absmax)
    if sensitivity == "semilocal":
        return 0.0, math.sqrt(float(local_absmax) * float(global_absmax))
    if sensitivity == "superlocal":
        return float(local_absmin), float(local_absmax)
    raise MMError(f"sensitivity: got {sensitivity!r}, expected one of {', '.join(SENSITIVITIES)}")


def hsl_and_size(values: np.ndarray, viz: VizSettings, absmin: float, absmax: float):
    """mm's colour and size of every value: (hue_raw, sat, light, size_frac), float64 arrays of
    the values' shape.

    ``hue_raw`` is before wrapping into [0, 1) (JavaScript remainder, so it can be negative);
    ``size_frac`` is the size as a fraction of the element size (capped at 1).
    """
    x = np.asarray(values, dtype=np.float64)
    flat = x.reshape(-1)
    outs = tuple(np.empty(flat.shape) for _ in range(4))
    with np.errstate(all="ignore"):
        for start in range(0, flat.size, _CHUNK):
            part = slice(start, start + _CHUNK)
            _hsl_chunk(flat[part], viz, float(absmin), float(absmax), [o[part] for o in outs])
    return tuple(o.reshape(x.shape) for o in outs)


_CHUNK = 1 << 15


def _hsl_chunk(x: np.ndarray, viz: VizSettings, absmin: float, absmax: float, outs) -> None:
    hue, sat, light, size = outs
    absdiff = absmax - absmin
    sign = np.sign(x)
    ax = np.abs(x)
    if absdiff > 0:
        np.subtract(x, sign * absmin, out=hue)
        hue *= viz.hue_spread / absdiff
    else:
        hue.fill(0.0)
    hue += viz.zero_hue
    hue += sign * viz.hue_gap
    np.fmod(hue, 1.0, out=hue)
    min_l = max(viz.min_light, 1e-5)
    max_l = max(viz.max_light, min_l)
    if absdiff > 0:
        np.clip(ax, absmin, absmax, out=light)
        light -= absmin
        np.sqrt(light, out=light)
        light *= (max_l - min_l) / math.sqrt(absdiff)
        light += min_l
        np.subtract(ax, absmin, out=size)
        np.maximum(size, 0.0, out=size)
        size /= absdiff
        np.sqrt(size, out=size)
    else:
        light.fill(min_l)
        size.fill(0.0)
    size *= 1.0 - viz.min_size
    size += viz.min_size
    np.minimum(size, 1.0, out=size)
    sat.fill(1.0)
    zero = x == 0
    if zero.any():
        hue[zero] = 0.0
        light[zero] = 0.0
        size[zero] = 0.0
    odd = ~np.isfinite(x)
    if odd.any():  # NaN: white, size 0; ±Infinity: white, full size (mm's setHSL(1, 1, 1))
        nan = np.isnan(x)
        hue[odd] = np.where(nan[odd], 0.0, 1.0)
        light[odd] = 1.0
        size[odd] = np.where(nan[odd], 0.0, 1.0)


def hsl_to_rgb(h, s, l):  # noqa: E741 - l is the usual name for lightness
    """three.js r152 ``Color.setHSL`` (no colour-space conversion): arrays in, (r, g, b) out.

    >>> [round(float(c), 4) for c in hsl_to_rgb(0.5, 1.0, 0.5)]
    [0.0, 1.0, 1.0]
    """
    h = np.asarray(h, dtype=np.float64)
    s = np.clip(np.asarray(s, dtype=np.float64), 0.0, 1.0)
    l = np.clip(np.asarray(l, dtype=np.float64), 0.0, 1.0)  # noqa: E741
    h = np.fmod(np.fmod(h, 1.0) + 1.0, 1.0)  # three.js euclideanModulo
    p = np.where(l <= 0.5, l * (1.0 + s), l + s - l * s)
    q = 2.0 * l - p

    def hue2rgb(t):
        t = np.where(t < 0, t + 1.0, t)
        t = np.where(t > 1, t - 1.0, t)
        return np.where(t < 1 / 6, q + (p - q) * 6.0 * t,
                        np.where(t < 1 / 2, p,
                                 np.where(t < 2 / 3, q + (p - q) * 6.0 * (2 / 3 - t), q)))

    grey = s == 0
    r = np.where(grey, l, hue2rgb(h + 1 / 3))
    g = np.where(grey, l, hue2rgb(h))
    b = np.where(grey, l, hue2rgb(h - 1 / 3))
    return r, g, b
