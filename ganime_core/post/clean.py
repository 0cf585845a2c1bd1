"""Colour without the network's grain: its colour smoothed inside each closed region.

The network paints fine blotches and a speckle of stray hues (a green fleck in a brown sleeve,
a grainy cheek) that no artist would leave; anime colouring is clean areas with soft shading.
Each closed region of the line art is smoothed on its own (a Gaussian of the long side /
``CLEAN_SIGMA``, normalised over the pixels more than ``OFF_LINE`` px from a line, so nothing
crosses a line and the network's smudge along the lines does not spread). What is left is the
network's colour and its large-scale shading; the grain goes. A region too thin to have pixels
away from its lines keeps the network's colour.

What it gains on the validation pictures, and the strengths tried: ``docs/colour.md`` §4.4.

Worked out on a grid of at most ``CLEAN_WORK`` px on the long side (the grain is coarser than
that) and brought back region by region: a pixel takes the
smoothed colour of its own region only (bilinear inside a region, the nearest grid sample of its
region by the lines; its own colour if there is none).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ganime_core.constants import OFF_LINE_PX
from ganime_core.regions.segment import Regions
from ganime_core.regions.smoothing import ClassPlan, smooth_in_regions, smoothing_plan

CLEAN_SIGMA = 40.0  # the smoothing Gaussian: the long side / this, in px (6.4 px at 256)
CLEAN_WORK = 200  # px on the long side (at most) at which the colour is smoothed
OFF_LINE = OFF_LINE_PX  # pixels this close to a line are the line's smudge, not used as samples
MIN_SUPPORT = 1e-3  # smoothed weight below this: nothing of the region in reach


@dataclass(frozen=True)
class _Grid:
    """What the smoothing needs from the line art alone (made once per picture)."""

    step: int  # full-size pixels per grid sample, along each axis
    sigma: float  # the Gaussian, in grid samples
    labels: np.ndarray  # int32: the region of each grid sample
    weights: np.ndarray  # float32: 1 where a sample is away from the lines
    plan: ClassPlan  # ``smoothing_plan`` of the labels


def clean_colour(rgb: np.ndarray, regions: Regions, *, skip: np.ndarray | None = None,
                 sigma_div: float = CLEAN_SIGMA) -> np.ndarray:
    """uint8 HxWx3: ``rgb`` (uint8, at the regions' size) smoothed inside each region.

    ``skip``: bool HxW pixels that are not samples (``holes.find_holes``: white patches inside
    coloured regions); they take the smoothed colour around them like every other pixel.
    """
    h, w = regions.shape
    if rgb.shape[:2] != (h, w):
        raise ValueError(f"colour is {rgb.shape[1]}x{rgb.shape[0]}, the regions {w}x{h}")
    step = max(1, -(-max(h, w) // CLEAN_WORK))
    grid = regions.memo(("clean_grid", step, sigma_div), lambda: _grid(regions, step, max(h, w) / sigma_div / step))
    sample = rgb[::step, ::step].astype(np.float32)
    weights = grid.weights if skip is None else grid.weights * ~skip[::step, ::step]
    smoothed, support = smooth_in_regions(sample, weights, grid.labels, regions.n, grid.sigma, grid.plan)
    valid = support >= MIN_SUPPORT
    smoothed[~valid] = sample[~valid]
    smoothed_u8 = np.clip(smoothed + 0.5, 0, 255).astype(np.uint8)
    if step == 1:
        return smoothed_u8
    # which pixels may take the grid's colour depends on the support without skipped pixels:
    # on the line art alone (a skipped sample out of reach of any other carries its own colour)
    masks = regions.memo(("clean_back", step, sigma_div),
                         lambda: _masks(regions, grid, valid if skip is None else _support(grid, regions.n)))
    return _back(rgb, smoothed_u8, masks, step)


def _grid(regions: Regions, step: int, sigma: float) -> _Grid:
    labels = np.ascontiguousarray(regions.labels[::step, ::step])
    weights = (regions.ink_distance[::step, ::step] > OFF_LINE).astype(np.float32)
    return _Grid(step, sigma, labels, weights, smoothing_plan(labels, regions.n, sigma))


def _support(grid: _Grid, n: int) -> np.ndarray:
    """bool: grid samples with samples of their own region in reach (no pixel skipped)."""
    _, support = smooth_in_regions(grid.weights, grid.weights, grid.labels, n, grid.sigma, grid.plan)
    return support >= MIN_SUPPORT


def _up(grid: np.ndarray, step: int, h: int, w: int) -> np.ndarray:
    """Each grid sample repeated over the ``step`` x ``step`` pixels it stands for."""
    return grid.repeat(step, axis=0).repeat(step, axis=1)[:h, :w]


def _masks(regions: Regions, grid: _Grid, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 masks of the full-size pixels that take the nearest grid sample's colour (it is of
    their own region) and of those that take the bilinear one (all the samples around are)."""
    h, w = regions.shape
    step = grid.step
    kernel = np.ones((3, 3), np.uint8)
    lab_f = grid.labels.astype(np.float32)
    uniform = cv2.dilate(lab_f, kernel) == cv2.erode(lab_f, kernel)  # 3x3 of one region
    same = (_up(grid.labels, step, h, w) == regions.labels) & _up(valid, step, h, w)
    inside = same & _up(uniform, step, h, w)
    return same.view(np.uint8), inside.view(np.uint8)


def _back(rgb: np.ndarray, smoothed: np.ndarray, masks: tuple[np.ndarray, np.ndarray], step: int) -> np.ndarray:
    """The grid's smoothed colour at full size, each pixel from its own region (see the module)."""
    take_nearest, take_bilinear = masks
    h, w = rgb.shape[:2]
    # grid sample i sits at full-size pixel i * step: the inverse map x -> x / step
    m = np.array([[1.0 / step, 0.0, 0.0], [0.0, 1.0 / step, 0.0]], np.float32)
    bilinear = cv2.warpAffine(smoothed, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)
    out = rgb.copy()
    cv2.copyTo(_up(smoothed, step, h, w), take_nearest, out)
    cv2.copyTo(bilinear, take_bilinear, out)
    return out
