"""Synthetic pages and their measures, shared by the tests and the benchmarks (not product code).

- ``two_region_page`` / ``mixed_band_width``: a box cut in two by a wavy line at any size, and
  the width of the band of mixed colour at the line (the goal of ``ganime_core.post.upsample``);
- ``shapes_page`` / ``shape_dots``: four closed shapes with one hint dot each (the region
  engine's quality tests and ``bench/regions_report.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ganime_core.color import rgb_to_lab
from ganime_core.imageops import lab8, lab8_to_lab
from ganime_core.inputs.hints import HintRaster, Stroke

# -- the upsampling's goal ------------------------------------------------------------------------

@dataclass
class TwoRegionPage:
    """A synthetic page: a framed box cut in two by a wavy line, one hint in each half."""

    sketch: np.ndarray  # uint8 HxW, black lines on white
    left: np.ndarray  # bool HxW, the left half inside the frame
    right: np.ndarray
    divider: np.ndarray  # bool HxW, the dividing line's pixels
    hints: list  # two hint strokes (red left, blue right)


def two_region_page(size: int = 2048, line_px: float | None = None) -> TwoRegionPage:
    """The page the mixed-band goal is measured on (line width ~3 px per 512 px of page)."""
    lw = max(2, round(line_px if line_px is not None else 3.0 * size / 512))
    sketch = np.full((size, size), 255, np.uint8)
    lo, hi = round(0.12 * size), round(0.88 * size)
    cv2.rectangle(sketch, (lo, lo), (hi, hi), 0, lw, cv2.LINE_AA)
    ys = np.arange(lo, hi + 1)
    xs = size / 2 + 0.04 * size * np.sin((ys - lo) / (hi - lo) * 2.0 * np.pi)
    pts = np.round(np.stack([xs, ys], 1) * 16).astype(np.int32)
    divider = np.zeros_like(sketch)
    cv2.polylines(divider, [pts], False, 255, lw, cv2.LINE_AA, shift=4)
    sketch = np.minimum(sketch, 255 - divider)
    inside = np.zeros((size, size), bool)
    inside[lo + lw:hi - lw + 1, lo + lw:hi - lw + 1] = True
    inside &= divider == 0  # the divider's pixels, anti-aliased edge included, are no side
    x_div = np.interp(np.arange(size), ys, xs)[:, None]
    col = np.arange(size)[None, :]
    left, right = inside & (col < x_div), inside & (col > x_div)
    mid = round(size / 2)
    r = 0.05 * size
    hints = [Stroke(((0.3 * size, mid - r), (0.3 * size, mid + r)), (230, 40, 40), 0.03 * size),
             Stroke(((0.7 * size, mid - r), (0.7 * size, mid + r)), (40, 70, 230), 0.03 * size)]
    return TwoRegionPage(sketch, left, right, divider >= 128, hints)


def mixed_band_width(rgb: np.ndarray, page: TwoRegionPage, *, delta_e: float = 15.0,
                     near: tuple[float, float] = (0.02, 0.04)) -> tuple[float, float]:
    """(median, 90th percentile) over rows of the width in px of the mixed band at the divider.

    For each row of the middle 40 % of the box, each half's reference colour is its median Lab
    in that row between ``near`` x the page size from the divider (the colour of that side just
    beyond any mixing, so the network's own large-scale shading is not counted as mixing). A
    pixel of either half closer to the divider than ``near[1]`` x size is mixed when its ΔE76
    to both references exceeds ``delta_e``; the divider's own pixels (anti-aliased edge
    included) belong to neither half and are never counted. The default 15 lies above the
    shading the shipped network itself puts into one flat-hinted half near a line (a gradual
    drift of up to ~14 ΔE76 over ~30 px at 2048², present before any resize); ``delta_e=10``
    counts that drift too.
    """
    size = rgb.shape[0]
    dist = cv2.distanceTransform((~page.divider).view(np.uint8), cv2.DIST_L2, 3)
    lab = rgb_to_lab(rgb.reshape(-1, 3)).reshape(rgb.shape)
    lo, hi = near[0] * size, near[1] * size
    ring = (dist >= lo) & (dist <= hi)
    widths = []
    for y in range(round(0.3 * size), round(0.7 * size)):
        ref_a = np.median(lab[y, page.left[y] & ring[y]], axis=0)
        ref_b = np.median(lab[y, page.right[y] & ring[y]], axis=0)
        close = (page.left[y] | page.right[y]) & (dist[y] < hi)
        d_a = np.linalg.norm(lab[y, close] - ref_a, axis=1)
        d_b = np.linalg.norm(lab[y, close] - ref_b, axis=1)
        widths.append(int(((d_a > delta_e) & (d_b > delta_e)).sum()))
    return float(np.median(widths)), float(np.percentile(widths, 90))


# -- closed shapes with a hint dot each ---------------------------------

SHAPE_HINTS = [(220, 40, 40), (40, 90, 210), (60, 170, 70), (240, 200, 40)]


def shapes_page(size: int, seed: int = 0) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Black 3 px outlines on white: circle, rectangle, blob, ellipse; one seed point inside each."""
    s = size
    img = np.full((s, s), 255, np.uint8)
    cv2.circle(img, (int(s * .3), int(s * .3)), int(s * .17), 0, 3, cv2.LINE_AA)
    cv2.rectangle(img, (int(s * .55), int(s * .15)), (int(s * .88), int(s * .45)), 0, 3, cv2.LINE_AA)
    angles = np.linspace(0, 2 * np.pi, 13)[:-1]
    radius = s * .16 * (1 + 0.25 * np.sin(3 * angles + seed))
    blob = np.stack([s * .5 + radius * np.cos(angles), s * .72 + radius * np.sin(angles)], 1)
    cv2.polylines(img, [blob.astype(np.int32)], True, 0, 3, cv2.LINE_AA)
    cv2.ellipse(img, (int(s * .22), int(s * .75)), (int(s * .1), int(s * .06)), 30, 0, 360, 0, 3,
                cv2.LINE_AA)
    seeds = [(int(s * .3), int(s * .3)), (int(s * .715), int(s * .3)), (int(s * .5), int(s * .72)),
             (int(s * .22), int(s * .75))]
    return img, seeds


def shape_dots(shape: tuple[int, int], seeds: list[tuple[int, int]], radius: int = 6) -> HintRaster:
    """One hint dot per seed of :func:`shapes_page`, colours from ``SHAPE_HINTS``."""
    rgb = np.zeros(shape + (3,), np.uint8)
    mask = np.zeros(shape, np.uint8)
    for (x, y), colour in zip(seeds, SHAPE_HINTS, strict=False):
        cv2.circle(rgb, (x, y), radius, colour, -1)
        cv2.circle(mask, (x, y), radius, 1, -1)
    return HintRaster(rgb, mask.astype(bool))


def lab76(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB ...x3 -> (N, 3) float Lab (L 0..100), for ΔE76 distances."""
    return lab8_to_lab(lab8(np.asarray(rgb, np.uint8).reshape(-1, 3)))
