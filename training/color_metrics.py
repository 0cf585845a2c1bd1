"""What the eye sees: colourfulness, whole-picture colour error, grid texture, paper, palettes.

- :func:`colourfulness`: Hasler & Süsstrunk (2003), on sRGB 0..255.
- :func:`mean_delta_e`: whole-picture mean CIEDE2000 to the ground truth.
- :func:`grid_energy`: the periodic texture a strided decoder leaves (checkerboard): in flat areas (far from
  lines), the luma minus its local mean, averaged per phase of each period in ``PERIODS``; the
  energy is the mean square of those phase means, summed over the periods (grey levels²).
- :func:`paper_mask` / :func:`paper_white`: paper far from lines in a border region (and white
  in the ground truth when there is one) and the share of it the output leaves white.
- :func:`palette_distance`: weighted chamfer distance (ΔE76) between two Lab+weight palettes.
"""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.color import delta_e2000, rgb_to_lab
from ganime_core.inputs.encoding import palette_from_image
from ganime_core.regions.queries import open_regions
from ganime_core.regions.segment import Regions, segment

PERIODS = (2, 4)  # the decoder's stride period and its first harmonic (the last two up-levels)
PAPER_DISTANCE = 8.0  # px from the nearest line for "far from lines"
WHITE = 240  # every channel at least this is white paper


def colourfulness(rgb: np.ndarray) -> float:
    f = np.asarray(rgb, np.float64).reshape(-1, 3)
    rg = f[:, 0] - f[:, 1]
    yb = 0.5 * (f[:, 0] + f[:, 1]) - f[:, 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def mean_delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(delta_e2000(rgb_to_lab(a), rgb_to_lab(b)).mean())


def flat_area(lines: np.ndarray, distance: float = 4.0) -> np.ndarray:
    """bool HxW: pixels more than ``distance`` px from any line (lines float, 1 = paper)."""
    ink = (np.asarray(lines, np.float32) < 0.75).astype(np.uint8)
    if not ink.any():
        return np.ones(ink.shape, bool)
    return cv2.distanceTransform(1 - ink, cv2.DIST_L2, 3) > distance


def grid_energy(rgb: np.ndarray, lines: np.ndarray, periods: tuple[int, ...] = PERIODS) -> float:
    """Periodic texture energy of ``rgb`` (uint8 HxWx3) in the flat areas of ``lines``."""
    luma = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)
    flat = flat_area(lines)
    h, w = luma.shape
    yy, xx = np.mgrid[0:h, 0:w]
    total = 0.0
    for p in periods:
        detail = luma - cv2.blur(luma, (2 * p + 1, 2 * p + 1))
        phase = ((yy % p) * p + (xx % p))[flat]
        vals = detail[flat]
        if vals.size < 4 * p * p:
            continue
        sums = np.bincount(phase, vals, minlength=p * p)
        counts = np.maximum(np.bincount(phase, minlength=p * p), 1)
        means = sums / counts
        total += float(np.mean((means - means.mean()) ** 2))
    return total


def paper_mask(lines: np.ndarray, target: np.ndarray | None = None,
               regions: Regions | None = None) -> np.ndarray:
    """bool HxW: the page far from lines (white in ``target`` if given).

    The page is what the app treats as the page (``regions.queries.open_regions``: a region that
    touches the border and covers more than a fifth of the picture) and, given the ground truth,
    mostly white there. A white collar or sleeve cut by the frame of a full-bleed picture is
    the character's, not the page, and is not counted.
    """
    regions = regions or segment(lines)
    page = open_regions(regions)
    white = None
    if target is not None:
        white = (np.asarray(target) >= WHITE).all(axis=2)
        page &= 2 * np.bincount(regions.labels[white], minlength=regions.n + 1) >= regions.areas
    mask = page[regions.labels] & (regions.ink_distance > PAPER_DISTANCE)
    return mask if white is None else mask & white


def paper_white(rgb: np.ndarray, mask: np.ndarray) -> float | None:
    """Share of ``mask`` where the output is white paper (None when the mask is empty)."""
    if not mask.any():
        return None
    return float((np.asarray(rgb)[mask] >= WHITE).all(axis=1).mean())


def palette_distance(p: np.ndarray, q: np.ndarray) -> float:
    """Symmetric weighted chamfer distance (ΔE76) between two (k, 4) Lab+weight palettes."""
    if len(p) == 0 or len(q) == 0:
        return float("nan")
    d = np.linalg.norm(p[:, None, :3] - q[None, :, :3], axis=2)
    wp, wq = p[:, 3] / p[:, 3].sum(), q[:, 3] / q[:, 3].sum()
    return float(0.5 * (np.sum(wp * d.min(axis=1)) + np.sum(wq * d.min(axis=0))))


def output_palette(rgb: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """The main colours of an output, lines and paper left out."""
    keep = flat_area(lines, 1.5) & ~(np.asarray(rgb) >= WHITE).all(axis=2)
    return palette_from_image(rgb, mask=keep if keep.sum() > 32 else None)
