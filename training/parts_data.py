"""Training data for the part model: every training picture is its own label.

For a training picture placed on a canvas (scaled, flipped), its line art is extracted with our
own code and cut into closed regions with the app's segmentation; the shipped colour network
colours the line art without hints, as it does before a hint's part is looked up; the picture's
own colours say which regions are one part: two regions whose median colours (away from the
lines) are within ``SAME_DELTA_E`` are one part, two that differ by more than ``OTHER_DELTA_E``
are not, and pairs in between, or with a region the picture colours in several colours (a gap
the closing did not catch), are left out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ganime_core.constants import DEFAULT_GAP, OFF_LINE_PX
from ganime_core.imageops import lab8_channels, lab8_to_lab, median_per_label
from ganime_core.inputs.encoding import decode_output_u8
from ganime_core.parts.features import candidate_pairs, pair_features, region_colours, region_shape
from ganime_core.regions.segment import RegionConfig, Regions, segment

from .datasets import place, read_item
from .layouts import Item
from .lineart import random_lines, xdog

log = logging.getLogger(__name__)

SAME_DELTA_E = 8.0  # ΔE76 between two regions' colours in the picture: the same part
OTHER_DELTA_E = 16.0  # ... at least this: different parts
PURE = 0.7  # a region is one colour when this share of its off-line pixels is within 15 ΔE76 of its median


@dataclass
class PictureParts:
    """One canvas: its regions, the network's unhinted colour, the picture's own region colours."""

    regions: Regions
    unhinted: np.ndarray
    truth_lab: np.ndarray  # (n+1, 3) float Lab of the picture per region
    pure: np.ndarray  # (n+1,) bool: the picture colours the region in one colour


def truth_colours(regions: Regions, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """((n+1, 3) the picture's median Lab per region off the lines, (n+1,) one colour or not)."""
    labels = regions.labels.ravel()
    inner = (regions.ink_distance > OFF_LINE_PX).ravel()
    channels = lab8_channels(rgb)
    med = median_per_label([c[inner] for c in channels], labels[inner], regions.n)
    lab = lab8_to_lab(np.where(med < 0, 0, med)).astype(np.float64)
    px = lab8_to_lab(np.stack(channels, axis=1)).astype(np.float64)
    close = (np.linalg.norm(px - lab[labels], axis=1) < 15.0) & inner
    count = np.bincount(labels[inner], minlength=regions.n + 1)
    share = np.bincount(labels[close], minlength=regions.n + 1) / np.maximum(count, 1)
    pure = (med[:, 0] >= 0) & (share >= PURE) & (count >= 8)
    pure[0] = False
    return lab, pure


def truth_parts(truth_lab: np.ndarray, pure: np.ndarray, keep: np.ndarray,
                same: float = SAME_DELTA_E) -> np.ndarray:
    """(n+1,) int part id per region (0: none): pure regions joined by colour closeness."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    ok = np.flatnonzero(pure & keep)
    ids = np.zeros(len(pure), np.int64)
    if ok.size == 0:
        return ids
    d = np.linalg.norm(truth_lab[ok, None] - truth_lab[None, ok], axis=2)
    _, comp = connected_components(csr_matrix(d < same), directed=False)
    ids[ok] = comp + 1
    return ids


def make_picture(colorizer, rgb: np.ndarray, rng: np.random.Generator | None, canvas: int = 256) -> PictureParts:
    """One canvas of ``rgb``: random scale, flip and lines when ``rng`` is given, else the whole
    picture fitted with fixed XDoG lines (evaluation)."""
    if rng is None:
        rgb = place(rgb, canvas, 1.0, 0.5, 0.5, 255)
        lines = xdog(rgb)
    else:
        rgb = place(rgb, canvas, float(rng.uniform(0.7, 1.3)), float(rng.random()), float(rng.random()), 255)
        if rng.random() < 0.5:
            rgb = np.ascontiguousarray(rgb[:, ::-1])
        lines = random_lines(rgb, rng)
    regions = segment(lines, RegionConfig(gap_close=DEFAULT_GAP))
    x, code = colorizer.model_input(lines, None, None, gap=DEFAULT_GAP)
    unhinted = decode_output_u8(colorizer.predict(x, code), *lines.shape)
    truth_lab, pure = truth_colours(regions, rgb)
    return PictureParts(regions, unhinted, truth_lab, pure)


def pair_rows(pic: PictureParts) -> tuple[np.ndarray, np.ndarray]:
    """(features (m, F), labels (m,) 1 = same part) of the pairs whose answer the picture knows."""
    shape = region_shape(pic.regions)
    pairs = candidate_pairs(shape)
    if len(pairs) == 0:
        return np.zeros((0, 0), np.float32), np.zeros(0, np.float32)
    a, b = pairs[:, 0], pairs[:, 1]
    d = np.linalg.norm(pic.truth_lab[a] - pic.truth_lab[b], axis=1)
    known = pic.pure[a] & pic.pure[b] & ((d < SAME_DELTA_E) | (d > OTHER_DELTA_E))
    pairs, d = pairs[known], d[known]
    lab, spread = region_colours(pic.regions, pic.unhinted)
    return pair_features(shape, lab, spread, pairs), (d < SAME_DELTA_E).astype(np.float32)


def iter_rows(colorizer, items: list[Item], per_item: int, seed: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pair rows of ``per_item`` random canvases of each item (unreadable files are skipped)."""
    from ganime_core.errors import GanimeError

    for i, item in enumerate(items):
        try:
            rgb, _ = read_item(item)
        except (GanimeError, OSError, ValueError) as exc:
            log.warning("skipping %s: %s", item.name, exc)
            continue
        for j in range(per_item):
            yield pair_rows(make_picture(colorizer, rgb, np.random.default_rng([seed, i, j])))
