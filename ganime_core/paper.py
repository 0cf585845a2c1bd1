"""Paper that stays paper: the page around a figure is white unless the artist hints it.

The network sometimes leaves a light tint or a grey "smoke" on the paper around a figure. The
page region (a region of the line art that touches the border and covers more than
``dense_hints.OPEN_AREA`` of the page) that no hint claims, and that the network itself
coloured light (median L* ≥ ``LIGHT``), is set back to white; within ``RAMP`` px of a line it
blends, so anti-aliased line edges stay as the network drew them. A dark or saturated page (a
night sky the network chose) is left alone: that is a guess, not smoke.
"""

from __future__ import annotations

import cv2
import numpy as np

from .dense_hints import open_regions
from .regions_compose import median_per_label
from .regions_segment import Regions

LIGHT = 75.0  # L*: the network's page colour at least this light counts as smoke
RAMP = 3.0  # px from a line over which the white blends in


def keep_paper(rgb: np.ndarray, regions: Regions, claimed: np.ndarray | None = None, *,
               light: float = LIGHT, ramp: float = RAMP) -> np.ndarray:
    """float HxWx3 in [0, 1] with the unhinted light page regions set to white."""
    page = open_regions(regions)
    if claimed is not None and claimed.any():
        page &= np.bincount(regions.labels[claimed], minlength=regions.n + 1) == 0
    if not page.any():
        return rgb
    lab8 = cv2.cvtColor((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2Lab)
    labels = regions.labels
    med_l = median_per_label([lab8[..., 0].ravel()], labels.ravel(), regions.n)[:, 0] * (100.0 / 255.0)
    page &= med_l >= light
    if not page.any():
        return rgb
    alpha = np.where(page[labels], np.clip(regions.ink_distance / ramp, 0.0, 1.0), 0.0).astype(np.float32)
    return rgb + (1.0 - rgb) * alpha[..., None]
