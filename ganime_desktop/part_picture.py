"""The hint brush's hover highlight as pixels: the part a stroke would colour, tinted and outlined.

Qt-free: :func:`part_mask` reads the answer of ``ganime_core.parts.query.hint_reach`` (the pixels
of the brush colour are the part), :func:`part_rgba` draws it as the fill tool's highlight is
drawn (a translucent tint of the colour) with an outline (a dark and a light ring at its edge,
seen on any colour), cropped to its box.
"""

from __future__ import annotations

import cv2
import numpy as np

RGB = tuple[int, int, int]
TINT_ALPHA = 90  # the fill highlight's (region_worker.HIGHLIGHT_ALPHA)
EDGE_ALPHA = 230


def part_mask(mask: np.ndarray, colours: np.ndarray, color: RGB) -> np.ndarray:
    """bool HxW: the pixels ``hint_reach`` gives the brush colour."""
    return np.asarray(mask, bool) & (np.asarray(colours)[..., :3] == np.asarray(color, np.uint8)).all(axis=2)


def part_rgba(part: np.ndarray, color: RGB) -> tuple[np.ndarray | None, int, int]:
    """``part`` tinted with ``color`` and outlined, cropped to its box: (RGBA or None, left, top)."""
    rows, cols = np.flatnonzero(part.any(axis=1)), np.flatnonzero(part.any(axis=0))
    if not len(rows):
        return None, 0, 0
    y0, y1 = max(0, int(rows[0]) - 1), min(part.shape[0], int(rows[-1]) + 2)
    x0, x1 = max(0, int(cols[0]) - 1), min(part.shape[1], int(cols[-1]) + 2)
    crop = np.ascontiguousarray(part[y0:y1, x0:x1]).astype(np.uint8)
    kernel = np.ones((3, 3), np.uint8)
    inner = crop.astype(bool) & ~cv2.erode(crop, kernel, borderValue=0).astype(bool)  # the edge inside
    outer = cv2.dilate(crop, kernel).astype(bool) & ~crop.astype(bool)  # a ring just outside it
    rgba = np.zeros((*crop.shape, 4), np.uint8)
    rgba[crop.astype(bool)] = (*color, TINT_ALPHA)
    rgba[inner] = (20, 20, 28, EDGE_ALPHA)
    rgba[outer] = (255, 255, 255, EDGE_ALPHA)
    return rgba, x0, y0
