"""Evaluation hint protocols on ground-truth pairs (deterministic, no randomness).

- :func:`gt_dots`: one ground-truth-coloured dot at the deepest point of each of the ``k``
  largest line-art regions that are not paper (the colour: the region's median ground truth).
- :func:`auc_hints`: the same on the largest ``share`` of the regions (the Hint-AUC protocol of
  "hints on the largest k % of ground-truth regions").
- :func:`leak_probe`: one saturated dot in the largest closed region (one that does not touch
  the picture's border, as the issue's protocol says), and the regions whose ground-truth
  colour differs from that region's (where the hint must not go).
"""

from __future__ import annotations

import numpy as np

from ganime_core.color import rgb_to_lab
from ganime_core.inputs.hints import HintRaster, Stroke, rasterize
from ganime_core.regions.segment import Regions

from .color_metrics import WHITE

DOT_WIDTH = 7.0
AUC_SHARES = (0.0, 0.01, 0.03, 0.05, 0.10, 0.25, 0.50, 1.0)


def _candidates(regions: Regions, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels of non-paper regions deep enough for a dot, largest first, and their GT medians."""
    lab = regions.labels
    n = regions.n
    dist = regions.ink_distance
    deep = np.zeros(n + 1, np.float32)
    np.maximum.at(deep, lab.ravel(), dist.ravel())
    med = np.zeros((n + 1, 3), np.uint8)
    order = np.argsort(lab.ravel(), kind="stable")
    flat_lab = lab.ravel()[order]
    px = target.reshape(-1, 3)[order]
    bounds = np.searchsorted(flat_lab, np.arange(n + 2))
    for i in range(1, n + 1):
        if bounds[i + 1] > bounds[i]:
            med[i] = np.median(px[bounds[i]:bounds[i + 1]], axis=0)
    paper = regions.touches_border & (med >= WHITE).all(axis=1)
    ok = (deep > DOT_WIDTH / 2 + 1) & ~paper
    ok[0] = False
    labels = np.flatnonzero(ok)
    labels = labels[np.argsort(-regions.areas[labels], kind="stable")]
    return labels, med


def _dot_at(regions: Regions, label: int) -> tuple[float, float]:
    dist = np.where(regions.labels == label, regions.ink_distance, -1.0)
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return float(x), float(y)


def _raster(regions: Regions, labels: np.ndarray, colours: np.ndarray) -> HintRaster:
    h, w = regions.shape
    strokes = [Stroke(points=(_dot_at(regions, int(lb)),), color=tuple(int(c) for c in colours[lb]),  # type: ignore[arg-type]
                      width=DOT_WIDTH) for lb in labels]
    return rasterize(strokes, w, h)


def gt_dots(regions: Regions, target: np.ndarray, k: int = 5) -> HintRaster | None:
    labels, med = _candidates(regions, target)
    return _raster(regions, labels[:k], med) if len(labels) else None


def auc_hints(regions: Regions, target: np.ndarray, share: float) -> HintRaster | None:
    labels, med = _candidates(regions, target)
    k = int(np.ceil(share * len(labels)))
    return _raster(regions, labels[:k], med) if k else None


def leak_probe(regions: Regions, target: np.ndarray, *, min_difference: float = 20.0
               ) -> tuple[HintRaster, np.ndarray, np.ndarray, np.ndarray] | None:
    """(hint, its colour, mask of its region, mask of regions of a different GT colour) or None.

    The hint colour is a saturated green or magenta, whichever is further from the region's
    ground truth.
    """
    labels, med = _candidates(regions, target)
    closed = labels[~regions.touches_border[labels]]
    if not len(closed):
        return None
    own = int(closed[0])
    lab = rgb_to_lab(med)
    options = np.array([[40, 200, 60], [220, 40, 200]], np.uint8)
    far = int(np.argmax(np.linalg.norm(rgb_to_lab(options) - lab[own], axis=1)))
    colours = np.zeros_like(med)
    colours[own] = options[far]
    hint = _raster(regions, np.array([own]), colours)
    other = np.linalg.norm(lab - lab[own], axis=1) > min_difference
    other[0] = False
    other[own] = False
    other &= np.isin(np.arange(regions.n + 1), labels)  # figure regions only, not paper
    return hint, options[far], regions.labels == own, other[regions.labels]
