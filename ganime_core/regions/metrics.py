"""Measures of region-aware colouring: hint fidelity (CIEDE2000) and bleeding across lines."""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.color import delta_e2000, rgb_to_lab
from ganime_core.imageops import region_median_lab
from ganime_core.inputs.hints import HintRaster

from .queries import check_color, hint_claims
from .segment import Regions, as_lines

# Pixels this close to the ink mask (px) are left out of colour measurements: the lines layer
# darkens their anti-aliased fringe whatever colour lies under it.
FRINGE = 1.5


def hint_fidelity(result: np.ndarray, regions: Regions, hints: HintRaster | None) -> float:
    """Mean CIEDE2000 between ``result`` and the hint colour over every pixel of every hinted region.

    A region counts as hinted by the same rule the colouring uses (``hint_claims``); line pixels
    and their one-pixel fringe are left out. NaN when no region is hinted.
    """
    result = check_color(result, regions.labels.shape)
    claimed, colours = hint_claims(regions, hints)
    if not claimed.any():
        return float("nan")
    sel = claimed[regions.labels] & (regions.ink_distance > FRINGE)
    if not sel.any():
        return float("nan")
    target = rgb_to_lab(colours)[regions.labels[sel]]
    return float(delta_e2000(rgb_to_lab(result[sel]), target).mean())


def _across(labels: np.ndarray) -> np.ndarray:
    """For each pixel, the label of the nearest region boundary's other side (0 if none)."""
    other = np.zeros_like(labels)
    right = labels[:, :-1] != labels[:, 1:]
    other[:, :-1][right] = labels[:, 1:][right]
    other[:, 1:][right] = labels[:, :-1][right]
    down = labels[:-1] != labels[1:]
    other[:-1][down] = labels[1:][down]
    other[1:][down] = labels[:-1][down]
    edge = other > 0
    if not edge.any():
        return other
    _, idx = cv2.distanceTransformWithLabels((~edge).view(np.uint8), cv2.DIST_L2, 5,
                                             labelType=cv2.DIST_LABEL_PIXEL)
    pix = np.concatenate([[0], np.flatnonzero(edge.ravel())])[idx]
    own_b = labels.ravel()[pix].reshape(labels.shape)
    other_b = other.ravel()[pix].reshape(labels.shape)
    return np.where(own_b == labels, other_b, own_b)


def region_reference(result: np.ndarray, regions: Regions, *, away: float = 3.5) -> np.ndarray:
    """(n+1, 3) float Lab: the median colour of ``result`` in each region, away from the lines."""
    rgb = check_color(result, regions.labels.shape)
    med = region_median_lab(rgb, regions.labels, regions.n, regions.ink_distance > away)
    med[0] = (100.0, 0.0, 0.0)  # label 0 (the lines themselves) reads as white paper
    return med


def bleeding(result: np.ndarray, regions: Regions, lines: np.ndarray | None, *, band: int = 2,
             min_contrast: float = 10.0) -> float:
    """Share of pixels within ``band`` px of a line whose colour is closer (CIEDE2000) to the
    region across that line than to their own region.

    ``result`` is a composite (colour x ``lines``): the line layer is divided out first, so the
    darkened anti-aliased fringe of a line does not count as bleeding (pass ``lines=None`` for a
    colour layer without lines). Region colours are the medians of that colour away from the
    lines. Only pixels off the ink, with ``lines`` >= 0.6, between regions at least
    ``min_contrast`` apart, are counted. NaN when there are none.
    """
    result = check_color(result, regions.labels.shape)
    if lines is None:
        lines = np.ones(regions.labels.shape, np.float32)
    lines = as_lines(lines)
    unlined = result.astype(np.float32) / np.maximum(lines, 0.6)[..., None]
    result = np.clip(np.rint(unlined), 0, 255).astype(np.uint8)
    dist = regions.ink_distance
    ref = region_reference(result, regions)
    across = _across(regions.labels)
    sel = (dist > 0) & (dist <= band + 0.5) & (across > 0) & (lines >= 0.6)
    own, oth = regions.labels[sel], across[sel]
    contrast = delta_e2000(ref[own], ref[oth]) >= min_contrast
    if not contrast.any():
        return float("nan")
    lab = rgb_to_lab(result[sel][contrast])
    own, oth = own[contrast], oth[contrast]
    bled = delta_e2000(lab, ref[oth]) < delta_e2000(lab, ref[own])
    return float(bled.mean())
