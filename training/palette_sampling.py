"""Training colour codes (augmented-self references) and the paper mask.

A sample's colour code comes from its own ground truth, as a palette the artist might have
picked (the ground truth's k-means palette, jittered, some colours dropped) or as a reference
picture (the ground truth warped by a smooth random field, cropped and flipped, then the same
k-means). ``p_none`` of the samples get no code, so the model still works with nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ganime_core.inputs.encoding import PALETTE_SIZE, palette_from_image
from ganime_core.regions.segment import Regions


@dataclass(frozen=True)
class PaletteConfig:
    p_none: float = 0.3  # share of samples without a colour code
    p_reference: float = 0.5  # of the rest: from a warped copy (else the jittered palette)
    jitter_l: float = 3.0  # std of the jitter of L* per colour
    jitter_ab: float = 4.0  # std of the jitter of a*, b*
    p_drop: float = 0.15  # chance each colour (beyond the first) is dropped


def warp_reference(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A reference-like copy: smooth random warp (a 4x4 control grid), crop, flip."""
    h, w = rgb.shape[:2]
    grid = rng.normal(0.0, 0.06, (2, 4, 4)).astype(np.float32)
    dx = cv2.resize(grid[0], (w, h), interpolation=cv2.INTER_CUBIC) * w
    dy = cv2.resize(grid[1], (w, h), interpolation=cv2.INTER_CUBIC) * h
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    out = cv2.remap(rgb, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    s = float(rng.uniform(0.6, 1.0))
    ch, cw = max(8, int(h * s)), max(8, int(w * s))
    y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    out = out[y0:y0 + ch, x0:x0 + cw]
    return np.ascontiguousarray(out[:, ::-1] if rng.random() < 0.5 else out)


def sample_palette(rgb: np.ndarray, rng: np.random.Generator,
                   config: PaletteConfig = PaletteConfig()) -> np.ndarray | None:
    """A (k, 4) Lab+weight palette for a ground-truth picture, or None (no code)."""
    if rng.random() < config.p_none:
        return None
    seed = int(rng.integers(1 << 30))
    if rng.random() < config.p_reference:
        return palette_from_image(warp_reference(rgb, rng), PALETTE_SIZE, seed=seed, max_pixels=2048)
    pal = palette_from_image(rgb, PALETTE_SIZE, seed=seed, max_pixels=2048)
    if len(pal) == 0:
        return None
    pal = pal.copy()
    pal[:, 0] += rng.normal(0.0, config.jitter_l, len(pal))
    pal[:, 1:3] += rng.normal(0.0, config.jitter_ab, (len(pal), 2))
    pal[:, 0] = np.clip(pal[:, 0], 0.0, 100.0)
    keep = rng.random(len(pal)) >= config.p_drop
    keep[0] = True
    pal = pal[keep]
    pal[:, 3] = np.clip(pal[:, 3] * rng.uniform(0.7, 1.3, len(pal)), 1e-3, None)
    pal[:, 3] /= pal[:, 3].sum()
    return pal.astype(np.float32)


def paper_mask(rgb: np.ndarray, regions: Regions, *, min_ink_distance: float = 3.0,
               min_white_share: float = 0.5) -> np.ndarray:
    """bool HxW: near-white ground truth away from lines in a *page* region.

    A page region touches the border and is mostly white in the ground truth (at least
    ``min_white_share`` of its pixels). Near-white pixels of a coloured region (the pale middle
    of a face cut by the crop) belong to the figure, not the paper, and get no extra weight.
    """
    white = (rgb >= 245).all(axis=2)
    lab = regions.labels
    share = np.bincount(lab[white], minlength=regions.n + 1) / np.maximum(regions.areas, 1)
    page = regions.touches_border & (share >= min_white_share)
    return white & page[lab] & (regions.ink_distance > min_ink_distance)
