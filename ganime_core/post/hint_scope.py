"""Keep a hint's effect where it belongs: the regions it claims and the regions that take its colour.

The network sees the whole page, so a saturated hint in one region can tint everything else a
little (it reads the hint as evidence about the whole picture's palette). :func:`scope_hints`
compares the network's colour with and without the hints, region by region (the closed regions
of the line art at the working size), and keeps the hinted colour only in

- regions the hints claim (the dense hints), and
- regions the network moved towards a hint colour: at least ``adopt`` of the way from their
  unhinted colour, or to within ``near`` ΔE76 of it (the other strands of a hinted head of hair,
  the second sleeve);

every other region gets its unhinted colour back, so a hint never recolours the rest of the page.
Seams fall on the lines, which are laid over the colour afterwards.
"""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.color import rgb_to_lab
from ganime_core.imageops import WHITE_LAB8, lab8_to_lab, median_lab8
from ganime_core.regions.segment import Regions

ADOPT = 0.5
NEAR = 12.0


def region_lab(rgb: np.ndarray, regions: Regions, *, step: int = 2, few: int = 4) -> np.ndarray:
    """(n+1, 3) float Lab of uint8 ``rgb``: each region's median colour off the lines.

    Measured on every ``step``-th row and column; a region with fewer than ``few`` such
    samples is measured on all its pixels.
    """
    sub, small, where, their = regions.memo(("region_lab", step, few), lambda: _sampling(regions, step, few))
    med = median_lab8(rgb[::step, ::step], sub, regions.n)
    if where is not None and their is not None:
        px = np.take(rgb.reshape(-1, 3), where, axis=0)
        med[small] = median_lab8(px[None], their[None], regions.n)[small]
    med[0] = -1
    return lab8_to_lab(np.where(med < 0, WHITE_LAB8, med))


def _sampling(regions: Regions, step: int, few: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """What :func:`region_lab` samples, which depends on the regions alone: every ``step``-th
    label off the lines (0: not counted), the regions with fewer than ``few`` such samples, and
    where all the off-line pixels of those lie (flat indices) with their labels (None: none)."""
    free = regions.ink_distance > 1.0
    labels = regions.labels if not free.any() else np.where(free, regions.labels, 0)
    sub = np.ascontiguousarray(labels[::step, ::step])
    small = np.bincount(sub.ravel(), minlength=regions.n + 1) < few
    small[0] = False
    if step == 1 or not small.any():
        return sub, small, None, None
    where = np.flatnonzero(np.take(small, labels))
    return sub, small, where, labels.ravel()[where]


def scope_hints(hinted: np.ndarray, unhinted: np.ndarray, regions: Regions, hint_colours: np.ndarray,
                claimed: np.ndarray | None, *, adopt: float = ADOPT, near: float = NEAR,
                unhinted_lab: np.ndarray | None = None, moved: bool = True) -> np.ndarray:
    """uint8 HxWx3: ``hinted`` where the hints belong, ``unhinted`` elsewhere (same size as regions).

    ``hint_colours``: (k, 3) uint8 sRGB colours of the hints; ``claimed``: bool HxW dense-hint mask;
    ``unhinted_lab``: ``region_lab(unhinted, regions)`` when the caller keeps it (it changes
    only with the sketch, while the hints change at every stroke). ``moved=False``: only the
    claimed regions keep the hinted colour (the parts are in the claims already).
    """
    if len(hint_colours) == 0:
        return hinted
    keep = np.zeros(regions.n + 1, bool)
    if moved:
        lab_h = region_lab(hinted, regions)
        lab_0 = region_lab(unhinted, regions) if unhinted_lab is None else unhinted_lab
        hints_lab = rgb_to_lab(np.asarray(hint_colours, np.uint8).reshape(-1, 3))
        d_h = np.linalg.norm(lab_h[:, None] - hints_lab[None], axis=2).min(axis=1)
        d_0 = np.linalg.norm(lab_0[:, None] - hints_lab[None], axis=2).min(axis=1)
        keep = (d_h <= near) | (d_h <= (1.0 - adopt) * d_0)
    if claimed is not None:
        keep |= np.bincount(regions.labels[claimed], minlength=regions.n + 1) > 0
    keep[0] = False
    if keep[1:].all():
        return hinted
    out = unhinted.copy()
    cv2.copyTo(hinted, np.take(keep, regions.labels).view(np.uint8), out)
    return out
