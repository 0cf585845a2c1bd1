"""Colour enlarged to full size with its edges on the lines (``ganime_core.post.upsample``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bench.pages import mixed_band_width, two_region_page
from ganime_core.inputs.lineart import to_line_art
from ganime_core.post.upsample import plan_edges, upsample_colour

RED, BLUE = (230, 40, 40), (40, 70, 230)


def _network_like_colour(page_size: int, small: int, blur: float = 2.5) -> np.ndarray:
    """Red left of the divider, blue right, at the working size, smeared across the line like
    the network's output (``blur`` working px)."""
    page = two_region_page(page_size)
    xs = np.argmax(page.divider, axis=1).astype(np.float32)  # the divider's left edge per row
    xs[xs == 0] = page_size / 2
    x_small = cv2.resize(xs[:, None], (1, small), interpolation=cv2.INTER_AREA)[:, 0] * small / page_size
    right = np.arange(small)[None, :] > x_small[:, None]
    rgb = np.where(right[..., None], np.array(BLUE, np.uint8), np.array(RED, np.uint8)).astype(np.uint8)
    return cv2.GaussianBlur(rgb, (0, 0), blur)


def test_mixed_band_is_narrow_at_full_size_and_wide_with_a_plain_resize() -> None:
    page = two_region_page(1024)
    lines = to_line_art(page.sketch)
    small = _network_like_colour(1024, 256)
    plain = upsample_colour(small, lines, band=0)
    sharp = upsample_colour(small, lines)
    plain_width = mixed_band_width(plain, page)[0]
    sharp_width = mixed_band_width(sharp, page)
    assert plain_width >= 12  # the smear, enlarged 4x
    assert sharp_width[0] <= 8 and sharp_width[1] <= 8
    # the halves keep their colours right up to the divider
    left = page.left & (cv2.distanceTransform((~page.divider).view(np.uint8), cv2.DIST_L2, 3) < 6)
    assert np.abs(sharp[left].astype(int) - RED).max(axis=1).mean() < 25


def test_working_size_colour_is_left_alone() -> None:
    page = two_region_page(256)
    small = _network_like_colour(256, 256)
    out = upsample_colour(small, to_line_art(page.sketch))
    assert np.array_equal(out, small)


def test_solid_ink_keeps_its_colour_and_a_plan_is_reusable() -> None:
    page = two_region_page(512)
    sketch = page.sketch.copy()
    cv2.circle(sketch, (150, 256), 30, 0, -1)  # a solid black fill (a pupil)
    lines = to_line_art(sketch)
    small = _network_like_colour(512, 128)
    plain = upsample_colour(small, lines, band=0)
    plan = plan_edges(lines, (128, 128))
    out = upsample_colour(small, plan=plan)
    assert np.array_equal(out, upsample_colour(small, lines))
    disc = np.zeros((512, 512), np.uint8)
    cv2.circle(disc, (150, 256), 26, 1, -1)
    assert np.array_equal(out[disc > 0], plain[disc > 0])
    assert not np.array_equal(out, plain)
    with pytest.raises(ValueError, match="plan"):
        upsample_colour(small[:64], plan=plan)
