"""Palette transfer: the network's main colours move to the guide's, placement and paper kept."""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.color import rgb_to_lab
from ganime_core.inputs.encoding import palette_from_colors
from ganime_core.post.palette_transfer import transfer


def _page() -> tuple[np.ndarray, np.ndarray]:
    """Network-like colour: a shaded red disc and a blue box on white paper, with their lines."""
    rgb = np.full((160, 240, 3), 255, np.uint8)
    lines = np.ones((160, 240), np.float32)
    yy, _ = np.mgrid[0:160, 0:240]
    disc = (np.hypot(*np.mgrid[-80:80, -60:180]) < 45)
    shade = (1.15 - 0.8 * (yy / 160.0))[..., None]
    rgb[disc] = np.clip(np.array([190, 60, 60]) * shade[disc], 0, 255).astype(np.uint8)
    rgb[40:120, 140:220] = (60, 80, 190)
    cv2.circle(lines, (60, 80), 45, 0.0, 2)
    cv2.rectangle(lines, (140, 40), (220, 120), 0.0, 2)
    return rgb, lines


def _median_lab(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.median(rgb_to_lab(rgb[mask]), axis=0)


def test_nothing_changes_without_a_guide_or_strength() -> None:
    rgb, lines = _page()
    assert transfer(rgb, lines, None) is rgb
    pal = palette_from_colors([(240, 150, 40)])
    assert transfer(rgb, lines, pal, 0.0) is rgb


def test_each_colour_moves_towards_its_nearest_guide_colour_and_paper_stays() -> None:
    rgb, lines = _page()
    orange, green = (235, 120, 30), (40, 170, 90)
    pal = palette_from_colors([orange, green])
    out = transfer(rgb, lines, pal, 1.0)
    disc = np.zeros(lines.shape, bool)
    cv2.circle(disc.view(np.uint8), (60, 80), 40, 1, -1)
    box = np.zeros(lines.shape, bool)
    box[45:115, 145:215] = True
    for mask, target in ((disc, orange), (box, green)):
        before = np.linalg.norm(_median_lab(rgb, mask) - rgb_to_lab(np.array(target, np.uint8)))
        after = np.linalg.norm(_median_lab(out, mask) - rgb_to_lab(np.array(target, np.uint8)))
        assert after < 0.5 * before, (before, after)
    paper = (rgb == 255).all(axis=2) & (lines == 1.0)
    assert (out[paper] == 255).all()  # the page is not tinted
    assert (out[lines == 0.0] == rgb[lines == 0.0]).all()  # nor the lines


def test_shading_survives_and_kept_pixels_are_exact() -> None:
    rgb, lines = _page()
    pal = palette_from_colors([(235, 120, 30)])
    disc = np.zeros(lines.shape, bool)
    cv2.circle(disc.view(np.uint8), (60, 80), 40, 1, -1)
    keep = np.zeros(lines.shape, bool)
    keep[40:120, 140:220] = True
    out = transfer(rgb, lines, pal, 1.0, keep=keep)
    assert (out[keep] == rgb[keep]).all()
    top, bottom = disc.copy(), disc.copy()
    top[80:], bottom[:80] = False, False
    drop_before = _median_lab(rgb, top)[0] - _median_lab(rgb, bottom)[0]
    drop_after = _median_lab(out, top)[0] - _median_lab(out, bottom)[0]
    assert drop_before > 5 and drop_after > 0.6 * drop_before  # darker at the bottom, still
