"""Line art -> closed regions: robust binarisation, trapped-ball gap closing, speck merging.

Every step is a whole-image OpenCV/numpy operation (distance transforms, connected components,
bincount); nothing loops over pixels in Python. The pipeline:

1. ``binarize``: divide out the local paper level (scans, uneven light), normalise by the ink
   strength (pencil greys count like black ink), threshold, drop ink specks.
2. Trapped ball: a disc of radius ``(gap_close + 1) / 2`` cannot pass a gap of ``gap_close`` px,
   so the components of the free space eroded by that disc are the regions with gaps closed.
   Each is grown back by the same radius (nearest-seed labels, which never cross a line because
   the whole disc around a seed is free). Narrow places the big disc misses (thin strands between
   two lines) get a pass with a smaller disc, then a last flood-fill pass; a candidate from those
   passes is kept only when it is big enough and hardly touches an existing region (else it is a
   corner or the throat of a closed gap, and joins its neighbour).
3. Leftover free pixels are grown geodesically from their neighbours. Pieces of a band thinner
   than the disc (an iris ring, a ribbon), which touch along their whole width unlike the two
   sides of a closed gap, are joined again. Regions smaller than ``min_area`` are dissolved, and
   ink pixels (and dissolved specks) take the label of the nearest region, so every pixel
   belongs to a region and flats sit under the lines.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

import cv2
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ganime_core.imageops import paper_level

_T = TypeVar("_T")

log = logging.getLogger(__name__)




@dataclass(frozen=True)
class RegionConfig:
    """How line art is cut into regions.

    ``line_threshold``: a pixel is ink when its value, after dividing out the paper level and
    stretching the ink strength to black, is below this (0..1; higher = thicker lines, more
    faint strokes count). ``gap_close``: gaps in lines up to this many pixels are closed.
    ``min_area``: regions with fewer free (non-ink) pixels are merged into a neighbour.
    ``min_ink``: ink blobs smaller than this many pixels are treated as dirt, not lines.
    ``keep_white``: regions the network left near-white stay pure white in the flats.
    """

    line_threshold: float = 0.75
    gap_close: int = 6
    min_area: int = 24
    min_ink: int = 5
    keep_white: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.line_threshold <= 1.0:
            raise ValueError(f"line_threshold must be in (0, 1], got {self.line_threshold}")
        if self.gap_close < 0 or self.min_area < 1 or self.min_ink < 0:
            raise ValueError("gap_close and min_ink must be >= 0 and min_area >= 1")


@dataclass
class Regions:
    """A label map: ``labels`` int32 HxW with every pixel in a region 1..n (lines included)."""

    labels: np.ndarray
    line_mask: np.ndarray
    n: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.labels.shape

    def region_at(self, x: int, y: int) -> int:
        """The region under pixel (x, y); 0 outside the image."""
        h, w = self.labels.shape
        if 0 <= x < w and 0 <= y < h:
            return int(self.labels[y, x])
        return 0

    def mask(self, label: int) -> np.ndarray:
        """bool HxW, True on the pixels of region ``label`` (lines included)."""
        return self.labels == label

    def area_beyond(self, distance: float) -> np.ndarray:
        """(n+1,) pixel count per label more than ``distance`` px from any line (cached per
        distance: the hint and paper steps ask for the same few on every colorize)."""
        cache = self.__dict__.setdefault("_area_beyond", {})
        if distance not in cache:
            cache[distance] = np.bincount(self.labels[self.ink_distance > distance], minlength=self.n + 1)
        return cache[distance]

    def memo(self, key: Hashable, make: Callable[[], _T]) -> _T:
        """A value derived from these regions alone, made on the first call for ``key`` and kept:
        the hint, scope and paper steps ask for the same masks and tables at every stroke.
        Arrays are made read-only, so no caller changes what the next one gets."""
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            value = make()
            for arr in value if isinstance(value, tuple) else (value,):
                if isinstance(arr, np.ndarray):
                    arr.flags.writeable = False
            cache[key] = value
        return cache[key]

    @cached_property
    def areas(self) -> np.ndarray:
        """Pixel count per label, indexed 0..n (index 0 is always 0)."""
        return np.bincount(self.labels.ravel(), minlength=self.n + 1)

    @cached_property
    def touches_border(self) -> np.ndarray:
        """(n+1,) bool: regions with a pixel on the image border."""
        lab = self.labels
        border = np.zeros(self.n + 1, bool)
        border[np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))] = True
        return border

    @cached_property
    def ink_distance(self) -> np.ndarray:
        """float32 HxW: Euclidean distance to the nearest ink pixel (0 on ink)."""
        free = (~self.line_mask).astype(np.uint8)
        if free.all():
            return np.full(self.labels.shape, np.float32(1e6))
        return cv2.distanceTransform(free, cv2.DIST_L2, 5)


def as_lines(lines: np.ndarray) -> np.ndarray:
    """Accept float [0,1] or uint8 grey (or RGB) line art; return float32 HxW in [0,1]."""
    arr = np.asarray(lines)
    if arr.ndim == 3:
        arr = arr[..., :3].mean(axis=2) if arr.shape[2] >= 3 else arr[..., 0]
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"line art must be a 2-D grey image, got shape {np.shape(lines)}")
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 255.0
    arr = arr.astype(np.float32)
    if float(arr.max()) > 1.5:  # 0..255 floats
        arr = arr / 255.0
    return np.clip(arr, 0.0, 1.0)


def binarize(lines: np.ndarray, config: RegionConfig = RegionConfig()) -> np.ndarray:
    """bool HxW ink mask of float line art (1 = paper, 0 = ink)."""
    lines = as_lines(lines)
    h, w = lines.shape
    # Local paper level: the brightest value nearby (lines are thinner than the window), never
    # below 60% of the page's paper, so solid dark fills (manga hair, shadows) stay ink.
    # Computed on a grid of about 4 px (paper changes slowly) and interpolated back.
    k_full = 2 * max(7, round(min(h, w) / 96)) + 1
    f = max(1, min(h, w) // 256)
    paper = paper_level(lines, k_full // f, grid=f, pool="max", smooth="box", bright_from="level",
                        floor=0.05)
    # Ink strength: how dark the cores of the strokes are (pencil ~0.4, ink ~1), measured on
    # the darkness 1 - lines / paper of a sample of the pixels.
    step = 2 if h * w > 512 * 512 else 1
    sample = 1.0 - np.minimum(lines[::step, ::step] / paper[::step, ::step], 1.0)
    hist = np.bincount(np.minimum(sample.ravel() * 255.0, 255).astype(np.int32), minlength=256)
    hist[:38] = 0  # ignore paper grain and JPEG noise (darkness < 0.15)
    if hist.sum() < 16 // step:
        return np.zeros((h, w), bool)
    cum = np.cumsum(hist)
    strength = max((np.searchsorted(cum, 0.9 * cum[-1]) + 0.5) / 255.0, 0.25)
    # darkness > strength * (1 - threshold)  <=>  lines < paper * (1 - strength * (1 - threshold))
    paper *= np.float32(1.0 - strength * (1.0 - config.line_threshold))
    ink = lines < paper
    if config.min_ink > 1 and ink.any():
        n, cc, stats, _ = cv2.connectedComponentsWithStats(ink.view(np.uint8), connectivity=8)
        small = stats[:, cv2.CC_STAT_AREA] < config.min_ink
        small[0] = False
        if small.any():
            ink &= ~small[cc]
    return ink


def nearest_index(todo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each ``todo`` pixel, the flat index of the nearest non-``todo`` pixel.

    Returns ``(todo_flat_indices, source_flat_indices)``; needs at least one non-todo pixel.
    """
    _, idx = cv2.distanceTransformWithLabels(todo.view(np.uint8), cv2.DIST_L2, 5,
                                             labelType=cv2.DIST_LABEL_PIXEL)
    dst = np.flatnonzero(todo)
    sources = np.flatnonzero(~todo)
    return dst, sources[idx.ravel()[dst] - 1]


def _nearest_fill(labels: np.ndarray, todo: np.ndarray) -> np.ndarray:
    """Give every ``todo`` pixel the label of the nearest labelled (non-todo, >0) pixel."""
    src = todo | (labels == 0)
    if not src.any():
        return labels
    if src.all():
        return np.ones_like(labels)
    dst, near = nearest_index(src)
    out = labels.copy()
    flat = out.ravel()
    flat[dst] = flat[near]
    return out


def _distance(open_: np.ndarray) -> np.ndarray:
    return cv2.distanceTransform(open_.view(np.uint8), cv2.DIST_L2, 5)


def _ball_pass(open_: np.ndarray, radius: float, next_label: int, labels: np.ndarray,
               dist: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Seeds = pixels of ``open_`` farther than ``radius`` from anything else; grow them back.

    Returns the candidate label map (0 where none) and the number of candidates.
    """
    if dist is None:
        dist = _distance(open_)
    seeds = dist > radius
    if not seeds.any():
        return np.zeros_like(labels), 0
    # CCOMP labels: one label per 8-connected seed component, given to the pixels nearest it.
    d_seed, comp = cv2.distanceTransformWithLabels((~seeds).view(np.uint8), cv2.DIST_L2, 5,
                                                   labelType=cv2.DIST_LABEL_CCOMP)
    grown = np.where(open_ & (d_seed <= radius + 0.5), comp + np.int32(next_label - 1), 0)
    return grown.astype(np.int32, copy=False), int(comp.max())


def _accept(cand: np.ndarray, count: int, first: int, labels: np.ndarray,
            min_area: int) -> np.ndarray:
    """Keep candidates with area >= min_area whose contact with existing regions is small."""
    if count == 0:
        return labels
    pix = np.flatnonzero(cand)
    local = cand.ravel()[pix] - (first - 1)
    area = np.bincount(local, minlength=count + 1)
    taken = (labels > 0).view(np.uint8)
    touching = cv2.dilate(taken, np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8))
    contact = np.bincount(local[touching.ravel()[pix] > 0], minlength=count + 1)
    keep = (area >= min_area) & (contact * 4 <= area)
    out = labels.copy()
    sel = keep[local]
    out.ravel()[pix[sel]] = cand.ravel()[pix[sel]]
    return out


def _grow_free(labels: np.ndarray, free: np.ndarray, iterations: int) -> np.ndarray:
    """Geodesic growth of labels into unlabelled free pixels (never through ink)."""
    lab = labels.astype(np.float32)  # exact for labels < 2**24
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8)
    todo = free & (labels == 0)
    for _ in range(iterations):
        if not todo.any():
            break
        grown = cv2.dilate(lab, cross)
        upd = todo & (grown > 0)
        lab[upd] = grown[upd]
        todo &= ~upd
    return lab.astype(np.int32)


def _merge_touching(labels: np.ndarray, dist: np.ndarray, radius: float,
                    ratio: float = 0.7) -> np.ndarray:
    """Join the pieces of bands too thin for the ball.

    A closed gap is a narrow throat between two wider regions; a band barely wider than the
    ball (an iris ring, a ribbon) is cut into pieces that touch along their whole width. Two
    neighbours are joined when both are thin (inscribed diameter <= 2 x radius + 3) and their
    shared free boundary is >= ``ratio`` x the thinner one's diameter. Thick regions are never
    joined, so a thin strand cannot chain a face to the background.
    """
    n = int(labels.max())
    if n < 2:
        return labels
    widths = np.zeros(n + 1, np.float32)
    on = labels > 0
    np.maximum.at(widths, labels[on], dist[on])
    widths *= 2.0
    keys = []
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1], labels[1:])):
        m = (a != b) & (a > 0) & (b > 0)
        lo, hi = np.minimum(a[m], b[m]).astype(np.int64), np.maximum(a[m], b[m]).astype(np.int64)
        keys.append(lo * (n + 1) + hi)
    pairs, contact = np.unique(np.concatenate(keys), return_counts=True)
    lo, hi = pairs // (n + 1), pairs % (n + 1)
    thin = widths <= 2.0 * radius + 3.0
    join = thin[lo] & thin[hi] & (contact >= ratio * np.minimum(widths[lo], widths[hi]))
    if not join.any():
        return labels
    graph = coo_matrix((np.ones(int(join.sum())), (lo[join], hi[join])), shape=(n + 1, n + 1))
    _, comp = connected_components(graph, directed=False)
    lut = (comp + 1).astype(np.int32)
    lut[0] = 0
    return lut[labels]


def segment(lines: np.ndarray, config: RegionConfig = RegionConfig()) -> Regions:
    """Cut line art (float HxW, 1 = paper, 0 = ink) into closed regions; see the module doc."""
    lines = as_lines(lines)
    ink = binarize(lines, config)
    free = ~ink
    labels = np.zeros(lines.shape, np.int32)
    ink_distance = _distance(free) if ink.any() else None
    if free.any():
        radius = max((config.gap_close + 1) / 2.0, 0.5)
        if ink_distance is None:  # blank paper: one region
            ink_distance = np.full(lines.shape, np.float32(1e6))
        cand, count = _ball_pass(free, radius, 1, labels, ink_distance)
        labels = cand  # the big-ball regions are all kept (specks are merged below)
        next_label = count + 1
        small_r = radius / 2.0
        while small_r >= 1.0:
            rest = free & (labels == 0)
            cand, count = _ball_pass(rest, small_r, next_label, labels)
            labels = _accept(cand, count, next_label, labels, config.min_area)
            next_label += count
            small_r /= 2.0
        rest = free & (labels == 0)
        if rest.any():  # what no ball reached: enclosed slivers become regions if big enough
            n, cc = cv2.connectedComponents(rest.view(np.uint8), connectivity=4, ltype=cv2.CV_32S)
            cand = np.where(cc > 0, cc + (next_label - 1), 0).astype(np.int32)
            labels = _accept(cand, n - 1, next_label, labels, config.min_area)
        labels = _grow_free(labels, free, iterations=int(np.ceil(radius)) + 2)
        labels = _merge_touching(labels, ink_distance, radius)
        area = np.bincount(labels[free], minlength=int(labels.max()) + 1)
        small = area < config.min_area
        small[0] = False
        if small.any() and not small[1:].all():
            labels[small[labels]] = 0
    labels = _nearest_fill(labels, ink)
    # Renumber to consecutive labels 1..n (order kept, so the result is deterministic).
    present = np.bincount(labels.ravel())
    present[0] = 0
    used = np.flatnonzero(present)
    if used.size == 0:
        return Regions(np.ones(lines.shape, np.int32), ink, 1)
    if used.size != used[-1]:  # gaps in the numbering
        lut = np.zeros(present.size, np.int32)
        lut[used] = np.arange(1, used.size + 1, dtype=np.int32)
        labels = lut[labels]
    log.debug("segmented %dx%d line art into %d regions", lines.shape[1], lines.shape[0], used.size)
    regions = Regions(labels, ink, int(used.size))
    if ink_distance is not None:
        regions.__dict__["ink_distance"] = ink_distance  # seed the cached property
    return regions
