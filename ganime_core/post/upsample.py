"""The network's colour brought to the full resolution with its edges on the lines.

The network colours a small copy of the page (working size, e.g. 512 px); the lines are laid
over it at full size. A plain resize leaves the colour a wash under crisp lines: where two
regions of different colour meet at a line, the network's own blur (a few working pixels) and
the resize's support spread a band of mixed colour over many full-size pixels (34-85 px at
2048²). :func:`upsample_colour` keeps the resized colour away from the lines and, within
``band`` px of a line, gives each pixel the colour of the nearest "safe" pixel: one at least
``band`` px from any line, or, in a region too thin for that, one on its middle ridge. The
nearest safe pixel of a pixel beside a line lies on the same side of that line, so the colour
changes exactly at the line, at full resolution, whatever the scale; the line art (with any
barriers burnt in) is the only guide, so no segmentation is needed. Everything is whole-image
OpenCV / numpy work (two distance transforms, a dilation, a gather).

How well it does is measured on a synthetic page (``bench/pages.py``: ``two_region_page``,
``mixed_band_width``), the same in the benchmark and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

INK = 0.5  # line art below this is a line for the guide
BAND_WS = 4.0  # working-size px of mixing on each side of a line (network blur + resize support)
RIDGE_TOL = 0.5  # px: a pixel this close to the largest distance around it is on a ridge
RIDGE_MIN = 0.3  # a ridge pixel nearer a line than this x band is not safe (a spur)


def band_width(scale: float, band_ws: float = BAND_WS) -> float:
    """Full-size px replaced beside each line when the colour is enlarged ``scale`` x.

    None at the working size itself (scale 1): there the network's colour is left as it is.
    """
    return 0.0 if scale <= 1.0 else band_ws * scale


@dataclass
class EdgePlan:
    """Where each pixel beside a line takes its colour from, for one line art and working size.

    ``todo``: flat indices of the pixels that take another's colour; ``source``: that pixel's
    flat index (both int32, empty when nothing is moved). Computed once per line art (it does
    not depend on the colour), so a new hint only costs the resize and one gather.
    """

    size: tuple[int, int]  # (width, height) at full size
    small_size: tuple[int, int]  # (w, h) of the colour it was planned for
    todo: np.ndarray
    source: np.ndarray
    weight: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint16))  # of the source, /256
    copies: int = 0  # the first ``copies`` entries have weight 256 (a plain copy)


def plan_edges(lines: np.ndarray, small_size: tuple[int, int], *, band: float | None = None) -> EdgePlan:
    """The :class:`EdgePlan` of line art (float HxW, 1 = paper) for colour of ``small_size`` (w, h).

    ``band``: px beside the lines that take the colour of their nearest safe pixel (default
    :func:`band_width` of the scale).
    """
    height, width = lines.shape
    w, h = small_size
    band = band_width(max(width / w, height / h)) if band is None else float(band)
    none = np.zeros(0, np.int32)
    plan = EdgePlan((width, height), (w, h), none, none)
    ink = (lines < INK).view(np.uint8)
    if band <= 0.0 or not ink.any() or ink.all():
        return plan
    free = ink ^ 1
    dist = cv2.distanceTransform(free, cv2.DIST_L2, 3)
    safe = _safe(dist, band)
    if safe.all() or not safe.any():
        return plan
    _, nearest = cv2.distanceTransformWithLabels(safe.view(np.uint8) ^ 1, cv2.DIST_L2, 3,
                                                 labelType=cv2.DIST_LABEL_PIXEL)
    todo = np.flatnonzero(~safe).astype(np.int32)
    source = np.flatnonzero(safe).astype(np.int32)[nearest.reshape(-1)[todo] - 1]
    # never across a line: the source must lie in the same piece of free paper; ink (solid
    # fills, line cores) keeps its own colour
    _, piece = cv2.connectedComponents(free, connectivity=4, ltype=cv2.CV_32S)
    piece = piece.reshape(-1)
    own = piece[todo]
    keep = (own == piece[source]) & (own > 0)
    todo, source = todo[keep], source[keep]
    # fully replaced up to 3/4 of the band, fading to the pixel's own colour at its edge (1/256
    # steps); the full copies first, so they take one gather
    fade = np.float32(4.0) * (np.float32(1.0) - dist.reshape(-1)[todo] / np.float32(band))
    weight = np.rint(np.clip(fade, 0.0, 1.0) * 256).astype(np.uint16)
    order = np.argsort(weight < 256, kind="stable")
    plan.todo, plan.source, plan.weight = todo[order], source[order], weight[order]
    plan.copies = int(np.count_nonzero(weight == 256))
    return plan


def upsample_colour(small: np.ndarray, lines: np.ndarray | None = None, *, plan: EdgePlan | None = None,
                    band: float | None = None) -> np.ndarray:
    """uint8 hxwx3 colour -> uint8 HxWx3 at full size, its edges on the lines (see the module doc).

    Give the line art (float HxW, 1 = paper; ``band`` as in :func:`plan_edges`) or a ``plan``
    made for it. With no band, or no ink, this is a plain bicubic resize.
    """
    h, w = small.shape[:2]
    if plan is None:
        if lines is None:
            raise ValueError("upsample_colour needs the line art or a plan")
        plan = plan_edges(lines, (w, h), band=band)
    elif plan.small_size != (w, h):
        raise ValueError(f"the plan is for {plan.small_size} colour, got {(w, h)}")
    width, height = plan.size
    color = small if (h, w) == (height, width) else cv2.resize(small, (width, height),
                                                               interpolation=cv2.INTER_CUBIC)
    if plan.todo.size == 0:
        return color
    rgba = cv2.cvtColor(color, cv2.COLOR_RGB2RGBA)  # a new array: ``small`` is never changed
    words = rgba.view(np.uint32).reshape(-1)  # one 32-bit gather per pixel
    k = plan.copies
    words[plan.todo[:k]] = words[plan.source[:k]]
    if k < plan.todo.size:
        px = rgba.reshape(-1, 4)
        todo, wt = plan.todo[k:], plan.weight[k:, None]
        mine, theirs = px[todo].astype(np.uint16), px[plan.source[k:]].astype(np.uint16)
        px[todo] = ((theirs * wt + mine * (256 - wt) + 128) >> 8).astype(np.uint8)
    return cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB)


def _safe(dist: np.ndarray, band: float) -> np.ndarray:
    """bool HxW: pixels that keep their own colour.

    Those ``band`` px or more from any line, and those on the middle ridge of a region too
    thin for that (a local maximum of the distance to the lines, within ``RIDGE_TOL``), at
    least ``RIDGE_MIN`` x band from a line. Specks of safe pixels smaller than a quarter band²
    (the tips of ridge spurs, short ridges) are dropped: they would print a disc of their
    colour around them.
    """
    peak = cv2.dilate(dist, np.ones((3, 3), np.uint8))
    np.subtract(peak, np.float32(RIDGE_TOL), out=peak)
    safe = (dist >= band) | ((dist >= peak) & (dist >= max(1.0, RIDGE_MIN * band)))
    n, cc, stats, _ = cv2.connectedComponentsWithStats(safe.view(np.uint8), connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] < max(4.0, band * band / 4.0)
    small[0] = False
    if small.any():
        safe &= ~small[cc]
    return safe
