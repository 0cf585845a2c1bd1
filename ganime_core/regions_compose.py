"""Region colours, flats, shading and the plain / flats / locked composites."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.sparse import coo_matrix

from .constants import COLOR_MODES, PAPER_LIGHT
from .hints import HintRaster
from .imageops import lab8, median_per_label, multiply_u8, paint_labels
from .regions_segment import RegionConfig, Regions, as_lines, segment

MODES = COLOR_MODES
# Hint pixels this close to a line (px) do not claim the region: a stroke that spills a little
# over a line must not paint the neighbour. Used unless the region has no deeper pixels.
HINT_EDGE = 2.0
SPINE = 0.6  # a thin region's colour: its pixels at least this share of its depth from a line
# Unhinted border regions the network left this white (L*) and grey (chroma) are paper; a
# page-sized one only needs to be PAPER_LIGHT (``ganime_core.paper``).
PAPER_WHITE = 92.0
PAPER_CHROMA = 8.0
SHADING_MAX = 4.0
SHADING_SIGMA = 56.0  # smoothing: the long side / this, in px
SHADING_FLAT = 0.03  # shading within this of 1 is texture: neutral
SHADING_RANGE = 0.3  # shading is softly limited to 1 ± this
SHADING_WORK = 320  # px on the long side (at most) at which the shading is smoothed
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


def _lab8(rgb: np.ndarray) -> list[np.ndarray]:
    """uint8 RGB (any shape x3) -> flat uint8 Lab channels (L*2.55, a+128, b+128)."""
    lab = lab8(rgb).reshape(-1, 3)
    return [np.ascontiguousarray(lab[:, c]) for c in range(3)]


def network_palette(regions: Regions, color: np.ndarray) -> np.ndarray:
    """(n+1, 3) uint8: the median Lab colour of ``color`` inside each region.

    Only pixels away from the lines are used: the network smudges the neighbour's colour and the
    ink (a dark shadow) into a band along each line, about 2.5 px at the network's 512 px and
    proportionally wider on bigger canvases (``_smudge_px``). Regions without enough such
    pixels (thin or small ones: a neck, a strand of hair at 2048 px) use their spine, the pixels
    at least ``SPINE`` x as far from a line as their deepest one; regions of ink alone all of
    theirs. Big images are sampled on every other row and column.
    """
    color = _check_color(color, regions.labels.shape)
    n = regions.n
    step = 2 if regions.labels.size > 512 * 512 else 1
    labels = regions.labels[::step, ::step].ravel()
    dist = regions.ink_distance[::step, ::step].ravel()
    lab_ch = _lab8(color[::step, ::step])
    inner = dist > _smudge_px(regions.labels.shape)
    med = median_per_label([c[inner] for c in lab_ch], labels[inner], n)
    few = np.bincount(labels[inner], minlength=n + 1) < (8 if step > 1 else 1)
    few[0] = False
    if few.any():  # small or thin regions: their spine, the pixels farthest from the lines
        sel = few[regions.labels]
        lab_sel = _lab8(color[sel])
        lab_of = regions.labels[sel]
        dist_sel = regions.ink_distance[sel]
        deepest = np.zeros(n + 1, np.float32)
        np.maximum.at(deepest, lab_of, dist_sel)
        spine = (dist_sel > 0) & (dist_sel >= SPINE * deepest[lab_of])
        med_in = median_per_label([c[spine] for c in lab_sel], lab_of[spine], n)
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
             keep_white: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(flat palette, network palette, hinted flags, the flat palette without the hints); the
    unhinted page is white."""
    net = network_palette(regions, color)
    pal = net.copy()
    if keep_white:
        lab = cv2.cvtColor(net.reshape(-1, 1, 3), cv2.COLOR_RGB2Lab).reshape(-1, 3).astype(np.int32)
        chroma = np.hypot(lab[:, 1] - 128, lab[:, 2] - 128)
        pal[(lab[:, 0] >= 230) & (chroma <= 10)] = 255  # L* >= 90, nearly grey
    pal[page_regions(regions, net)] = 255
    pal[0] = 255
    unhinted = pal.copy()
    claimed, colours = hint_claims(regions, hints)
    pal[claimed] = colours[claimed]
    return pal, net, claimed, unhinted


def _flats(regions: Regions, pal: np.ndarray, unhinted: np.ndarray, claimed: np.ndarray,
           hints: HintRaster | None) -> np.ndarray:
    """uint8 HxWx3 flat colours. A hint in an open region (the page, or a figure joined to it
    through a gap wider than the closing size) colours only ``dense_hints.open_reach`` around
    its strokes, as the dense hints do; the rest of that region keeps its unhinted colour (the
    page stays paper)."""
    from .dense_hints import near_open_strokes, open_reach, open_regions  # builds on this module

    flats = paint_labels(pal, regions.labels)
    is_open = open_regions(regions) & claimed
    if hints is None or not is_open.any():
        return flats
    far = ~near_open_strokes(regions.labels, hints.mask, is_open, open_reach(regions.shape))
    if far.any():
        cv2.copyTo(paint_labels(unhinted, regions.labels), far.view(np.uint8), flats)
    return flats


def page_regions(regions: Regions, net_palette: np.ndarray) -> np.ndarray:
    """(n+1,) bool: the paper around the figure, which stays white and unshaded.

    Regions that touch the image border and that the network left as paper: nearly white
    (median L* >= ``PAPER_WHITE``, chroma <= ``PAPER_CHROMA``: paper with a little smoke on it),
    or, for a region as big as a page (``dense_hints.open_regions``: the background, perhaps
    joined to a figure through a gap), merely light (L* >= ``PAPER_LIGHT``, as
    ``ganime_core.paper``). A darker or coloured border region is a figure cut by the frame (a
    light grey strand of hair, a sleeve), or a sky the network chose, and keeps its colour.
    """
    from .dense_hints import open_regions  # dense_hints builds on this module

    lab = cv2.cvtColor(net_palette.reshape(-1, 1, 3), cv2.COLOR_RGB2Lab).reshape(-1, 3)
    lab = lab.astype(np.float32)
    lightness = lab[:, 0] * (100.0 / 255.0)
    grey = np.hypot(lab[:, 1] - 128.0, lab[:, 2] - 128.0) <= PAPER_CHROMA
    paper = ((lightness >= PAPER_WHITE) & grey) | ((lightness >= PAPER_LIGHT) & open_regions(regions))
    page = regions.touches_border & paper
    page[0] = False
    return page


def _region_classes(labels: np.ndarray, n: int, reach: int) -> np.ndarray:
    """(n+1,) int: a class per label such that regions closer than ``reach`` px differ.

    Greedy colouring of the graph of regions that touch, or face each other ``reach`` px apart
    along a row or column (biggest first); usually 4-8 classes. A filter run on one class at a
    time never mixes two neighbouring regions.
    """
    keys = []
    for step in sorted({1, max(1, reach - 1)}):
        for a, b in ((labels[:, :-step], labels[:, step:]), (labels[:-step], labels[step:])):
            m = a != b
            lo, hi = np.minimum(a[m], b[m]).astype(np.int64), np.maximum(a[m], b[m]).astype(np.int64)
            keys.append(np.unique(lo * (n + 1) + hi))
    pairs = np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
    lo, hi = pairs // (n + 1), pairs % (n + 1)
    graph = coo_matrix((np.ones(pairs.size, bool), (lo, hi)), shape=(n + 1, n + 1)).tocsr()
    graph = (graph + graph.T).tocsr()
    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    classes = [-1] * (n + 1)
    area = np.bincount(labels.ravel(), minlength=n + 1)
    for lab in np.argsort(-area, kind="stable").tolist():
        taken = {classes[j] for j in indices[indptr[lab]:indptr[lab + 1]]}
        c = 0
        while c in taken:
            c += 1
        classes[lab] = c
    return np.asarray(classes, np.int32)


ClassPlan = list[tuple[tuple[slice, slice], np.ndarray]]


def smooth_in_regions(values: np.ndarray, weights: np.ndarray, labels: np.ndarray, n: int,
                      sigma: float, plan: ClassPlan | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weighted smoothing of ``values`` (HxW or HxWxC; about a Gaussian of ``sigma`` px) that
    never mixes regions.

    Normalised convolution (two box filters) run per class of ``_region_classes``, in the box
    around the class: regions of one class lie farther apart than the filter reaches. ``plan``
    (``smoothing_plan`` of the same labels and ``sigma``) may be given when the same labels are
    smoothed again. Returns ``(smoothed, support)``: ``support`` (HxW) is the smoothed weight, 0
    where no weighted pixel of the pixel's own region is in reach (there ``smoothed`` is 0 too).
    """
    k = box_size(sigma)
    if plan is None:
        plan = smoothing_plan(labels, n, sigma)
    planes = values[..., None] if values.ndim == 2 else values
    num_w = np.empty((*weights.shape, planes.shape[2] + 1), np.float32)
    np.multiply(planes, weights[..., None], out=num_w[..., :-1])
    num_w[..., -1] = weights
    acc = np.zeros_like(num_w)
    for box, in_c in plan:
        buf = np.zeros_like(num_w[box])
        cv2.copyTo(num_w[box], in_c, buf)
        cv2.copyTo(cv2.blur(cv2.blur(buf, (k, k)), (k, k)), in_c, acc[box])
    support = np.ascontiguousarray(acc[..., -1])
    ok = (support > 1e-6)[..., None]
    smoothed = np.divide(acc[..., :-1], support[..., None], out=np.zeros_like(acc[..., :-1]), where=ok)
    return (smoothed[..., 0] if values.ndim == 2 else smoothed), support


def box_size(sigma: float) -> int:
    """The odd box width of which two passes smooth about as a Gaussian of ``sigma`` px."""
    return max(3, int(round(np.sqrt(6.0 * sigma * sigma + 1.0))) | 1)


def smoothing_plan(labels: np.ndarray, n: int, sigma: float) -> ClassPlan:
    """Per class of regions (``_region_classes``): the box the filter must run in (the class's
    pixels and the filter's reach around them) and the class's uint8 mask in that box."""
    k = box_size(sigma)
    classes = _region_classes(labels, n, reach=k)
    cls = np.take(classes.astype(np.uint8 if classes.max() < 255 else np.int32), labels)
    h, w = labels.shape
    reach = 2 * (k // 2)  # two box passes: beyond this a pixel no longer feels another
    plan: ClassPlan = []
    for c in range(int(classes.max()) + 1):
        in_c = np.asarray(cls == c, np.uint8)
        x, y, bw, bh = cv2.boundingRect(in_c)
        if bw == 0:
            continue
        box = (slice(max(0, y - reach), min(h, y + bh + reach)), slice(max(0, x - reach), min(w, x + bw + reach)))
        plan.append((box, np.ascontiguousarray(in_c[box])))
    return plan


def _work_step(shape: tuple[int, int]) -> int:
    """Sampling step for the shading: at most SHADING_WORK px on the long side."""
    return max(1, -(-max(shape) // SHADING_WORK))


def shading_from(regions: Regions, color: np.ndarray, net_palette: np.ndarray | None = None, *,
                 neutral: np.ndarray | None = None, sigma: float | None = None) -> np.ndarray:
    """float32 HxW: the network's luma over its region's robust mean, smoothed in each region.

    Per region, the reference is the median luma of the network away from the lines (its
    smudged band along each line, wider on big canvases, is left out). The ratio is smoothed
    with about a Gaussian (``sigma`` px, default the long side / ``SHADING_SIGMA``) that never
    crosses into another region, weighted towards pixels away from the lines, so grid textures
    and ink smudges do not become blotches and the line art decides where shading may change
    (``_shade``). Labels flagged in ``neutral`` ((n+1,) bool, e.g. the page) get exactly 1; so
    does any pixel with nothing of its region in reach. Computed on a grid of at most
    ``SHADING_WORK`` px (the network's own detail is coarser) and interpolated back.
    ``net_palette`` is accepted for compatibility and unused.
    """
    del net_palette
    color = _check_color(color, regions.labels.shape)
    h, w = regions.labels.shape
    f = _work_step((h, w))
    labels = regions.labels[f // 2::f, f // 2::f]
    y = cv2.cvtColor(np.ascontiguousarray(color[f // 2::f, f // 2::f]), cv2.COLOR_RGB2GRAY)
    dist = regions.ink_distance[f // 2::f, f // 2::f]
    inner = dist > _smudge_px((h, w))
    ref = _robust_luma(y, labels, inner, regions.n)
    ratio = (y.astype(np.float32) + 1.0) / (ref[labels] + 1.0)
    weight = np.where(inner, 1.0, np.where(dist > 0, 0.02, 0.0)).astype(np.float32)
    sigma = max(h, w) / SHADING_SIGMA if sigma is None else sigma
    smoothed, support = smooth_in_regions(ratio, weight, labels, regions.n, max(sigma / f, 0.5))
    shading = _shade(smoothed)
    shading[support <= 1e-6] = 1.0
    if neutral is not None and neutral.any():
        shading[neutral[labels]] = 1.0
    if f > 1:
        shading = cv2.resize(shading, (w, h), interpolation=cv2.INTER_LINEAR)
        if neutral is not None and neutral.any():  # exact at full resolution too
            np.copyto(shading, np.float32(1.0), where=np.take(neutral, regions.labels))
    np.clip(shading, 0.0, SHADING_MAX, out=shading)
    return shading


def _shade(ratio: np.ndarray) -> np.ndarray:
    """Smoothed luma ratio -> shading: texture removed, blotches softly limited.

    The deviation d from 1 becomes d^3 / (d^2 + SHADING_FLAT^2), which all but removes what is
    well below SHADING_FLAT (neutral where there is nothing to shade) and keeps real shading;
    then SHADING_RANGE * tanh(d / SHADING_RANGE), because a blotch far darker than its region
    is the network's noise, not a shadow the artist would paint.
    """
    d = ratio - 1.0
    d = d * d * d / (d * d + SHADING_FLAT * SHADING_FLAT)
    return (1.0 + SHADING_RANGE * np.tanh(d / SHADING_RANGE)).astype(np.float32)


def _smudge_px(shape: tuple[int, int]) -> float:
    """How far from a line the network's output is smudged by it, in pixels of this canvas.

    The network works at about 512 px and smudges 2-3 px there; its output is scaled up with
    the canvas, and so is the smudge.
    """
    return max(2.0, 2.5 * max(shape) / 512.0)


def _robust_luma(y: np.ndarray, labels: np.ndarray, inner: np.ndarray, n: int) -> np.ndarray:
    """(n+1,) float32: per-label median of uint8 ``y`` over the ``inner`` pixels, else all."""
    flat_lab, flat_y = labels.ravel(), y.ravel()
    out = median_per_label([flat_y], flat_lab, n)[:, 0]
    sel = inner.ravel()
    med = median_per_label([flat_y[sel]], flat_lab[sel], n)[:, 0]
    out = np.where(med >= 0, med, out)
    return np.maximum(out, 0).astype(np.float32)


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
    pal, net, claimed, unhinted = _palette(regions, color, hints, config.keep_white)
    flats = _flats(regions, pal, unhinted, claimed, hints)
    shading = shading_from(regions, color, neutral=page_regions(regions, net))
    if mode == "plain":
        composite = multiply_u8(color, lines)
    elif mode == "flats":
        composite = multiply_u8(flats, lines)
    else:  # flat x shading is clipped to white before the lines darken it
        composite = multiply_u8(multiply_u8(flats, shading), lines)
    return RegionLayers(flats=flats, shading=shading, lines=lines, composite=composite,
                        regions=regions, palette=pal, hinted=claimed)


__all__ = ["MODES", "RegionLayers", "compose", "hint_claims", "median_per_label", "network_palette",
           "page_regions", "region_colors", "shading_from", "shading_image", "smooth_in_regions", "smoothing_plan"]
