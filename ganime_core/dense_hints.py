"""Dense hints: each hint spread over the closed line-art region(s) it touches.

The network gets these as channels of their own beside the raw strokes (see
``ganime_core.encoding``), so one dot of hair colour tells it the colour of the whole strand
it sits in, and it only has to learn to carry the colour across lines to the rest of the hair.
Training builds them with this same function from the extracted line art of each picture.

A region that touches the page border and covers a large part of it is either the background
or a figure whose outline has a gap wider than the closing size; a hint there spreads only to
``open_radius`` (a share of the long side) around its strokes, never over the whole page.
"""

from __future__ import annotations

import cv2
import numpy as np

from .hints import HintRaster
from .imageops import paint_labels
from .regions_compose import hint_claims
from .regions_segment import Regions

OPEN_AREA = 0.2  # a border region larger than this share of the page counts as open
OPEN_RADIUS = 0.06  # spread of a hint in an open region, as a share of the long side


def open_regions(regions: Regions, open_area: float = OPEN_AREA) -> np.ndarray:
    """(n+1,) bool: regions that touch the border and cover more than ``open_area`` of the page."""
    return regions.touches_border & (regions.areas > open_area * regions.labels.size)


def spread_hints(regions: Regions, hints: HintRaster | None, *, open_area: float = OPEN_AREA,
                 open_radius: float = OPEN_RADIUS) -> HintRaster | None:
    """The dense hint raster (same size as ``regions``), or None when no region is claimed.

    A region takes a hint's colour when the hint claims it (``regions_compose.hint_claims``: a
    stroke that only brushes a line does not paint the neighbour). In an open region the colour
    reaches ``open_radius`` x the long side around the claiming strokes.
    """
    if hints is None or not hints.mask.any():
        return None
    claimed, colours = hint_claims(regions, hints)
    if not claimed.any():
        return None
    labels = regions.labels
    mask = np.take(claimed, labels)
    is_open = open_regions(regions, open_area) & claimed
    if is_open.any():
        mask &= near_open_strokes(labels, hints.mask, is_open, open_reach(labels.shape, open_radius))
        if not mask.any():
            return None
    rgb = paint_labels(colours, labels)
    if is_open.any():
        rgb *= mask[..., None]
    return HintRaster(rgb, mask)


def open_reach(shape: tuple[int, ...], open_radius: float = OPEN_RADIUS) -> float:
    """How far (px) a hint reaches in an open region of a page of this shape."""
    return max(2.0, open_radius * max(shape[:2]))


def near_open_strokes(labels: np.ndarray, strokes: np.ndarray, is_open: np.ndarray,
                       radius: float) -> np.ndarray:
    """bool HxW: False in open regions farther than ``radius`` from a stroke in one, else True.

    The distance is only computed in the box around those strokes grown by the radius.
    """
    in_open = np.take(is_open, labels)
    seeds = strokes & in_open
    keep = ~in_open
    if not seeds.any():
        return keep
    ys, xs = np.nonzero(seeds)
    r = int(np.ceil(radius)) + 1
    h, w = labels.shape
    y0, y1, x0, x1 = max(0, ys.min() - r), min(h, ys.max() + r + 1), max(0, xs.min() - r), min(w, xs.max() + r + 1)
    box = (slice(y0, y1), slice(x0, x1))
    near = cv2.distanceTransform((~seeds[box]).view(np.uint8), cv2.DIST_L2, 3) <= radius
    keep[box] |= near
    return keep
