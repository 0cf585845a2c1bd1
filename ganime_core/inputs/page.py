"""One picture's line art as the pipeline sees it: at full and working size, barriers burnt in.

:func:`make_page` is the one place that decides the working size, burns the barriers into the
copies that are segmented (thickened at full size so no gap-closing ball slips through,
shrunk at the working size) and names the keys its segmentations are shared under
(``ganime_core.regions.cache``). The API and the app's fill tool both go through it, so they
segment the same line art and share the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ganime_core.constants import MIN_WORKING_SIZE
from ganime_core.errors import GanimeError
from ganime_core.regions.cache import SHARED, SegmentationCache, content_key
from ganime_core.regions.segment import Regions

from .barriers import apply as burn_barriers
from .barriers import shrink, thicken


def working_dims(width: int, height: int, working_size: int) -> tuple[int, int]:
    """The size the model sees: long side ``working_size`` at most (never upscaled)."""
    scale = min(1.0, working_size / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


@dataclass(frozen=True)
class Page:
    """One picture's line art (float32, 1 = paper) as :meth:`Colorizer.colorize` uses it.

    ``full`` / ``small``: the line art at full and working size (what the network and the line
    overlay see); ``seg_*``: the same with the barriers burnt in (what the segmentation sees);
    ``key_*``: the keys of the ``seg_*`` line art in the segmentation cache; ``gap_*``: the
    gap-closing size at each size.
    """

    full: np.ndarray
    small: np.ndarray
    seg_full: np.ndarray
    seg_small: np.ndarray
    key_full: str
    key_small: str
    gap_full: int
    gap_ws: int

    @property
    def width(self) -> int:
        return int(self.full.shape[1])

    @property
    def height(self) -> int:
        return int(self.full.shape[0])

    @property
    def w(self) -> int:
        return int(self.small.shape[1])

    @property
    def h(self) -> int:
        return int(self.small.shape[0])

    def regions_full(self, cache: SegmentationCache = SHARED) -> Regions:
        return cache.regions(self.seg_full, self.gap_full, self.key_full)

    def regions_small(self, cache: SegmentationCache = SHARED) -> Regions:
        return cache.regions(self.seg_small, self.gap_ws, self.key_small)


def make_page(full: np.ndarray, digest: str, working_size: int, wall: np.ndarray | None, gap: int) -> Page:
    """The :class:`Page` of line art ``full`` (float HxW) whose source picture hashes to ``digest``.

    ``wall``: the barriers as a bool mask at full size, or None; ``gap``: the gap-closing size in
    full-size pixels (scaled to the working size).
    """
    if working_size < MIN_WORKING_SIZE:
        raise GanimeError(f"working size must be at least {MIN_WORKING_SIZE} px, got {working_size}")
    height, width = full.shape
    w, h = working_dims(width, height, working_size)
    small = full if (w, h) == (width, height) else cv2.resize(full, (w, h), interpolation=cv2.INTER_AREA)
    seg_full, seg_small = full, small
    if wall is not None:
        digest += "+" + content_key(np.packbits(wall))
        seg_full = burn_barriers(full, thicken(wall))
        seg_small = seg_full if (w, h) == (width, height) else burn_barriers(small, shrink(wall, w, h))
    return Page(full, small, seg_full, seg_small, f"{digest}/{width}x{height}", f"{digest}/{w}x{h}",
                gap, round(gap * w / width))
