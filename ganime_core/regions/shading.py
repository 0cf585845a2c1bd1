"""The network's light and shadow per region, for the locked mode and the shading layer."""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.imageops import median_per_label

from .queries import check_color, smudge_px
from .segment import Regions
from .smoothing import smooth_in_regions, smoothing_plan

SHADING_MAX = 4.0
SHADING_SIGMA = 56.0  # smoothing: the long side / this, in px
SHADING_FLAT = 0.03  # shading within this of 1 is texture: neutral
SHADING_RANGE = 0.3  # shading is softly limited to 1 ± this
SHADING_WORK = 320  # px on the long side (at most) at which the shading is smoothed


def _work_step(shape: tuple[int, int]) -> int:
    """Sampling step for the shading: at most SHADING_WORK px on the long side."""
    return max(1, -(-max(shape) // SHADING_WORK))


def shading_from(regions: Regions, color: np.ndarray, *,
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
    """
    color = check_color(color, regions.labels.shape)
    h, w = regions.labels.shape
    f = _work_step((h, w))
    labels = regions.labels[f // 2::f, f // 2::f]
    y = cv2.cvtColor(np.ascontiguousarray(color[f // 2::f, f // 2::f]), cv2.COLOR_RGB2GRAY)
    dist = regions.ink_distance[f // 2::f, f // 2::f]
    inner = dist > smudge_px((h, w))
    ref = _robust_luma(y, labels, inner, regions.n)
    ratio = (y.astype(np.float32) + 1.0) / (ref[labels] + 1.0)
    weight = np.where(inner, 1.0, np.where(dist > 0, 0.02, 0.0)).astype(np.float32)
    sigma = max(h, w) / SHADING_SIGMA if sigma is None else sigma
    step_sigma = max(sigma / f, 0.5)
    plan = regions.memo(("shading_plan", f, step_sigma),  # the regions' alone: made once per picture
                        lambda: smoothing_plan(labels, regions.n, step_sigma))
    smoothed, support = smooth_in_regions(ratio, weight, labels, regions.n, step_sigma, plan)
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
