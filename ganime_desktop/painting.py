"""Pixel painting on numpy arrays (the line-art pen and eraser). Qt-free and testable."""

from __future__ import annotations

import math

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive), clipped to the image
SHIFT = 4  # cv2 sub-pixel bits


def _fix(v: float) -> int:
    return int(round(v * (1 << SHIFT)))


def clip_box(x0: float, y0: float, x1: float, y1: float, w: int, h: int) -> Box | None:
    bx0, by0 = max(0, math.floor(x0)), max(0, math.floor(y0))
    bx1, by1 = min(w, math.ceil(x1) + 1), min(h, math.ceil(y1) + 1)
    if bx0 >= bx1 or by0 >= by1:
        return None
    return bx0, by0, bx1, by1


def segment_box(p0: tuple[float, float], p1: tuple[float, float], radius: float,
                w: int, h: int) -> Box | None:
    pad = radius + 2
    return clip_box(min(p0[0], p1[0]) - pad, min(p0[1], p1[1]) - pad,
                    max(p0[0], p1[0]) + pad, max(p0[1], p1[1]) + pad, w, h)


def draw_segment(arr: np.ndarray, p0: tuple[float, float], p1: tuple[float, float],
                 radius: float, color: tuple[int, int, int]) -> None:
    """A round-capped anti-aliased segment of ``radius`` (pixels) on an HxWx3 uint8 array."""
    r = max(radius, 0.5)
    c0, c1 = (_fix(p0[0]), _fix(p0[1])), (_fix(p1[0]), _fix(p1[1]))
    col = tuple(int(c) for c in color)
    if c0 != c1:
        cv2.line(arr, c0, c1, col, max(1, int(round(2 * r))), cv2.LINE_AA, SHIFT)
    cv2.circle(arr, c1, _fix(r), col, -1, cv2.LINE_AA, SHIFT)


def paste(arr: np.ndarray, box: Box, patch: np.ndarray) -> None:
    x0, y0, x1, y1 = box
    arr[y0:y1, x0:x1] = patch


def crop(arr: np.ndarray, box: Box) -> np.ndarray:
    x0, y0, x1, y1 = box
    return arr[y0:y1, x0:x1].copy()


def union(a: Box, b: Box) -> Box:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])
