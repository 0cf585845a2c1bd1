"""Questions asked of one picture's regions: which are open to the page, which a hint claims,
what colour the network gave each one, which are paper.

Every step that needs one of these asks here (``ganime_core.inputs.dense_hints``, the
post-processing steps, ``compose``), so each concept has one definition.
"""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.constants import PAPER_LIGHT, PAPER_WHITE_CHROMA, PAPER_WHITE_L
from ganime_core.imageops import WHITE_LAB8, lab8_channels, lab8_to_lab, median_per_label
from ganime_core.inputs.hints import HintRaster

from .segment import Regions

# Hint pixels this close to a line (px) do not claim the region: a stroke that spills a little
# over a line must not paint the neighbour. Used unless the region has no deeper pixels.
HINT_EDGE = 2.0
SPINE = 0.6  # a thin region's colour: its pixels at least this share of its depth from a line
OPEN_AREA = 0.2  # a border region larger than this share of the page counts as open
OPEN_RADIUS = 0.06  # spread of a hint in an open region, as a share of the long side


def check_color(color: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    color = np.asarray(color)
    if color.ndim != 3 or color.shape[2] < 3:
        raise ValueError(f"colour image must be HxWx3, got shape {color.shape}")
    color = np.ascontiguousarray(color[..., :3])
    if color.dtype != np.uint8:
        color = np.clip(np.rint(color), 0, 255).astype(np.uint8)
    if color.shape[:2] != shape:  # network output at working size: bring it to the line art's
        color = cv2.resize(color, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return color


def check_hints(hints: HintRaster | None, shape: tuple[int, int]) -> HintRaster | None:
    if hints is None or not hints.mask.any():
        return None
    if hints.mask.shape != shape:
        hints = hints.resized(shape[1], shape[0])
    return hints


def network_palette(regions: Regions, color: np.ndarray) -> np.ndarray:
    """(n+1, 3) uint8: the median Lab colour of ``color`` inside each region.

    Only pixels away from the lines are used: the network smudges the neighbour's colour and the
    ink (a dark shadow) into a band along each line, about 2.5 px at the network's 512 px and
    proportionally wider on bigger canvases (``smudge_px``). Regions without enough such
    pixels (thin or small ones: a neck, a strand of hair at 2048 px) use their spine, the pixels
    at least ``SPINE`` x as far from a line as their deepest one; regions of ink alone all of
    theirs. Big images are sampled on every other row and column.
    """
    color = check_color(color, regions.labels.shape)
    n = regions.n
    step = 2 if regions.labels.size > 512 * 512 else 1
    labels = regions.labels[::step, ::step].ravel()
    dist = regions.ink_distance[::step, ::step].ravel()
    lab_ch = lab8_channels(color[::step, ::step])
    inner = dist > smudge_px(regions.labels.shape)
    med = median_per_label([c[inner] for c in lab_ch], labels[inner], n)
    few = np.bincount(labels[inner], minlength=n + 1) < (8 if step > 1 else 1)
    few[0] = False
    if few.any():  # small or thin regions: their spine, the pixels farthest from the lines
        sel = few[regions.labels]
        lab_sel = lab8_channels(color[sel])
        lab_of = regions.labels[sel]
        dist_sel = regions.ink_distance[sel]
        deepest = np.zeros(n + 1, np.float32)
        np.maximum.at(deepest, lab_of, dist_sel)
        spine = (dist_sel > 0) & (dist_sel >= SPINE * deepest[lab_of])
        med_in = median_per_label([c[spine] for c in lab_sel], lab_of[spine], n)
        med_all = median_per_label(lab_sel, lab_of, n)
        med[few] = np.where(med_in[few, :1] >= 0, med_in[few], med_all[few])
    med[0] = WHITE_LAB8  # label 0 has no pixels: white
    lab8_pal = med.astype(np.uint8).reshape(-1, 1, 3)
    return cv2.cvtColor(lab8_pal, cv2.COLOR_Lab2RGB).reshape(-1, 3)


def hint_claims(regions: Regions, hints: HintRaster | None, *, min_pixels: int = 8,
                spill: float = 0.15, cover: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Which regions the hints claim, and with which colour.

    Only hint pixels off the lines, and more than ``HINT_EDGE`` px from them where the region
    has such pixels, are counted. Each connected blob of the hint mask (a stroke, a bucket dot)
    claims a region when it puts at least ``min_pixels`` (or half the region) there, and that
    share is at least half of what it puts in its main region, or at least ``spill`` x that
    while also covering ``cover`` of the region. So a stroke that runs over a line into a big
    neighbour does not paint it, while one swept across several regions claims them all. A
    claimed region takes the colour of the majority of its claiming pixels.
    Returns ``(claimed (n+1,) bool, colours (n+1, 3) uint8)``.
    """
    n = regions.n
    claimed = np.zeros(n + 1, bool)
    colours = np.zeros((n + 1, 3), np.uint8)
    hints = check_hints(hints, regions.labels.shape)
    if hints is None:
        return claimed, colours
    labels = regions.labels
    deep_area = regions.area_beyond(HINT_EDGE)
    free_area = regions.area_beyond(0.0)
    # where a hint pixel counts: deep inside its region, or anywhere off the lines in a region
    # with no deep pixels (depends on the regions alone: made once per picture)
    counts = regions.memo(("hint_counts", HINT_EDGE), lambda: (regions.ink_distance > HINT_EDGE) | (
        (regions.ink_distance > 0) & np.take(deep_area == 0, labels)))
    sel = hints.mask & counts
    if not sel.any():
        return claimed, colours
    _, blobs = cv2.connectedComponents(hints.mask.view(np.uint8), connectivity=8,
                                       ltype=cv2.CV_32S)
    lab = labels[sel].astype(np.int64)
    blob = blobs[sel].astype(np.int64)
    # (blob, region) shares: keep those that are not a small spill of the blob
    pair, inv, share = np.unique(blob * (n + 1) + lab, return_inverse=True, return_counts=True)
    pair_blob, pair_lab = pair // (n + 1), pair % (n + 1)
    main = np.zeros(int(blob.max()) + 1, np.int64)
    np.maximum.at(main, pair_blob, share)
    region_area = np.where(deep_area > 0, deep_area, free_area)
    need = np.minimum(min_pixels, np.maximum(region_area[pair_lab] / 2.0, 1.0))
    big = main[pair_blob]
    keep = (share >= need) & ((share >= 0.5 * big) | ((share >= spill * big)
                                                      & (share >= cover * region_area[pair_lab])))
    kept = keep[inv.ravel()]
    if not kept.any():
        return claimed, colours
    b_lab, b_rgb = _most_common_colour(lab[kept], hints.rgb[sel][kept])
    claimed[b_lab] = True
    colours[b_lab] = b_rgb
    return claimed, colours


def _most_common_colour(labels: np.ndarray, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct labels, (k, 3) uint8 the most common colour of each) of pixels given as
    (m,) labels and (m, 3) uint8 colours."""
    c = rgb.astype(np.int64)
    key = (labels.astype(np.int64) << 24) | (c[:, 0] << 16) | (c[:, 1] << 8) | c[:, 2]
    keys, counts = np.unique(key, return_counts=True)
    key_lab = keys >> 24
    order = np.lexsort((counts, key_lab))  # by region, then count ascending
    last = np.r_[key_lab[order][1:] != key_lab[order][:-1], True] if len(keys) else np.zeros(0, bool)
    best = keys[order[last]]
    return best >> 24, np.stack([(best >> 16) & 255, (best >> 8) & 255, best & 255], 1).astype(np.uint8)


def _lab(palette: np.ndarray) -> np.ndarray:
    """(n, 3) uint8 sRGB -> (n, 3) float32 CIE Lab, through OpenCV's 8-bit Lab."""
    return lab8_to_lab(cv2.cvtColor(np.asarray(palette, np.uint8).reshape(-1, 1, 3), cv2.COLOR_RGB2Lab).reshape(-1, 3))


def paper_white(palette: np.ndarray) -> np.ndarray:
    """(n,) bool: which uint8 sRGB colours of ``palette`` ((n, 3)) are paper white
    (``PAPER_WHITE_L`` and ``PAPER_WHITE_CHROMA``)."""
    lab = _lab(palette)
    return (lab[:, 0] >= PAPER_WHITE_L) & (np.hypot(lab[:, 1], lab[:, 2]) <= PAPER_WHITE_CHROMA)


def page_regions(regions: Regions, net_palette: np.ndarray) -> np.ndarray:
    """(n+1,) bool: the paper around the figure, which stays white and unshaded.

    Regions that touch the image border and that the network left as paper: nearly white
    (median L* >= ``PAPER_WHITE_L``, chroma <= ``PAPER_WHITE_CHROMA``: paper with a little smoke on it),
    or, for a region as big as a page (``open_regions``: the background, perhaps
    joined to a figure through a gap), merely light (L* >= ``PAPER_LIGHT``, as
    ``ganime_core.post.paper``). A darker or coloured border region is a figure cut by the frame (a
    light grey strand of hair, a sleeve), or a sky the network chose, and keeps its colour.
    """
    lightness = _lab(net_palette)[:, 0]
    paper = paper_white(net_palette) | ((lightness >= PAPER_LIGHT) & open_regions(regions))
    page = regions.touches_border & paper
    page[0] = False
    return page


def smudge_px(shape: tuple[int, int]) -> float:
    """How far from a line the network's output is smudged by it, in pixels of this canvas.

    The network works at about 512 px and smudges 2-3 px there; its output is scaled up with
    the canvas, and so is the smudge.
    """
    return max(2.0, 2.5 * max(shape) / 512.0)


def open_regions(regions: Regions, open_area: float = OPEN_AREA) -> np.ndarray:
    """(n+1,) bool: regions that touch the border and cover more than ``open_area`` of the page."""
    return regions.touches_border & (regions.areas > open_area * regions.labels.size)


def open_reach(shape: tuple[int, ...], open_radius: float = OPEN_RADIUS) -> float:
    """How far (px) a hint reaches in an open region of a page of this shape."""
    return max(2.0, open_radius * max(shape[:2]))


def near_open_strokes(labels: np.ndarray, strokes: np.ndarray, is_open: np.ndarray,
                       radius: float) -> np.ndarray:
    """bool HxW: False in open regions farther than ``radius`` from a stroke in one, else True.

    The distance is only computed in the box around those strokes grown by the radius.
    """
    in_open = np.take(is_open, labels)
    seeds = strokes & in_open
    keep = ~in_open
    if not seeds.any():
        return keep
    ys, xs = np.nonzero(seeds)
    r = int(np.ceil(radius)) + 1
    h, w = labels.shape
    y0, y1, x0, x1 = max(0, ys.min() - r), min(h, ys.max() + r + 1), max(0, xs.min() - r), min(w, xs.max() + r + 1)
    box = (slice(y0, y1), slice(x0, x1))
    near = cv2.distanceTransform((~seeds[box]).view(np.uint8), cv2.DIST_L2, 3) <= radius
    keep[box] |= near
    return keep


def raster_claims(regions: Regions, raster: HintRaster, share: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The regions a dense raster covers: ``(claimed (n+1,) bool, colours (n+1, 3) uint8)``.

    A region is claimed when at least ``share`` of its pixels off the lines are under the
    raster's mask, with the raster's most common colour there (dense hints made at the working
    size, brought to the full size's regions).
    """
    n = regions.n
    claimed = np.zeros(n + 1, bool)
    colours = np.zeros((n + 1, 3), np.uint8)
    sized = check_hints(raster, regions.labels.shape)
    if sized is None:
        return claimed, colours
    raster = sized
    inner = regions.ink_distance > 0
    labels = regions.labels
    total = np.bincount(labels[inner], minlength=n + 1)
    sel = inner & raster.mask
    lab = labels[sel].astype(np.int64)
    covered = np.bincount(lab, minlength=n + 1)
    b_lab, b_rgb = _most_common_colour(lab, raster.rgb[sel])
    ok = covered[b_lab] >= share * np.maximum(total[b_lab], 1)
    claimed[b_lab[ok]] = True
    colours[b_lab[ok]] = b_rgb[ok]
    claimed[0] = False
    return claimed, colours
