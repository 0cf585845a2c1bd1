"""Bucket fill by line-art region: a region becomes hint strokes (data, undoable). Qt-free.

The region comes from ``ganime_core.regions.segment`` (gap-closing, so a small gap in a
line does not flood the picture), cut by :func:`segment_page` exactly as the API cuts the
picture at full size, barriers thickened and burnt in, and shared with it through
``ganime_core.regions.cache.SHARED``. The fill is stored as horizontal hint strokes that stay
inside the region, so it survives saving, undo and any working size like any other hint.
Segmenting is slow on big canvases, so it runs on a thread (:mod:`.region_worker`); this
module cuts the regions, holds the result, keyed by line-art revision, and turns a region
into strokes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from ganime_core.constants import MIN_WORKING_SIZE
from ganime_core.inputs.barriers import barrier_mask
from ganime_core.inputs.hints import Stroke
from ganime_core.inputs.lineart import to_line_art
from ganime_core.inputs.page import make_page
from ganime_core.io.imageio import LoadedImage
from ganime_core.regions.cache import content_key
from ganime_core.regions.segment import Regions

log = logging.getLogger(__name__)

RGB = tuple[int, int, int]
Key = tuple[int, int, int]  # (document generation, seg_rev, gap): what was segmented
MAX_FILL_STROKES = 4000


@dataclass(frozen=True)
class PageSource:
    """What a segmentation is cut from: copies, safe to hand to the region thread."""

    image: LoadedImage  # the document's picture, as the colorize worker gets it
    barriers: np.ndarray | None  # bool HxW at full size (Document.barrier_mask), or None


def segment_page(src: PageSource, gap: int) -> Regions:
    """The full-size regions of a picture exactly as ``Colorizer.colorize`` cuts them (flats,
    locked): the same line art, the same thickened barriers, the same key in the shared cache.

    The working size asked for is the picture's long side (at least the core's minimum: a
    page is never upscaled), so no smaller copy is made; the full-size page and its cache key
    do not depend on the working size.
    """
    img = src.image
    lines = to_line_art(img)
    height, width = lines.shape
    wall = barrier_mask(src.barriers, width, height)  # None when it marks nothing, as in the API
    page = make_page(lines, content_key(img.rgb, img.alpha), max(width, height, MIN_WORKING_SIZE),
                     wall, int(gap))
    return page.regions_full()


class RegionCache:
    """The regions of one line-art revision; a lookup with any other key finds nothing."""

    def __init__(self) -> None:
        self._key: Key | None = None
        self._regions: Regions | None = None

    def put(self, key: Key, regions: Regions) -> None:
        self._key, self._regions = key, regions

    def get(self, key: Key | None) -> Regions | None:
        return self._regions if key is not None and key == self._key else None

    def clear(self) -> None:
        self._key, self._regions = None, None


def _free_mask(regions: Regions, label: int) -> np.ndarray:
    return (regions.labels == label) & ~regions.line_mask


def fill_strokes(mask: np.ndarray, color: RGB, step: int = 6) -> tuple[Stroke, ...]:
    """Cover ``mask`` (bool HxW) with horizontal strokes that never leave it."""
    if not mask.any():
        return ()
    ys, xs = np.nonzero(mask)
    extent = min(np.ptp(ys), np.ptp(xs)) + 1
    step = int(max(2, min(step, extent // 2 or 2)))
    radius = step // 2 + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius - 1, 2 * radius - 1))
    inner = cv2.erode(mask.astype(np.uint8), kernel).astype(bool)
    strokes: list[Stroke] = []
    if inner.any():
        iy, _ = np.nonzero(inner)
        y0 = int(iy.min())
        for y in range(y0, int(iy.max()) + 1, max(1, step - 1)):
            row = inner[y]
            edges = np.flatnonzero(np.diff(np.concatenate([[0], row.view(np.uint8), [0]])))
            for a, b in zip(edges[::2], edges[1::2], strict=True):
                pts = ((float(a), float(y)), (float(b - 1), float(y)))
                strokes.append(Stroke(points=pts, color=color, width=float(2 * radius - 1)))
                if len(strokes) >= MAX_FILL_STROKES:
                    return tuple(strokes)
    if not strokes:  # a thin region: one dot at its deepest point
        dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
        y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
        strokes.append(Stroke(points=((float(x), float(y)),), color=color,
                              width=float(max(1.0, 2 * dist[y, x] - 1))))
    return tuple(strokes)


def region_fill(regions: Regions, x: int, y: int, color: RGB) -> tuple[Stroke, ...]:
    """The hint strokes that fill the region under (x, y); () on a line or outside."""
    label = regions.region_at(x, y)
    if label == 0:
        return ()
    mask = _free_mask(regions, label)
    if not mask.any():
        mask = regions.mask(label)
    return fill_strokes(mask, color)
