"""Bring the network's colours to a colour guide's palette, keeping where they were placed.

The network reads the colour code (a palette or a reference picture) and places colours
plausibly — hair, skin, clothes — but with a few thousand training pictures it moves them
only part of the way to the guide's colours. This step finishes the job the way palette-based
recolouring does (Chang et al. 2015, "Palette-based photo recoloring"): the output's own main
colours (k-means in Lab over the coloured pixels, paper and lines left out) are matched to the
guide's colours, and every pixel moves by a soft, distance-weighted blend of its clusters'
shifts, so the shading, the edges and the network's choice of *which* part gets *which*
colour stay, while the colours themselves become the guide's. Paper stays paper.

``strength`` 0 leaves the output alone, 1 moves each cluster all the way to its guide colour.
"""

from __future__ import annotations

import numpy as np

from ganime_core.color import kmeans_lab, lab_to_rgb, rgb_to_lab, sample_rows
from ganime_core.constants import PAPER_WHITE_CHROMA, PAPER_WHITE_L

CLUSTERS = 6
SAMPLE = 4096
SIGMA = 14.0  # ΔE76 width of the soft assignment of a pixel to the output's clusters
LIGHTNESS_SHARE = 0.5  # a cluster moves this share of the way in L (the rest is shading)
STRENGTH = 0.6  # chosen by measurement on the real pairs (docs/colour.md §4.5)


def colour_weight(lab: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """float32 HxW in [0, 1]: how much a pixel is coloured area (0 on paper white and on lines)."""
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    paper = (np.clip((lab[..., 0] - PAPER_WHITE_L) / 5.0, 0.0, 1.0)
             * np.clip((PAPER_WHITE_CHROMA - chroma) / 4.0, 0.0, 1.0))
    off_line = np.clip((np.asarray(lines, np.float32) - 0.3) / 0.4, 0.0, 1.0)
    return ((1.0 - paper) * off_line).astype(np.float32)


def output_clusters(lab: np.ndarray, weight: np.ndarray, k: int = CLUSTERS,
                    seed: int = 0) -> np.ndarray:
    """(k', 3) Lab centres of the output's main colours among well-coloured pixels."""
    px = lab[weight > 0.5]
    if len(px) < 2 * k:
        return np.zeros((0, 3), np.float32)
    return kmeans_lab(sample_rows(px, SAMPLE, seed), k, seed)[1]


def match(centres: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """(k, 3) the guide colour each output cluster moves to: the nearest in ΔE76 (a, b count
    double, so a dark-blue reference colour is not matched to a dark-red hair cluster)."""
    scale = np.array([1.0, 2.0, 2.0], np.float32)
    d = np.linalg.norm((centres[:, None, :] - palette[None, :, :3]) * scale, axis=2)
    return palette[np.argmin(d, axis=1), :3]


def transfer(rgb: np.ndarray, lines: np.ndarray, palette: np.ndarray | None,
             strength: float = STRENGTH, *, keep: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """uint8 HxWx3: ``rgb`` (the network's colour, no line overlay) moved towards ``palette``.

    ``lines``: float32 HxW in [0, 1] (1 = paper) at the same size; ``palette``: (m, 4) Lab +
    weight as ``ganime_core.inputs.encoding.palette_from_image`` gives; ``keep``: bool HxW pixels left
    exactly as they are (what the artist's hints claimed: a hint beats the guide).
    """
    if strength <= 0 or palette is None or len(palette) == 0:
        return rgb
    lab = rgb_to_lab(rgb)
    weight = colour_weight(lab, lines)
    if keep is not None:
        weight[np.asarray(keep, bool)] = 0.0
    centres = output_clusters(lab, weight, seed=seed)
    if len(centres) == 0:
        return rgb
    shift = (match(centres, palette) - centres) * np.float32(min(strength, 1.0))
    shift[:, 0] *= LIGHTNESS_SHARE
    d2 = ((lab[..., None, :] - centres) ** 2).sum(axis=-1)  # HxWxk
    soft = np.exp(-(d2 - d2.min(axis=-1, keepdims=True)) / np.float32(2.0 * SIGMA**2))
    soft /= soft.sum(axis=-1, keepdims=True)
    moved = lab + (soft @ shift) * weight[..., None]
    out = lab_to_rgb(moved)
    out[weight == 0] = rgb[weight == 0]  # untouched pixels stay bit-exact (no Lab round trip)
    return out
