"""One colour family per part without a hint: both eyes alike, both sleeves alike.

The network colours each closed region on its own evidence, so two regions of one part (the
hint-free groups of ``ganime_core.parts.groups``) can come out in two colours. Per group of two
or more regions that no hint claims, the target is the area-weighted mean of the regions' Lab
colours (each region's median off the lines). :func:`even_chroma` moves every pixel of those
regions by its region's (a, b) offset to the target, so the chroma is one while the network's
light and shadow stay (plain mode); :func:`group_raster` paints the target colour flat over the
regions, for the region modes to claim them as one part (flats and locked).
"""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.color import lab_to_rgb
from ganime_core.inputs.hints import HintRaster
from ganime_core.regions.segment import Regions

from .hint_scope import region_lab


def group_targets(regions: Regions, colour: np.ndarray, groups: np.ndarray, exclude: np.ndarray | None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """((n+1,) bool: the regions to even, (n+1, 3) float Lab: their group's colour, (n+1, 3): their own)."""
    n = regions.n
    lab = region_lab(colour, regions).astype(np.float64)
    free = np.ones(n + 1, bool) if exclude is None else ~exclude
    free[0] = False
    g = np.where(free, groups, 0)
    size = np.bincount(g, minlength=n + 1)
    size[0] = 0
    even = free & (size[g] >= 2)
    w = np.where(even, regions.areas.astype(np.float64), 0.0)
    total = np.maximum(np.bincount(g, weights=w, minlength=n + 1), 1e-9)
    target = np.stack([np.bincount(g, weights=w * lab[:, c], minlength=n + 1) / total for c in range(3)], 1)
    return even, target[g], lab


def even_chroma(colour: np.ndarray, regions: Regions, groups: np.ndarray, exclude: np.ndarray | None = None
                ) -> np.ndarray:
    """uint8 HxWx3: ``colour`` with each grouped region's chroma moved to its group's."""
    even, target, lab = group_targets(regions, colour, groups, exclude)
    if not even.any():
        return colour
    shift = np.zeros((regions.n + 1, 2), np.float32)
    shift[even] = (target[even, 1:] - lab[even, 1:]).astype(np.float32)
    lab8 = cv2.cvtColor(colour, cv2.COLOR_RGB2Lab).astype(np.float32)
    where = np.take(even, regions.labels)
    lab8[..., 1:][where] += np.take(shift, regions.labels[where], axis=0)
    out = cv2.cvtColor(np.clip(lab8, 0, 255).round().astype(np.uint8), cv2.COLOR_Lab2RGB)
    result = colour.copy()
    result[where] = out[where]
    return result


def group_raster(colour: np.ndarray, regions: Regions, groups: np.ndarray, exclude: np.ndarray | None = None
                 ) -> HintRaster | None:
    """The grouped regions painted flat in their group's colour (None: no group of two)."""
    even, target, _ = group_targets(regions, colour, groups, exclude)
    if not even.any():
        return None
    rgb = np.zeros((regions.n + 1, 3), np.uint8)
    rgb[even] = lab_to_rgb(target[even].astype(np.float32))
    mask = np.take(even, regions.labels)
    return HintRaster(np.take(rgb, regions.labels, axis=0), mask)
