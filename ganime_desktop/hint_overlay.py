"""The hint layer as RGBA pixels for display, updated incrementally. Qt-free.

Adding a stroke redraws only that stroke's bounding box (a full re-rasterise of a 3000 px
canvas takes ~0.3 s, too long for the GUI thread). Anything else (undo, clear, a new
picture, a stroke reaching past the edge) rebuilds the whole layer. The result always equals
``rasterize(strokes, w, h).to_rgba()``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ganime_core.hints import Stroke, rasterize

Box = tuple[int, int, int, int]


def stroke_box(s: Stroke) -> Box:
    """The stroke's bounding box, not clipped to the picture."""
    pts = np.asarray(s.points, np.float64)
    pad = s.width / 2 + 3
    return (math.floor(pts[:, 0].min() - pad), math.floor(pts[:, 1].min() - pad),
            math.ceil(pts[:, 0].max() + pad) + 1, math.ceil(pts[:, 1].max() + pad) + 1)


class HintOverlay:
    def __init__(self) -> None:
        self.rgba = np.zeros((1, 1, 4), np.uint8)
        self.strokes: tuple[Stroke, ...] = ()

    def update(self, strokes: tuple[Stroke, ...], w: int, h: int) -> bool:
        """Bring the layer up to date; returns True when it was rebuilt (new array)."""
        old = self.strokes
        added = strokes[len(old):]
        if (self.rgba.shape[:2] == (h, w) and len(strokes) >= len(old)
                and strokes[:len(old)] == old and all(_inside(s, w, h) for s in added)):
            for s in added:
                self._draw(s)
            self.strokes = tuple(strokes)
            return False
        self.rgba = np.ascontiguousarray(rasterize(strokes, w, h).to_rgba())
        self.strokes = tuple(strokes)
        return True

    def _draw(self, s: Stroke) -> None:
        x0, y0, x1, y1 = stroke_box(s)
        # drawn as a paint stroke for its footprint: an erase stroke on empty paper draws nothing
        moved = dataclasses.replace(s, points=tuple((x - x0, y - y0) for x, y in s.points),
                                    erase=False)
        r = rasterize([moved], x1 - x0, y1 - y0)
        patch = self.rgba[y0:y1, x0:x1]
        if s.erase:
            patch[r.mask] = 0
        else:
            patch[r.mask, :3] = r.rgb[r.mask]
            patch[r.mask, 3] = 255


def _inside(s: Stroke, w: int, h: int) -> bool:
    """Strokes that reach past the picture's edge are clipped by OpenCV in ways a box
    cannot reproduce exactly; those take the full rebuild."""
    x0, y0, x1, y1 = stroke_box(s)
    return x0 >= 0 and y0 >= 0 and x1 <= w and y1 <= h
