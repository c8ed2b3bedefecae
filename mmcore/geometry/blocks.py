"""Partition blocks along one dimension: block size, element offsets and displayed length.

mm splits a dimension of length ``n`` into ``min(b, n)`` requested blocks of size
``ceil(n / min(b, n))``; an empty final block is dropped, and ``gap`` empty units separate
neighbouring blocks.

Examples:
    >>> from mmcore.geometry.blocks import BlockSplit
    >>> s = BlockSplit.of(10, 6)
    >>> (s.size, s.count, s.displayed_length(gap=2))
    (2, 5, 18)
    >>> s.offsets(gap=2)[:5].tolist()
    [0.0, 1.0, 4.0, 5.0, 8.0]
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["BlockSplit"]


@dataclasses.dataclass(frozen=True)
class BlockSplit:
    """How a dimension of ``length`` elements is cut into blocks of ``size`` (``count`` of them)."""

    length: int
    size: int
    count: int

    @staticmethod
    def of(length: int, requested: int) -> "BlockSplit":
        """mm's rule: effective count ``min(requested, length)``, size ``ceil(length / count)``."""
        length = int(length)
        n = max(1, min(int(requested), length))
        size = -(-length // n) if length > 0 else 1
        count = -(-length // size) if length > 0 else 1
        return BlockSplit(length, size, count)

    def offsets(self, gap: float) -> np.ndarray:
        """Offset of every index: ``r + floor(r / size) * gap`` (float32)."""
        r = np.arange(self.length, dtype=np.int64)
        return (r + (r // self.size) * gap).astype(np.float32)

    def displayed_length(self, gap: float) -> float:
        """``length + gap * (count - 1)``: the last element sits at this minus one."""
        return self.length + gap * (self.count - 1)

    def legend(self) -> str:
        """The shape legend suffix: ``" / n"`` when partitioned, else empty."""
        return f" / {self.count}" if self.count > 1 else ""
