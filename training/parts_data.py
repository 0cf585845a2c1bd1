"""Training data for the part model: every training picture is its own label.

For a training picture placed on a canvas (scaled, flipped), its line art is extracted with our
own code and cut into closed regions with the app's segmentation; the shipped colour network
colours the line art without hints and with one dot in a part's largest region (a saturated
colour far from the picture's and the network's, as an artist changing a colour would paint),
as the API does before a hint's part is looked up. The picture's own colours say which regions
are that part: a region whose median colour (away from the lines) is within ``SAME_DELTA_E`` of
the part's is in it, one farther than ``OTHER_DELTA_E`` is not; regions in between, or that the
picture colours in several colours (a gap the closing did not catch), are left out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ganime_core.color import rgb_to_lab
from ganime_core.constants import DEFAULT_GAP, OFF_LINE_PX
from ganime_core.imageops import lab8_channels, lab8_to_lab, median_per_label
from ganime_core.inputs.encoding import decode_output_u8
from ganime_core.inputs.hints import Stroke, rasterize
from ganime_core.parts.embed import PartHead, region_embeddings
from ganime_core.parts.features import region_colours, region_shape, seed_features
from ganime_core.regions.queries import hint_claims
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
    """One canvas: its line art and regions, the network's unhinted colour, the picture's own
    region colours."""

    lines: np.ndarray
    regions: Regions
    unhinted: np.ndarray
    truth_lab: np.ndarray  # (n+1, 3) float Lab of the picture per region
    pure: np.ndarray  # (n+1,) bool: the picture colours the region in one colour
    emb: np.ndarray | None = None  # (n+1, dim) the part head's region embeddings


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


def make_picture(colorizer, rgb: np.ndarray, rng: np.random.Generator | None, canvas: int = 256,
                 head: PartHead | None = None) -> PictureParts:
    """One canvas of ``rgb``: random scale, flip and lines when ``rng`` is given, else the whole
    picture fitted with fixed XDoG lines (evaluation); with ``head``, the regions' embeddings."""
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
    taps: dict | None = {} if head is not None else None
    unhinted = decode_output_u8(colorizer.predict(x, code, taps=taps), *lines.shape)
    emb = None
    if head is not None and taps:
        import torch

        plane = torch.from_numpy(np.ascontiguousarray(x[colorizer.channels.index("line")]))[None, None]
        emb = region_embeddings(head, taps, plane * 0.5 + 0.5, regions)
    truth_lab, pure = truth_colours(regions, rgb)
    return PictureParts(lines, regions, unhinted, truth_lab, pure, emb)


SATURATED = np.array([(230, 30, 40), (30, 90, 230), (40, 190, 60), (240, 200, 20), (170, 40, 200),
                      (20, 200, 210), (250, 120, 0), (255, 60, 170)], np.uint8)
SEEDS_PER_PICTURE = 3


def far_colour(*labs: np.ndarray) -> np.ndarray:
    """The saturated colour (uint8 RGB) farthest from all of ``labs`` (its nearest one counts)."""
    cand = rgb_to_lab(SATURATED).astype(np.float64)
    d = np.min([np.linalg.norm(cand - lab, axis=1) for lab in labs], axis=0)
    return SATURATED[int(np.argmax(d))]


def dot_at(regions: Regions, label: int, colour: np.ndarray, radius: float = 3.0) -> Stroke:
    """A dot at the deepest point of one region."""
    depth = np.where(regions.labels == label, regions.ink_distance, -1)
    y, x = np.unravel_index(int(np.argmax(depth)), depth.shape)
    return Stroke(((float(x), float(y)),), tuple(int(c) for c in colour), 2 * radius)


def seed_rows(colorizer, pic: PictureParts, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels 1 = in the part) of the regions around up to ``SEEDS_PER_PICTURE`` dots,
    each in a part's largest region."""
    regions = pic.regions
    shape = region_shape(regions)
    ids = truth_parts(pic.truth_lab, pic.pure, shape.keep)
    sizes = np.bincount(ids, weights=regions.areas, minlength=ids.max() + 1)
    sizes[0] = 0
    order = [int(p) for p in np.argsort(-sizes) if sizes[p] > 0]
    chosen = order[:2] + list(rng.permutation(order[2:])[:SEEDS_PER_PICTURE - 2])
    lab0 = region_colours(regions, pic.unhinted)
    xs, ys = [], []
    h, w = regions.shape
    for part in chosen:
        members = np.flatnonzero(ids == part)
        seed = int(members[np.argmax(regions.areas[members])])
        colour = far_colour(pic.truth_lab[seed], lab0[0][seed])
        raster = rasterize([dot_at(regions, seed, colour)], w, h)
        claimed, _ = hint_claims(regions, raster)
        if not claimed[seed]:
            continue
        x, code = colorizer.model_input(pic.lines, raster, None, gap=DEFAULT_GAP)
        hinted = decode_output_u8(colorizer.predict(x, code), h, w)
        lab1, _ = region_colours(regions, hinted)
        others = np.flatnonzero(shape.keep & ~claimed & pic.pure)
        if others.size == 0:
            continue
        d = np.linalg.norm(pic.truth_lab[others] - pic.truth_lab[seed], axis=1)
        known = (d < SAME_DELTA_E) | (d > OTHER_DELTA_E)
        others, d = others[known], d[known]
        hint_lab = rgb_to_lab(colour[None])[0].astype(np.float64)
        xs.append(seed_features(shape, lab0, lab1, hint_lab, np.full(others.size, seed), others, pic.emb))
        ys.append((d < SAME_DELTA_E).astype(np.float32))
    if not xs:
        return np.zeros((0, 0), np.float32), np.zeros(0, np.float32)
    return np.concatenate(xs), np.concatenate(ys)


def canvases(colorizer, items: list[Item], per_item: int, seed: int, head: PartHead | None = None,
             desc: str | None = None) -> Iterator[tuple[PictureParts, np.random.Generator]]:
    """``per_item`` canvases of each item with the generator that placed them (unreadable files
    are skipped with a warning); ``seed < 0``: each picture fitted whole, as evaluation does;
    ``desc``: a progress bar of that name."""
    import sys

    from tqdm import tqdm

    from ganime_core.errors import GanimeError

    for i, item in enumerate(tqdm(items, desc=desc, unit="pic", file=sys.stderr, disable=None if desc else True)):
        try:
            rgb, _ = read_item(item)
        except (GanimeError, OSError, ValueError) as exc:
            log.warning("skipping %s: %s", item.name, exc)
            continue
        for j in range(per_item):
            rng = np.random.default_rng([abs(seed), i, j])
            yield make_picture(colorizer, rgb, rng if seed >= 0 else None, head=head), rng


def iter_rows(colorizer, items: list[Item], per_item: int, seed: int,
              head: PartHead | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pair rows of ``per_item`` random canvases of each item (unreadable files are skipped)."""
    for pic, rng in canvases(colorizer, items, per_item, seed, head):
        yield seed_rows(colorizer, pic, rng)
