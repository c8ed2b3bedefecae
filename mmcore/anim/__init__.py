"""mmcore.anim: mm's animations (dot product, axpy, vmprod, mvprod, vvprod) as data.

The schedule says, for every animated matmul node, which global steps it runs; the picture at a
step (revealed result cells, intermediate product planes, split-k partial sums, highlighted
argument rows and columns) follows from it by the rules in ``docs/reference/animations.md``, in
Python (``state_at``, for tests) and in the browser's shader alike.

Examples:
    >>> import mmcore
    >>> from mmcore.anim import state_at
    >>> A = mmcore.matrix("A", 8, 6, init="rows"); B = mmcore.matrix("B", 6, 4, init="cols")
    >>> scene = mmcore.layout(A @ B, anim="vvprod")
    >>> scene.anim["cycle"], state_at(scene, 2)[""].products[0].kind
    (6, 'ij')
"""

from ._attach import attach, product_absmax, schedule_of
from ._spec import ALGS, FUSE_MODES, Animation, from_params, to_params
from ._state import NodeState, Plane, reveal_mask, state_at
from ._timeline import Schedule, Track, local_indices, schedule, steps_for
from ..geometry.options import ANIM_KEYWORDS

__all__ = ["Animation", "ALGS", "FUSE_MODES", "from_params", "to_params", "schedule", "Schedule", "Track", "attach",
           "schedule_of", "state_at", "NodeState", "Plane", "local_indices", "steps_for", "reveal_mask",
           "product_absmax", "animate", "pop_anim_options"]

_KEYWORDS = tuple(k for k in ANIM_KEYWORDS if k != "anim")


def pop_anim_options(options: dict):
    """Take ``anim=`` and its companions (``fuse``, ``hide_inputs``, ``anim_speed``,
    ``normalize_speed``) out of ``mmcore.layout``'s keyword options; ``None`` when none was given."""
    anim = options.pop("anim", None)
    extra = {k: options.pop(k) for k in _KEYWORDS if k in options}
    if anim is None and not extra:
        return None
    kw = {"fuse": extra.get("fuse"), "hide_inputs": extra.get("hide_inputs"),
          "speed": extra.get("anim_speed"), "normalize": extra.get("normalize_speed")}
    return Animation.of("vmprod" if anim is None else anim, **kw)


def animate(expr, alg="vmprod", **options):
    """``mmcore.layout(expr, anim=alg, **options)``: a scene that plays ``alg`` (see ``Animation``)."""
    import mmcore
    return mmcore.layout(expr, anim=alg, **options)
