"""mm's default params tree (a single ``L @ R``), and the value type of every mm key.

Written from mm's start-up state (its ``index.html`` defaults, described in mm-features.md) and
checked against the full params trees of the essay's links: every key that occurs there has the
type given here. mm casts the values of a compressed link by the type of the same-named key in
this tree, so ``default_types()`` maps each last key segment to ``bool``, ``float`` (a JS
number) or ``str``. ``compress`` is deliberately absent, as in mm's start-up state: a nested
``compress`` key therefore stays a string (the essay's links have one).

Examples:
    >>> default_types()["gap"], default_types()["shape"], default_types()["init"]
    (<class 'float'>, <class 'bool'>, <class 'str'>)
    >>> default_params()["viz"]["zero hue"]
    0.77
"""

from __future__ import annotations

import copy

__all__ = ["MM_DEFAULTS", "default_params", "default_types"]

MM_DEFAULTS: dict = {
    "expr": "L @ R",
    "name": "L @ R",
    "epilog": "none",
    "left": {"name": "L", "matmul": False, "h": 32, "w": 32, "init": "row major", "url": "",
             "min": -1, "max": 1, "dropout": 0, "expr": "", "folder": "open"},
    "right": {"name": "R", "matmul": False, "h": 32, "w": 32, "init": "col major", "url": "",
              "min": -1, "max": 1, "dropout": 0, "expr": "", "folder": "open"},
    "anim": {"fuse": "none", "speed": 20, "hide inputs": False, "alg": "none", "spin": 0,
             "folder": "open"},
    "block": {"i blocks": 1, "k blocks": 1, "j blocks": 1},
    "layout": {"scheme": "blocks", "gap": 4, "scatter": 0, "molecule": 1, "blast": 0,
               "polarity": "negative", "left placement": "left", "right placement": "top",
               "result placement": "front", "folder": "closed"},
    "deco": {"legends": 6, "shape": True, "spotlight": 2, "row guides": 0.6, "flow guides": 0.5,
             "lens size": 0.5, "magnification": 7, "interior spotlight": False, "axes": False,
             "folder": "closed"},
    "viz": {"sensitivity": "global", "min size": 0.2, "min light": 0.4, "max light": 0.7,
            "elem scale": 1.25, "zero hue": 0.77, "hue gap": 0.74, "hue spread": 0.04,
            "folder": "open"},
    "diag": {"url": ""},
    "cam": {"x": -48, "y": 48, "z": 48, "target": {"x": 0, "y": 0, "z": 0}},
    "folder": "closed",
}


def default_params() -> dict:
    """A fresh deep copy of ``MM_DEFAULTS``."""
    return copy.deepcopy(MM_DEFAULTS)


def _types(tree: dict, out: dict) -> dict:
    for k, v in tree.items():
        if isinstance(v, dict):
            _types(v, out)
        else:
            out[k] = bool if isinstance(v, bool) else float if isinstance(v, (int, float)) else str
    return out


_TYPES = _types(MM_DEFAULTS, {})


def default_types() -> dict[str, type]:
    """Last key segment -> ``bool``, ``float`` (any JS number) or ``str``."""
    return dict(_TYPES)
