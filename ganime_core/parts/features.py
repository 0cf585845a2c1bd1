"""What the part model sees: a description of each closed region and of each pair of regions.

A region is described by the network's unhinted colour in it (its median Lab away from the
lines and how much it varies), its size, place and shape; a pair by how the two differ in
colour, whether they touch (the length of the line between them), how far apart and how
mirror-placed they are (two eyes, two sleeves), how alike in size and shape, and how alike the
colour network sees them (``emb_sim``, the cosine of the part head's embeddings). Everything is
whole-image numpy / OpenCV work on the regions of one picture; the regions' own parts are
cached on the ``Regions`` (``memo``), so only the colour part is recomputed per network pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganime_core.constants import OFF_LINE_PX
from ganime_core.imageops import WHITE_LAB8, lab8_channels, lab8_to_lab, median_per_label
from ganime_core.regions.segment import Regions

from .embed import embedding_similarity

#: Regions smaller than this share of the page take no part in the grouping (specks).
MIN_SHARE = 2e-4
#: The names of the pair features, in the order of :func:`pair_features`' columns.
PAIR_FEATURES = ("dL", "da", "db", "dE", "dC", "lab_spread", "touch", "touch_rel", "dist", "dy",
                 "mirror_x", "mirror_y", "log_area_ratio", "log_area_min", "border_both",
                 "depth_ratio", "elong_diff", "lightness_min", "chroma_min", "free_share", "hue_diff",
                 "light_both", "emb_sim")
#: How the network answered a hint in the seed region, per candidate region (``seed_features``).
RESPONSE_FEATURES = ("moved", "after", "seed_moved", "dE_hinted")
#: What the part model reads: a (seed region, candidate region) pair and the network's answer.
MODEL_FEATURES = PAIR_FEATURES + RESPONSE_FEATURES


@dataclass(frozen=True)
class RegionShape:
    """The colour-free description of the regions (per label; index 0 unused)."""

    keep: np.ndarray  # (n+1,) bool: big enough to take part
    area: np.ndarray  # share of the page
    cx: np.ndarray
    cy: np.ndarray  # centroid, as a share of the long side
    depth: np.ndarray  # the deepest point's distance from a line, as a share of the long side
    elong: np.ndarray  # log of the bounding box's aspect ratio
    border: np.ndarray  # touches the page border
    touch_keys: np.ndarray  # sorted a * (n+1) + b (a < b) of the regions that meet
    touch_len: np.ndarray  # ... and the length of the boundary between them (pixel pairs)
    touch_free: np.ndarray  # ... and how much of it runs through no ink (a closed gap)
    n: int


def region_shape(regions: Regions) -> RegionShape:
    """The colour-free description of ``regions`` (cached on them)."""
    return regions.memo("part_shape", lambda: _shape(regions))


def _shape(regions: Regions) -> RegionShape:
    labels = regions.labels
    h, w = labels.shape
    side = float(max(h, w))
    n = regions.n
    flat = labels.ravel()
    count = np.maximum(regions.areas.astype(np.float64), 1.0)
    ys, xs = np.divmod(np.arange(labels.size), w)
    cx = np.bincount(flat, weights=xs, minlength=n + 1) / count / side
    cy = np.bincount(flat, weights=ys, minlength=n + 1) / count / side
    depth = np.zeros(n + 1, np.float64)
    np.maximum.at(depth, flat, regions.ink_distance.ravel())
    x0 = np.full(n + 1, w, np.int64)
    x1 = np.zeros(n + 1, np.int64)
    y0 = np.full(n + 1, h, np.int64)
    y1 = np.zeros(n + 1, np.int64)
    np.minimum.at(x0, flat, xs)
    np.maximum.at(x1, flat, xs)
    np.minimum.at(y0, flat, ys)
    np.maximum.at(y1, flat, ys)
    elong = np.log((x1 - x0 + 1.0) / (y1 - y0 + 1.0))
    area = regions.areas / float(labels.size)
    keep = area >= MIN_SHARE
    keep[0] = False
    keys, lengths, free = _touching(labels, regions.line_mask, n)
    return RegionShape(keep, area, cx, cy, depth / side, elong, regions.touches_border.copy(), keys, lengths,
                       free, n)


def _touching(labels: np.ndarray, ink: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sorted pair keys, boundary lengths in pixel pairs, the share of them off the ink) of each
    two regions that meet."""
    keys, free = [], []
    for (a, b), (ia, ib) in (((labels[:, :-1], labels[:, 1:]), (ink[:, :-1], ink[:, 1:])),
                             ((labels[:-1], labels[1:]), (ink[:-1], ink[1:]))):
        m = a != b
        lo = np.minimum(a[m], b[m]).astype(np.int64)
        hi = np.maximum(a[m], b[m]).astype(np.int64)
        keys.append(lo * (n + 1) + hi)
        free.append(~(ia[m] | ib[m]))
    pairs, inverse, counts = np.unique(np.concatenate(keys), return_inverse=True, return_counts=True)
    off_ink = np.bincount(inverse.ravel(), weights=np.concatenate(free).astype(np.float64), minlength=len(pairs))
    return pairs, counts.astype(np.float64), off_ink / np.maximum(counts, 1)


def region_colours(regions: Regions, rgb: np.ndarray, *, spread: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """((n+1, 3) float Lab median of uint8 ``rgb`` per region away from the lines, (n+1,) its
    spread: the mean absolute deviation of L around it; zeros with ``spread=False``)."""
    labels = regions.labels.ravel()
    inner = (regions.ink_distance > OFF_LINE_PX).ravel()
    channels = lab8_channels(rgb)
    med = median_per_label([c[inner] for c in channels], labels[inner], regions.n)
    thin = med[:, 0] < 0  # no pixel away from the lines: all of the region's pixels
    if thin[1:].any():
        sel = np.take(thin, labels)
        med[thin] = median_per_label([c[sel] for c in channels], labels[sel], regions.n)[thin]
    lab = lab8_to_lab(np.where(med < 0, WHITE_LAB8, med)).astype(np.float64)
    if not spread:
        return lab, np.zeros(regions.n + 1)
    light = channels[0].astype(np.float64) * (100.0 / 255.0)
    dev = np.abs(light - lab[labels, 0])
    count = np.maximum(np.bincount(labels, minlength=regions.n + 1), 1)
    return lab, np.bincount(labels, weights=dev, minlength=regions.n + 1) / count


def candidate_pairs(shape: RegionShape) -> np.ndarray:
    """(m, 2) int: every pair (a < b) of regions big enough to take part."""
    ids = np.flatnonzero(shape.keep)
    if ids.size < 2:
        return np.zeros((0, 2), np.int64)
    a, b = np.triu_indices(ids.size, k=1)
    return np.stack([ids[a], ids[b]], axis=1).astype(np.int64)


def touch_length(shape: RegionShape, pairs: np.ndarray, of: str = "len") -> np.ndarray:
    """(m,) the boundary length between the two regions of each pair (0: they do not meet), or
    with ``of="free"`` the share of that boundary that runs through no ink."""
    key = pairs[:, 0] * (shape.n + 1) + pairs[:, 1]
    if shape.touch_keys.size == 0:
        return np.zeros(len(pairs))
    at = np.minimum(np.searchsorted(shape.touch_keys, key), shape.touch_keys.size - 1)
    values = shape.touch_len if of == "len" else shape.touch_free
    return np.where(shape.touch_keys[at] == key, values[at], 0.0)


def pair_features(shape: RegionShape, lab: np.ndarray, spread: np.ndarray, pairs: np.ndarray,
                  emb: np.ndarray | None = None) -> np.ndarray:
    """(m, len(PAIR_FEATURES)) float32: the description of each pair (see the module); ``emb``:
    the regions' embeddings (``embed.region_embeddings``), whose cosine is ``emb_sim`` (0 without)."""
    a, b = pairs[:, 0], pairs[:, 1]
    dlab = lab[a] - lab[b]
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    touch = touch_length(shape, pairs)
    perimeter = np.sqrt(np.minimum(shape.area[a], shape.area[b]))
    dx, dy = shape.cx[a] - shape.cx[b], shape.cy[a] - shape.cy[b]
    cols = [np.abs(dlab[:, 0]), np.abs(dlab[:, 1]), np.abs(dlab[:, 2]), np.linalg.norm(dlab, axis=1),
            np.abs(chroma[a] - chroma[b]), np.maximum(spread[a], spread[b]),
            np.log1p(touch), touch / np.maximum(perimeter * 1000.0, 1.0), np.hypot(dx, dy), dy,
            np.abs(shape.cx[a] + shape.cx[b] - 2 * np.median(shape.cx[shape.keep])), np.abs(dy),
            np.abs(np.log(shape.area[a] / shape.area[b])), np.log(np.minimum(shape.area[a], shape.area[b])),
            (shape.border[a] & shape.border[b]).astype(np.float64),
            np.log((shape.depth[a] + 1e-4) / (shape.depth[b] + 1e-4)) ** 2,
            np.abs(shape.elong[a] - shape.elong[b]), np.minimum(lab[a, 0], lab[b, 0]),
            np.minimum(chroma[a], chroma[b]), touch_length(shape, pairs, "free"),
            _hue_diff(lab[a], lab[b]), np.minimum(lab[a, 0], lab[b, 0]) > 85.0,
            embedding_similarity(emb, a, b)]
    return np.stack(cols, axis=1).astype(np.float32)


def _hue_diff(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The angle between two colours' hues (radians, 0..pi), 0 where either is grey."""
    hp, hq = np.arctan2(p[:, 2], p[:, 1]), np.arctan2(q[:, 2], q[:, 1])
    d = np.abs(np.angle(np.exp(1j * (hp - hq))))
    grey = (np.hypot(p[:, 1], p[:, 2]) < 5) | (np.hypot(q[:, 1], q[:, 2]) < 5)
    return np.where(grey, 0.0, d)


def seed_features(shape: RegionShape, unhinted: tuple[np.ndarray, np.ndarray], hinted_lab: np.ndarray,
                  hint_lab: np.ndarray, seeds: np.ndarray, others: np.ndarray,
                  emb: np.ndarray | None = None) -> np.ndarray:
    """(m, len(MODEL_FEATURES)) float32 for each (seed, other) region pair.

    ``unhinted``: ``region_colours`` of the network's unhinted colour; ``hinted_lab``: the region
    colours of its answer to the hint (a dot in the seed region); ``hint_lab``: the hint's colour.
    ``moved``: how far a region went towards the hint colour (1: all the way, 0: not at all),
    ``after``: how far it still is (ΔE76 / 100).
    """
    lab0, spread0 = unhinted
    pairs = np.stack([np.minimum(seeds, others), np.maximum(seeds, others)], axis=1)
    base = pair_features(shape, lab0, spread0, pairs, emb)
    d0 = np.linalg.norm(lab0 - hint_lab, axis=1)
    d1 = np.linalg.norm(hinted_lab - hint_lab, axis=1)
    moved = np.clip((d0 - d1) / np.maximum(d0, 1.0), -1.0, 1.0)
    extra = np.stack([moved[others], d1[others] / 100.0, moved[seeds],
                      np.linalg.norm(hinted_lab[seeds] - hinted_lab[others], axis=1) / 100.0], axis=1)
    return np.concatenate([base, extra.astype(np.float32)], axis=1)
