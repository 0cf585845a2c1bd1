"""Region colours, flats, shading and the plain / flats / locked composites."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .color import luma
from .hints import HintRaster
from .regions_segment import RegionConfig, Regions, as_lines, nearest_index, segment

MODES = ("plain", "flats", "locked")
# Hint pixels this close to a line (px) do not claim the region: a stroke that spills a little
# over a line must not paint the neighbour. Used unless the region has no deeper pixels.
HINT_EDGE = 2.0
SHADING_MAX = 4.0
DEFAULT_CONFIG = RegionConfig()


@dataclass
class RegionLayers:
    """Layered result: ``composite`` = colour (flats, or flats x shading) x ``lines``."""

    flats: np.ndarray
    shading: np.ndarray
    lines: np.ndarray
    composite: np.ndarray
    regions: Regions | None = None
    palette: np.ndarray | None = None  # (n+1, 3) uint8, the flat colour of each label
    hinted: np.ndarray | None = None  # (n+1,) bool, regions whose colour came from a hint


def _check_color(color: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    color = np.asarray(color)
    if color.ndim != 3 or color.shape[2] < 3:
        raise ValueError(f"colour image must be HxWx3, got shape {color.shape}")
    color = np.ascontiguousarray(color[..., :3])
    if color.dtype != np.uint8:
        color = np.clip(np.rint(color), 0, 255).astype(np.uint8)
    if color.shape[:2] != shape:  # network output at working size: bring it to the line art's
        color = cv2.resize(color, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return color


def _check_hints(hints: HintRaster | None, shape: tuple[int, int]) -> HintRaster | None:
    if hints is None or not hints.mask.any():
        return None
    if hints.mask.shape != shape:
        hints = hints.resized(shape[1], shape[0])
    return hints


def median_per_label(channels: list[np.ndarray], labels: np.ndarray, n: int) -> np.ndarray:
    """Median of each uint8 channel (1-D arrays) per label 0..n -> (n+1, C) int32, -1 if empty."""
    counts = np.bincount(labels, minlength=n + 1)
    out = np.full((n + 1, len(channels)), -1, np.int32)
    base = labels.astype(np.intp) * 256
    half = (counts + 1) // 2
    for c, values in enumerate(channels):
        if (n + 1) * 256 <= 1 << 21:  # histogram: O(pixels), memory (n+1) x 256
            hist = np.bincount(base + values, minlength=(n + 1) * 256).reshape(n + 1, 256)
            med = np.argmax(np.cumsum(hist, axis=1) >= half[:, None], axis=1)
        else:  # very many regions: sort instead
            key = np.sort(base + values)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            med = key[np.minimum(starts + (counts - 1) // 2, key.size - 1)] & 255
        out[counts > 0, c] = med[counts > 0]
    return out


def _lab8(rgb: np.ndarray) -> list[np.ndarray]:
    """uint8 RGB (any shape x3) -> flat uint8 Lab channels (L*2.55, a+128, b+128)."""
    rgb = np.ascontiguousarray(rgb)
    shaped = rgb if rgb.ndim == 3 else rgb.reshape(-1, 1, 3)  # 2-D images convert in parallel
    lab = cv2.cvtColor(shaped, cv2.COLOR_RGB2Lab).reshape(-1, 3)
    return [np.ascontiguousarray(lab[:, c]) for c in range(3)]


def network_palette(regions: Regions, color: np.ndarray) -> np.ndarray:
    """(n+1, 3) uint8: the median Lab colour of ``color`` inside each region.

    Only pixels away from the lines are used (the network smudges the neighbour's colour and
    the ink into a band along each line); thin regions with no such pixels use all of theirs.
    Big images are sampled on every other row and column; regions with few samples are then
    measured on all their pixels.
    """
    color = _check_color(color, regions.labels.shape)
    n = regions.n
    step = 2 if regions.labels.size > 512 * 512 else 1
    labels = regions.labels[::step, ::step].ravel()
    inner = regions.ink_distance[::step, ::step].ravel() > 2.0
    lab8 = _lab8(color[::step, ::step])
    med = median_per_label([c[inner] for c in lab8], labels[inner], n)
    few = np.bincount(labels[inner], minlength=n + 1) < (8 if step > 1 else 1)
    few[0] = False
    if few.any():  # small or thin regions: all their pixels, off the lines if they have any
        sel = few[regions.labels]
        lab_sel = _lab8(color[sel])
        lab_of = regions.labels[sel]
        inner_sel = regions.ink_distance[sel] > 2.0
        med_in = median_per_label([c[inner_sel] for c in lab_sel], lab_of[inner_sel], n)
        med_all = median_per_label(lab_sel, lab_of, n)
        med[few] = np.where(med_in[few, :1] >= 0, med_in[few], med_all[few])
    med[0] = (255, 128, 128)  # label 0 has no pixels: white
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
    hints = _check_hints(hints, regions.labels.shape)
    if hints is None:
        return claimed, colours
    dist = regions.ink_distance
    labels = regions.labels
    deep_area = np.bincount(labels[dist > HINT_EDGE], minlength=n + 1)
    free_area = np.bincount(labels[dist > 0], minlength=n + 1)
    sel = hints.mask & (dist > 0) & ((dist > HINT_EDGE) | (deep_area[labels] == 0))
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
    rgb = hints.rgb[sel][kept].astype(np.int64)
    key = (lab[kept] << 24) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    keys, counts = np.unique(key, return_counts=True)
    key_lab = keys >> 24
    order = np.lexsort((counts, key_lab))  # by region, then count ascending
    last = np.r_[key_lab[order][1:] != key_lab[order][:-1], True]
    best = keys[order[last]]  # the most common colour of each claimed region
    b_lab = best >> 24
    claimed[b_lab] = True
    colours[b_lab] = np.stack([(best >> 16) & 255, (best >> 8) & 255, best & 255], 1)
    return claimed, colours


def region_colors(regions: Regions, color: np.ndarray, hints: HintRaster | None = None, *,
                  keep_white: bool = False) -> np.ndarray:
    """(n+1, 3) uint8 palette indexed by label: hint colour if hinted, else the network's median."""
    return _palette(regions, color, hints, keep_white)[0]


def _palette(regions: Regions, color: np.ndarray, hints: HintRaster | None,
             keep_white: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(flat palette, network palette, hinted flags)."""
    net = network_palette(regions, color)
    pal = net.copy()
    if keep_white:
        lab = cv2.cvtColor(net.reshape(-1, 1, 3), cv2.COLOR_RGB2Lab).reshape(-1, 3).astype(np.int32)
        chroma = np.hypot(lab[:, 1] - 128, lab[:, 2] - 128)
        pal[(lab[:, 0] >= 230) & (chroma <= 10)] = 255  # L* >= 90, nearly grey
    claimed, colours = hint_claims(regions, hints)
    pal[claimed] = colours[claimed]
    pal[0] = 255
    return pal, net, claimed


def shading_from(regions: Regions, color: np.ndarray, net_palette: np.ndarray) -> np.ndarray:
    """float32 HxW: the network's luma over the luma of its region's median colour.

    On and next to the lines (where the network's output is dark with ink or smudged) each
    pixel takes the shading of the nearest pixel of its own region off the lines, else 1.
    """
    color = _check_color(color, regions.labels.shape)
    y_net = cv2.cvtColor(color, cv2.COLOR_RGB2GRAY).astype(np.float32)  # Rec. 601 luma
    y_ref = (luma(net_palette) + 1.0)[regions.labels]
    shading = (y_net + 1.0) / y_ref
    near = regions.ink_distance <= 1.5
    if near.any() and not near.all():
        dst, src = nearest_index(near)
        labels, flat = regions.labels.ravel(), shading.ravel()
        flat[dst] = np.where(labels[src] == labels[dst], flat[src], 1.0)
    np.clip(shading, 0.0, SHADING_MAX, out=shading)
    return shading


def shading_image(shading: np.ndarray, blend: str = "overlay") -> np.ndarray:
    """The shading layer as a uint8 grey image for an editor's blend mode.

    ``multiply``: grey = shading (highlights above 1 are lost). ``overlay``: grey = shading / 2,
    so 128 is neutral, darker pixels darken (exactly base x shading where the base is darker
    than mid-grey) and lighter ones lighten.
    """
    if blend not in ("multiply", "overlay"):
        raise ValueError(f"blend must be 'multiply' or 'overlay', got {blend!r}")
    scale = 255.0 if blend == "multiply" else 127.5
    return np.clip(np.rint(shading * scale), 0, 255).astype(np.uint8)


def _times(rgb: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """uint8 HxWx3 x float HxW, rounded and saturated to uint8 (OpenCV, multithreaded)."""
    return cv2.multiply(rgb, cv2.merge([factor, factor, factor]), dtype=cv2.CV_8U)


def compose(lines: np.ndarray, color: np.ndarray, hints: HintRaster | None = None, *,
            mode: str = "flats", regions: Regions | None = None,
            config: RegionConfig = DEFAULT_CONFIG) -> RegionLayers:
    """Build the layers and the composite for one of ``MODES``.

    - ``plain``: the network's colour x lines (flats and shading still come back as layers);
    - ``flats``: one exact colour per region (hint colour where hinted) x lines;
    - ``locked``: every region's flat colour x the network's shading x lines, so hinted regions
      take the hint colour everywhere, keep the network's light and shadow, and no colour
      crosses a line.
    ``color`` (uint8 HxWx3) and ``hints`` are resized to the line art's size when they differ.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    lines = as_lines(lines)
    color = _check_color(color, lines.shape)
    hints = _check_hints(hints, lines.shape)
    if regions is None:
        regions = segment(lines, config)
    elif regions.labels.shape != lines.shape:
        raise ValueError("regions were computed for a different image size")
    pal, net, claimed = _palette(regions, color, hints, config.keep_white)
    flats = pal[regions.labels]
    shading = shading_from(regions, color, net)
    if mode == "plain":
        composite = _times(color, lines)
    elif mode == "flats":
        composite = _times(flats, lines)
    else:  # flat x shading is clipped to white before the lines darken it
        composite = _times(_times(flats, shading), lines)
    return RegionLayers(flats=flats, shading=shading, lines=lines, composite=composite,
                        regions=regions, palette=pal, hinted=claimed)


__all__ = ["MODES", "RegionLayers", "compose", "hint_claims", "median_per_label", "network_palette",
           "region_colors", "shading_from", "shading_image"]
