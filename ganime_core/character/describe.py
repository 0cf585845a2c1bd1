"""What matching knows of one picture's closed regions, at the colour network's working size.

Both sides get the same description: the line art and its regions (``regions.segment``), the
network's unhinted colour per region (the network colours the same character's line art alike in
two pictures, rightly or not) and, when the part model has its head, each region's part
embedding (``parts.embed``). The reference side adds its own colours: each region's median colour
off the lines, and the reference's *parts* — its regions grouped by colour (average linkage,
``PART_DELTA_E``) — with the paper around the figure as part 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ganime_core.constants import OFF_LINE_PX, PAPER_WHITE_CHROMA, PAPER_WHITE_L
from ganime_core.imageops import region_median_lab
from ganime_core.parts.features import region_colours
from ganime_core.regions.segment import Regions

#: Two reference regions whose colours differ by less than this (CIE76, average linkage) are one part.
PART_DELTA_E = 9.0
#: Regions smaller than this share of the figure's box are specks: they join no part on their own.
MIN_SHARE = 1e-4


@dataclass(frozen=True)
class Side:
    """One picture as matching sees it (arrays indexed by region label, 0 unused)."""

    lines: np.ndarray  # float32 hxw working-size line art (1 = paper)
    labels: np.ndarray  # int32 hxw region labels 1..n
    net_lab: np.ndarray  # (n+1, 3) the network's unhinted colour (median Lab off the lines)
    emb: np.ndarray | None  # (n+1, dim) unit part embeddings, or None

    @property
    def n(self) -> int:
        return int(self.net_lab.shape[0] - 1)

    @property
    def areas(self) -> np.ndarray:
        return np.bincount(self.labels.ravel(), minlength=self.n + 1)


def side_of(regions: Regions, lines: np.ndarray, unhinted: np.ndarray, emb: np.ndarray | None) -> Side:
    """The :class:`Side` of a picture's working-size ``regions``, line art and unhinted colour."""
    net_lab, _ = region_colours(regions, unhinted, spread=False)
    return Side(np.asarray(lines, np.float32), regions.labels.astype(np.int32), net_lab.astype(np.float32),
                None if emb is None else np.asarray(emb, np.float32))


def own_colours(labels: np.ndarray, rgb: np.ndarray, ink_distance: np.ndarray) -> np.ndarray:
    """(n+1, 3) float32 Lab: each region's median colour in ``rgb`` (the picture at the labels'
    size) off the lines."""
    n = int(labels.max())
    return region_median_lab(rgb, labels, n, inner=ink_distance > OFF_LINE_PX).astype(np.float32)


def is_paper(lab: np.ndarray) -> np.ndarray:
    """(m,) bool: colours that are paper white."""
    return (lab[:, 0] >= PAPER_WHITE_L) & (np.hypot(lab[:, 1], lab[:, 2]) <= PAPER_WHITE_CHROMA)


def background_regions(labels: np.ndarray, lab: np.ndarray) -> np.ndarray:
    """(n+1,) bool: the paper around the figure — paper-white regions that reach the border."""
    n = lab.shape[0] - 1
    border = np.zeros(n + 1, bool)
    border[np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))] = True
    out = border & is_paper(lab)
    out[0] = False
    return out


def group_parts(lab: np.ndarray, areas: np.ndarray, background: np.ndarray,
                threshold: float = PART_DELTA_E) -> tuple[np.ndarray, np.ndarray]:
    """((n+1,) int part per region, 0 = background; (P+1, 3) float32 Lab per part, row 0 white):
    the figure's regions grouped by colour, each part's colour their area-weighted mean."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = lab.shape[0] - 1
    part = np.zeros(n + 1, np.int64)
    figure = np.flatnonzero(~background)
    figure = figure[figure > 0]
    if figure.size == 0:
        return part, np.array([[100.0, 0.0, 0.0]], np.float32)
    if figure.size == 1:
        ids = np.ones(1, np.int64)
    else:
        ids = fcluster(linkage(lab[figure].astype(np.float64), method="average"), threshold,
                       criterion="distance").astype(np.int64)
    part[figure] = ids
    weight = np.maximum(areas.astype(np.float64), 1.0)
    count = int(ids.max()) + 1
    total = np.bincount(part, weights=weight, minlength=count)
    sums = np.stack([np.bincount(part, weights=weight * lab[:, c], minlength=count) for c in range(3)], 1)
    colours = sums.astype(np.float64) / np.maximum(total, 1e-9)[:, None]
    colours[0] = (100.0, 0.0, 0.0)
    return part, colours.astype(np.float32)


def figure_box(labels: np.ndarray, background: np.ndarray) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) px: the bounding box of the regions that are not background."""
    mask = ~np.take(background, labels)
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        h, w = labels.shape
        return 0.0, 0.0, float(w), float(h)
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


def thumbnail(rgb: np.ndarray, side: int = 128) -> np.ndarray:
    """uint8 RGB: the picture with its long side ``side`` px."""
    h, w = rgb.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(np.ascontiguousarray(rgb[..., :3]), size, interpolation=cv2.INTER_AREA)
