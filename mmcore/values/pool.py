"""Float64 scratch buffers handed from one matmul to the next within one evaluation.

In CPython a matmul multiplies float64 copies of its float32 arguments and writes a float64
result (``mmcore.values.epilogs``). Those arrays live only until the parent matmul has read
them; a fresh array for each costs its first touch (the kernel zeroing every page, a few
GB/s: about as long as a pass of arithmetic over it). A :class:`BufferPool` keeps the buffers
given back and hands them out again, so a GPT-2-size layer touches about half as much fresh
memory. Only scratch goes through it: the values kept (leaves, results) never alias a buffer.

Example:
    >>> pool = BufferPool()
    >>> a = pool.take((2, 3)); a[...] = 1.0
    >>> pool.give(a)
    >>> b = pool.take((3, 2))            # the same memory again, reshaped
    >>> b.shape, np.shares_memory(a, b)
    ((3, 2), True)
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["BufferPool"]


class BufferPool:
    """Float64 buffers taken and given back by the matmuls of one evaluation (not thread-safe).

    ``take`` hands out the smallest free buffer large enough (else a new one); ``give`` takes back
    an array that ``take`` handed out (anything else is ignored, so a caller may give whatever
    float64 argument it was passed). The caller must not use an array after giving it back.
    """

    def __init__(self):
        self._free: list[np.ndarray] = []
        self._issued: dict[int, np.ndarray] = {}    # id(buffer) -> buffer, for the ones out

    @property
    def idle(self) -> int:
        """How many buffers are free for reuse."""
        return len(self._free)

    def take(self, shape: tuple[int, ...]) -> np.ndarray:
        """An uninitialised C-contiguous float64 array of ``shape``, on memory used before if possible.

        >>> BufferPool().take((2, 2)).dtype.name
        'float64'
        """
        n = math.prod(shape)
        fits = [i for i, buf in enumerate(self._free) if buf.size >= n]
        if fits:
            buf = self._free.pop(min(fits, key=lambda i: self._free[i].size))
        else:
            buf = np.empty(max(n, 1))
        self._issued[id(buf)] = buf
        return buf[:n].reshape(shape)

    def give(self, arr: np.ndarray | None) -> None:
        """Take back ``arr`` (from ``take``) for reuse; None and arrays not from ``take`` are ignored.

        >>> pool = BufferPool(); pool.give(np.zeros(3)); pool.idle   # not from take: ignored
        0
        """
        if arr is None:
            return
        base = arr.base if arr.base is not None else arr
        buf = self._issued.pop(id(base), None)
        if buf is not None and buf is base:
            self._free.append(buf)
