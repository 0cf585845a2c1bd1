"""Turning an image of a drawing into clean line art for the model.

``to_line_art`` gives float32 HxW in [0, 1] (1 = paper, 0 = ink). Scanned or photographed
paper that is coloured, greyish or unevenly lit is flattened to white by dividing by an
estimate of the paper (a large-scale max filter), and the darkest ink is stretched to black.
Clean digital line art passes through unchanged.
"""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.imageops import paper_level
from ganime_core.io.imageio import LoadedImage, composite_on_white


def to_grey(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB -> float32 luminance in [0, 1]."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0


def paper_estimate(grey: np.ndarray) -> np.ndarray:
    """The paper's brightness at every pixel.

    Lines are removed by a max filter at low resolution whose size (a tenth of the picture)
    is larger than strokes but smaller than lighting changes; solid black fills bigger than
    that (manga hair, shadows) are kept dark by never letting the paper fall below 60 % of
    the brightest paper.
    """
    h, w = grey.shape
    grid = max(1.0, max(h, w) / 256)
    window = max(max(1, round(w / grid)), max(1, round(h / grid))) // 10
    return paper_level(grey, window, grid=grid, pool="area", smooth="gaussian", bright_from="input")


def normalise_paper(grey: np.ndarray) -> np.ndarray:
    """Flatten the paper to 1.0 and stretch the ink, leaving clean digital art untouched."""
    bg = paper_estimate(grey)
    if float(np.percentile(bg, 5)) > 0.985:  # already white paper: keep the lines as drawn
        return grey
    flat = np.clip(grey / np.maximum(bg, 0.05), 0.0, 1.0)
    ink = flat[flat < 0.9]
    black = float(np.percentile(ink, 1)) if ink.size > 50 else 0.0
    black = min(black, 0.5)
    out = np.clip((flat - black) / max(1.0 - black, 1e-3), 0.0, 1.0)
    # paper grain just below white becomes white; lines keep their grey levels
    return np.where(out > 0.93, 1.0, out).astype(np.float32)


def to_line_art(image: LoadedImage | np.ndarray) -> np.ndarray:
    """An image of a drawing (any kind ``imageio`` reads) -> float32 HxW line art in [0, 1]."""
    if isinstance(image, LoadedImage):
        rgb = composite_on_white(image.rgb, image.alpha)
    else:
        rgb = image
    if rgb.ndim == 2:
        grey = rgb.astype(np.float32) / (255.0 if rgb.dtype == np.uint8 else 1.0)
    else:
        grey = to_grey(rgb)
    return normalise_paper(grey)
