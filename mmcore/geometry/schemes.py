"""mm's layout schemes: how a child matmul's four placement settings follow from its parent's.

Booleans: ``pol`` (positive), ``left`` (left placement = right), ``right`` (right placement =
bottom), ``res`` (result placement = back). ``blocks`` alternates polarity and convexity,
``zigzag`` alternates polarity only, ``wheel`` copies the parent, ``custom`` keeps each node's own.

Examples:
    >>> from mmcore.geometry.expr import Placement
    >>> derive("blocks", Placement(), is_left=True).code(), derive("blocks", Placement(), is_left=False).code()
    ('+LBB', '+RTB')
"""

from __future__ import annotations

from mmcore.geometry.expr import MatMul, Placement

__all__ = ["derive", "child_placement"]


def _bools(p: Placement) -> tuple[bool, bool, bool, bool]:
    return (p.polarity == "positive", p.left == "right", p.right == "bottom", p.result == "back")


def _placement(pol: bool, left: bool, right: bool, res: bool) -> Placement:
    return Placement("positive" if pol else "negative", "right" if left else "left",
                     "bottom" if right else "top", "back" if res else "front")


def derive(scheme: str, parent: Placement, is_left: bool) -> Placement:
    """The child's placement under ``scheme`` (``custom`` falls back to ``blocks``)."""
    pol, left, right, res = _bools(parent)
    if scheme == "wheel":
        return parent
    if scheme == "zigzag":
        return _placement(not pol,
                          (pol != res) if is_left else left,
                          right if is_left else (pol != res),
                          pol == (left if is_left else right))
    return _placement(not pol,
                      (pol != res) if is_left else (not left),
                      (not right) if is_left else (pol != res),
                      pol == (left if is_left else right))


def child_placement(opts, parent: Placement, child: MatMul, is_left: bool) -> Placement:
    """The placement a child node is drawn with: its stored one (custom scheme or mm links), else derived."""
    if child.placement is not None and (opts.scheme == "custom" or opts.keep_placements):
        return child.placement
    return derive(opts.scheme, parent, is_left)
