"""Colour that stays colour: white holes the network leaves inside a figure's regions are filled.

The dual of ``ganime_core.post.paper``. Where the network is unsure (the point of a face or a
sheet of dark hair farthest from any line) it sometimes paints a patch of paper white, a disc
in the middle of a coloured region. A region of the line art that is not the page, that no
hint claims, and that the network coloured for the most part (at most ``MAX_SHARE`` of its
off-line pixels white) gets its white pixels, and the light rim the network paints around them,
back in the colour around them: a smooth average of the coloured pixels near each hole (a
normalised blur), the region's median where none is near, blended in over ``RAMP`` px so the
patch leaves no edge. A region the network made mostly white (a white shirt, the whites of the
eyes) is left as it is, and so is every pixel on or next to a line.

Filled this way at working sizes up to ``HOLES_MAX_SIDE``, where the network paints such
discs. Above it its white patches are mostly highlights, which a fill would flatten, so there
``find_holes`` only tells ``ganime_core.post.clean`` which pixels not to sample: the smoothing
inside each region then carries the colour around a patch into it (a patch wider than its
reach stays white). Why and how this was measured: ``docs/colour.md`` §4.3.
"""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.constants import HOLE_WHITE, OFF_LINE_PX
from ganime_core.imageops import WHITE_LAB8, lab8, median_per_label, paint_labels
from ganime_core.regions.queries import open_regions
from ganime_core.regions.segment import Regions

HOLES_MAX_SIDE = 384  # working sizes (long side) where holes are filled; see above
WHITE = HOLE_WHITE
MAX_SHARE = 0.5  # a region at most this white (off the lines) is coloured: its white is a hole
OFF_LINE = OFF_LINE_PX  # nearer pixels are the line's edge, left alone
RAMP = 3.0  # px over which the fill blends into the network's own colour
RIM_L8 = 4  # 8-bit L above the region's median: the light rim around a hole ...
RIM_PX = 8  # ... taken up to this many px out from it
AROUND_SIGMA = 6.0  # px (at the reduced size) of the blur that carries the colour around a hole in
AROUND_SIDE = 128  # the box around the holes is reduced to at most this many px on its long side


def find_holes(rgb: np.ndarray, regions: Regions, claimed: np.ndarray | None = None, *,
               max_share: float = MAX_SHARE) -> tuple[np.ndarray, np.ndarray] | None:
    """(bool HxW holes, (n+1,) bool regions that have them), or None: the paper-white pixels
    away from the lines in regions that are not the page, that no hint claims (``claimed``:
    bool HxW pixels a hint decides) and that the network coloured for the most part."""
    found = _find(rgb, regions, claimed, max_share)
    return None if found is None else found[:2]


def _find(rgb: np.ndarray, regions: Regions, claimed: np.ndarray | None,
          max_share: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """``find_holes``, with the white and the off-line masks it made (``fill_holes`` needs them)."""
    white = cv2.inRange(rgb, (WHITE,) * 3, (255,) * 3).view(bool)
    off = regions.memo(("off_line", OFF_LINE), lambda: regions.ink_distance > OFF_LINE)
    labels = regions.labels
    n = regions.n
    holes = white & off
    if not holes.any():
        return None
    count = regions.memo(("off_line_area", OFF_LINE), lambda: np.bincount(labels[off], minlength=n + 1))
    n_white = np.bincount(labels[holes], minlength=n + 1)
    eligible = (n_white > 0) & (n_white <= max_share * count) & ~open_regions(regions)
    if claimed is not None and claimed.any():
        eligible &= np.bincount(labels[claimed], minlength=n + 1) == 0
    eligible[0] = False
    if not eligible.any():
        return None
    holes &= np.take(eligible, labels)
    return holes, eligible, white, off


def fill_holes(rgb: np.ndarray, regions: Regions, claimed: np.ndarray | None = None, *,
               max_share: float = MAX_SHARE, ramp: float = RAMP) -> np.ndarray:
    """uint8 HxWx3 ``rgb`` with the white holes of coloured regions filled (a new array; the
    input itself is returned when there is nothing to fill). ``claimed``: bool HxW pixels a
    hint decides (their regions are left to the hint)."""
    found = _find(rgb, regions, claimed, max_share)
    if found is None:
        return rgb
    holes, eligible, white, off = found
    labels = regions.labels
    n = regions.n
    in_eligible = np.take(eligible, labels)
    # the colour of each region: the median of its coloured off-line pixels (in Lab), on every
    # other row and column (all of them when an eligible region has few such samples)
    source = off & ~white
    step = 2 if np.bincount(labels[::2, ::2][source[::2, ::2]], minlength=n + 1)[eligible].min() >= 8 else 1
    src = source[::step, ::step]
    lab_s = lab8(rgb[::step, ::step])
    med = median_per_label([lab_s[..., c][src] for c in range(3)], labels[::step, ::step][src], n)
    med[med[:, 0] < 0] = WHITE_LAB8  # no coloured pixel: white
    # the rest works in the box around the holes and their rims
    x, y, w, h = cv2.boundingRect(holes.view(np.uint8))
    pad = RIM_PX + 1
    box = (slice(max(0, y - pad), y + h + pad), slice(max(0, x - pad), x + w + pad))
    grown = _grow(holes[box], lab8(rgb[box]), med, labels[box], (off & in_eligible)[box])
    fill = cv2.cvtColor(np.clip(med, 0, 255).astype(np.uint8)[:, None], cv2.COLOR_Lab2RGB)[:, 0]
    # the fill: a smooth average of the coloured pixels around each hole (normalised blur),
    # the region's median where no such pixel is near
    known = (off & ~white & in_eligible)[box] & ~grown
    near = _around(rgb[box], known)
    filled = paint_labels(fill, labels[box])
    cv2.copyTo(near, np.asarray(near.any(axis=2), np.uint8), filled)
    inside = cv2.distanceTransform(grown.view(np.uint8), cv2.DIST_L2, 3)
    alpha = np.minimum(inside, ramp) * np.float32(1.0 / ramp)
    out = rgb.copy()
    out[box] = cv2.blendLinear(filled, rgb[box], alpha, 1.0 - alpha)
    return out


def _around(rgb: np.ndarray, known: np.ndarray) -> np.ndarray:
    """uint8 HxWx3: at each pixel the Gaussian-weighted mean of the ``known`` pixels near it
    (0 where none is near), worked out at most ``AROUND_SIDE`` px on the long side."""
    h, w = known.shape
    f = max(1, -(-max(h, w) // AROUND_SIDE))
    size = (-(-w // f), -(-h // f))
    weight = cv2.resize(known.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    colour = cv2.resize(rgb.astype(np.float32) * known[..., None], size, interpolation=cv2.INTER_AREA)
    weight = cv2.GaussianBlur(weight, (0, 0), AROUND_SIGMA)
    colour = cv2.GaussianBlur(colour, (0, 0), AROUND_SIGMA)
    mean = colour / np.maximum(weight, 1e-6)[..., None]
    mean[weight < 1e-3] = 0
    mean = cv2.resize(mean, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(mean + 0.5, 0, 255).astype(np.uint8)


def _grow(holes: np.ndarray, lab: np.ndarray, med: np.ndarray, labels: np.ndarray,
          allowed: np.ndarray) -> np.ndarray:
    """The holes with the soft rim the network paints around them: pixels next to a hole, in
    the same region, clearly lighter (``RIM_L8``) and no more coloured than the region's median."""
    med = np.clip(med, 0, 255)
    lightest = np.take(np.minimum(med[:, 0] + RIM_L8, 256).astype(np.int16), labels)
    chroma_med = np.abs(med[:, 1] - 128) + np.abs(med[:, 2] - 128)
    most = np.take((chroma_med + RIM_L8).astype(np.int16), labels)
    chroma = np.abs(lab[..., 1].astype(np.int16) - 128) + np.abs(lab[..., 2].astype(np.int16) - 128)
    rim = allowed & (lab[..., 0] >= lightest) & (chroma <= most)
    grown = holes.view(np.uint8)
    keep = (rim | holes).view(np.uint8)
    kernel = np.ones((3, 3), np.uint8)  # 8-connected: a rim grows as fast along the diagonals
    for _ in range(RIM_PX):
        nxt = np.asarray(cv2.bitwise_and(cv2.dilate(grown, kernel), keep), np.uint8)
        if cv2.countNonZero(nxt) == cv2.countNonZero(grown):
            break
        grown = nxt
    return grown.view(bool)
