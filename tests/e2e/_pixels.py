"""Pixel measures on PNG screenshots (Pillow + numpy).

Example:
    >>> img = np.zeros((4, 4, 3), np.uint8); img[1, 1] = 255
    >>> count_foreground(img)
    1
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

__all__ = ["load_png", "count_foreground", "diff_fraction"]


def load_png(png: bytes) -> np.ndarray:
    """(h, w, 3) uint8 array of a PNG screenshot."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def count_foreground(img: np.ndarray, *, threshold: int = 40) -> int:
    """Pixels whose colour differs from the background (the most common colour of the border) by more
    than ``threshold`` (sum of absolute channel differences)."""
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]]).astype(np.int32)
    colours, counts = np.unique(border, axis=0, return_counts=True)
    bg = colours[np.argmax(counts)]
    return int((np.abs(img.astype(np.int32) - bg).sum(axis=2) > threshold).sum())


def diff_fraction(a: np.ndarray, b: np.ndarray, *, threshold: int = 48) -> float:
    """Fraction of pixels whose colours differ by more than ``threshold`` (sum of channel differences)."""
    if a.shape != b.shape:
        raise ValueError(f"cannot compare screenshots of shapes {a.shape} and {b.shape}")
    return float((np.abs(a.astype(np.int32) - b.astype(np.int32)).sum(axis=2) > threshold).mean())
