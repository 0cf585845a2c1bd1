"""Paper that stays paper: the page around a figure is white unless the artist hints it.

The network sometimes leaves a light tint or a grey "smoke" on the paper around a figure. The
page region (a region of the line art that touches the border and covers more than
``regions.queries.OPEN_AREA`` of the page) that no hint claims, and that the network itself
coloured light (median L* ≥ ``LIGHT``), is set back to white; within ``RAMP`` px of a line it
blends, so anti-aliased line edges stay as the network drew them. A dark or saturated page (a
night sky the network chose) is left alone: that is a guess, not smoke.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ganime_core.constants import PAPER_LIGHT
from ganime_core.imageops import lab8, to_u8
from ganime_core.regions.queries import open_regions
from ganime_core.regions.segment import Regions

LIGHT = PAPER_LIGHT  # L*: the network's page colour at least this light counts as smoke
RAMP = 3.0  # px from a line over which the white blends in


def keep_paper(rgb: np.ndarray, regions: Regions, claimed: np.ndarray | None = None, *,
               light: float = LIGHT, ramp: float = RAMP) -> np.ndarray:
    """HxWx3 (uint8, or float in [0, 1]) with the unhinted light page regions set to white.

    Returns the same dtype; the input itself is never changed (it is returned as is when no
    page region qualifies).
    """
    page = open_regions(regions)
    if claimed is not None and claimed.any():
        page &= np.bincount(regions.labels[claimed], minlength=regions.n + 1) == 0
    if not page.any():
        return rgb
    # median L* >= light  <=>  fewer than half of a region's samples are darker (exact on the
    # sampled uint8 L*). Page regions cover a fifth of the page or more: every other row and
    # column is plenty.
    sub, half = regions.memo("paper_samples", lambda: _samples(regions))
    rgb_sub = rgb[::2, ::2]
    u8 = rgb_sub if rgb.dtype == np.uint8 else to_u8(rgb_sub)
    l8 = lab8(u8)[..., 0]
    dark = sub[np.take(page, sub) & (l8 < math.ceil(light * 2.55))]
    page &= np.bincount(dark, minlength=regions.n + 1) < half
    if not page.any():
        return rgb
    alpha = np.take(page.astype(np.float32), regions.labels)
    alpha *= regions.memo(("paper_ramp", ramp),
                          lambda: np.minimum(regions.ink_distance, ramp) * np.float32(1.0 / ramp))
    if rgb.dtype == np.uint8:  # rgb + round((255 - rgb) * alpha), saturating
        return cv2.add(rgb, cv2.multiply(cv2.bitwise_not(rgb), cv2.merge([alpha] * 3), dtype=cv2.CV_8U))
    return rgb + (1.0 - rgb) * alpha[..., None]


def _samples(regions: Regions) -> tuple[np.ndarray, np.ndarray]:
    """Every other row and column of the labels, and half of each region's count there."""
    sub = np.ascontiguousarray(regions.labels[::2, ::2])
    return sub, (np.bincount(sub.ravel(), minlength=regions.n + 1) + 1) // 2
