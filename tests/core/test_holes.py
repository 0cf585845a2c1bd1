"""White holes inside coloured regions are filled; white regions, the page and hints are not."""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.post.holes import fill_holes
from ganime_core.regions.segment import segment

SKIN = (238, 190, 160)


def _page() -> tuple[np.ndarray, np.ndarray]:
    """Two closed shapes on a page: a big "face" and a small "shirt"; colour with a white disc."""
    lines = np.full((200, 200), 255, np.uint8)
    cv2.circle(lines, (80, 90), 60, 0, 2)
    cv2.rectangle(lines, (150, 150), (190, 190), 0, 2)
    rgb = np.full((200, 200, 3), 255, np.uint8)
    cv2.circle(rgb, (80, 90), 59, SKIN, -1)
    cv2.circle(rgb, (80, 90), 17, (255, 255, 255), -1)  # the white disc the network paints
    cv2.circle(rgb, (80, 90), 19, (248, 225, 210), 6)  # ... and its soft, light rim
    return lines, rgb


def test_a_white_disc_in_a_coloured_region_takes_the_region_colour() -> None:
    lines, rgb = _page()
    regions = segment(lines.astype(np.float32) / 255)
    out = fill_holes(rgb, regions)
    assert out is not rgb and np.array_equal(rgb[90, 80], (255, 255, 255))  # the input is not changed
    assert np.abs(out[90, 80].astype(int) - SKIN).max() <= 2  # the disc's middle is skin
    assert np.abs(out[90, 98].astype(int) - SKIN).max() <= 12  # so is its rim (blending out at its edge)
    assert np.array_equal(out[5, 5], (255, 255, 255))  # the page stays paper
    assert np.array_equal(out[170, 170], (255, 255, 255))  # a white region stays white
    assert np.array_equal(out[90, 130], rgb[90, 130])  # the rest of the face is untouched


def test_a_hinted_region_and_a_mostly_white_one_are_left_alone() -> None:
    lines, rgb = _page()
    regions = segment(lines.astype(np.float32) / 255)
    claimed = np.zeros(lines.shape, bool)
    claimed[85:95, 75:85] = True  # a hint in the face: the hint decides there
    assert fill_holes(rgb, regions, claimed) is rgb
    rgb[40:140, 20:140][np.hypot(*np.mgrid[-50:50, -60:60]) < 50] = 255  # most of the face white
    assert fill_holes(rgb, regions) is rgb
