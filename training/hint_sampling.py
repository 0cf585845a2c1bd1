"""Simulated colour hints: strokes and dots an artist might paint, drawn from the ground truth.

Each stroke starts in a region of near-constant colour, walks a few steps without leaving
it, and takes the region's median colour. Strokes are ``ganime_core.inputs.hints.Stroke`` objects
rasterised by ``ganime_core.inputs.hints.rasterize``, the code the app uses, so training and the
app never disagree about the hint channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ganime_core.color import lab_to_rgb, rgb_to_lab
from ganime_core.inputs.hints import HintRaster, Stroke, rasterize


@dataclass(frozen=True)
class HintConfig:
    p_none: float = 0.3  # share of samples with no hints at all
    max_strokes: int = 10
    min_width: float = 3.0  # brush diameter in pixels
    max_width: float = 12.0
    max_steps: int = 8  # points per stroke after the first (0 = a dot)
    step: tuple[float, float] = (3.0, 10.0)
    tolerance: int = 14  # flood-fill colour tolerance defining a region
    flat_std: float = 10.0  # local std (grey levels) below which a pixel is "flat"
    min_region: int = 30  # pixels


def flat_mask(rgb: np.ndarray, max_std: float) -> np.ndarray:
    """Pixels whose 5x5 neighbourhood is near-constant in colour and not paper white."""
    f = rgb.astype(np.float32)
    mean = cv2.blur(f, (5, 5))
    var = cv2.blur(f * f, (5, 5)) - mean * mean
    std = np.sqrt(np.maximum(var, 0.0).max(axis=2))
    white = (rgb >= 245).all(axis=2)
    return (std < max_std) & ~white


def region_at(rgb: np.ndarray, x: int, y: int, tolerance: int) -> np.ndarray:
    """The connected region of similar colour around (x, y) (flood fill, fixed range)."""
    h, w = rgb.shape[:2]
    mask = np.zeros((h + 2, w + 2), np.uint8)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
    tol = (tolerance,) * 3
    cv2.floodFill(np.ascontiguousarray(rgb), mask, (x, y), (0, 0, 0), tol, tol, flags)
    return mask[1:-1, 1:-1].astype(bool)


def sample_strokes(rgb: np.ndarray, rng: np.random.Generator,
                   config: HintConfig = HintConfig()) -> list[Stroke]:
    """0..``max_strokes`` strokes inside flat colour regions of ``rgb`` (uint8 HxWx3)."""
    return [s for s, _ in sample_strokes_with_segments(rgb, rng, config)]


def sample_strokes_with_segments(rgb: np.ndarray, rng: np.random.Generator,
                                 config: HintConfig = HintConfig()) -> list[tuple[Stroke, np.ndarray]]:
    """Strokes as :func:`sample_strokes`, each with its ground-truth colour segment (bool HxW).

    The segment is the connected region of similar colour the stroke was drawn in; it crosses
    line-art lines where the colour goes on (the strands of one head of hair).
    """
    if rng.random() < config.p_none:
        return []
    n = int(rng.integers(1, config.max_strokes + 1))
    flat = flat_mask(rgb, config.flat_std)
    ys, xs = np.nonzero(flat)
    if len(xs) == 0:
        return []
    strokes: list[tuple[Stroke, np.ndarray]] = []
    for _ in range(n * 3):  # a few spare tries for seeds in tiny regions
        if len(strokes) >= n:
            break
        i = int(rng.integers(len(xs)))
        found = _stroke_from(rgb, int(xs[i]), int(ys[i]), rng, config)
        if found is not None:
            strokes.append(found)
    return strokes


def _stroke_from(rgb: np.ndarray, x: int, y: int, rng: np.random.Generator,
                 config: HintConfig) -> tuple[Stroke, np.ndarray] | None:
    region = region_at(rgb, x, y, config.tolerance)
    if region.sum() < config.min_region:
        return None
    width = float(rng.uniform(config.min_width, config.max_width))
    r = int(np.ceil(width / 2.0)) + 1
    inner = cv2.erode(region.astype(np.uint8), cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))) > 0
    if not inner[y, x]:
        width = float(config.min_width)
        r = int(np.ceil(width / 2.0)) + 1
        inner = cv2.erode(region.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0
        if not inner[y, x]:
            return None
    points = [(float(x), float(y))]
    angle = float(rng.uniform(0, 2 * np.pi))
    h, w = region.shape
    for _ in range(int(rng.integers(0, config.max_steps + 1))):
        angle += float(rng.normal(0.0, 0.5))
        step = float(rng.uniform(*config.step))
        nx, ny = points[-1][0] + step * np.cos(angle), points[-1][1] + step * np.sin(angle)
        ix, iy = int(round(nx)), int(round(ny))
        if not (0 <= ix < w and 0 <= iy < h and inner[iy, ix] and _segment_inside(inner, points[-1], (nx, ny))):
            break
        points.append((float(ix), float(iy)))
    color = np.median(rgb[region], axis=0)
    stroke = Stroke(points=tuple(points), color=tuple(int(c) for c in color), width=width)  # type: ignore[arg-type]
    return stroke, region


def _segment_inside(inner: np.ndarray, p0: tuple[float, float], p1: tuple[float, float]) -> bool:
    for t in np.linspace(0.0, 1.0, 6):
        x = int(round(p0[0] + (p1[0] - p0[0]) * t))
        y = int(round(p0[1] + (p1[1] - p0[1]) * t))
        if not inner[y, x]:
            return False
    return True


def sample_hints(rgb: np.ndarray, rng: np.random.Generator,
                 config: HintConfig = HintConfig()) -> tuple[HintRaster, list[Stroke]]:
    """Simulated strokes and their raster (via the app's rasteriser) for a ground-truth image."""
    h, w = rgb.shape[:2]
    strokes = sample_strokes(rgb, rng, config)
    return rasterize(strokes, w, h), strokes


def recolour_segment(rgb: np.ndarray, found: list[tuple[Stroke, np.ndarray]],
                     rng: np.random.Generator, *, chroma: tuple[float, float] = (25.0, 75.0),
                     lightness: float = 12.0) -> tuple[np.ndarray, list[tuple[Stroke, np.ndarray]]]:
    """Give one hinted colour segment a new colour, in the ground truth and its hints alike.

    Simulated hints always carry the picture's own (mostly skin, hair, cloth) colours, so a
    network trained on them only follows hints of the colours it would have guessed. Here one
    segment's Lab a/b is moved to a random hue and chroma (its L by at most ``lightness``),
    keeping its shading (every pixel moves by the same offset), and every stroke seeded in that
    segment takes the new median: the network learns that the hint, not the picture, decides.
    """
    if not found:
        return rgb, found
    k = int(rng.integers(len(found)))
    region = found[k][1]
    lab = rgb_to_lab(rgb[region])
    med = np.median(lab, axis=0)
    hue = float(rng.uniform(0.0, 2.0 * np.pi))
    c = float(rng.uniform(*chroma))
    new_l = float(np.clip(med[0] + rng.uniform(-lightness, lightness), 20.0, 92.0))
    target = np.array([new_l, c * np.cos(hue), c * np.sin(hue)], np.float32)
    out = rgb.copy()
    out[region] = lab_to_rgb(lab + (target - med))
    colour = tuple(int(v) for v in np.median(out[region], axis=0))
    recoloured = []
    for stroke, seg in found:
        x, y = (int(round(v)) for v in stroke.points[0])
        if region[y, x]:
            stroke = Stroke(points=stroke.points, color=colour, width=stroke.width)  # type: ignore[arg-type]
        recoloured.append((stroke, seg))
    return out, recoloured
