"""The network's grain is smoothed away inside each region, never across a line."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ganime_core.post.clean import CLEAN_WORK, clean_colour
from ganime_core.post.holes import find_holes
from ganime_core.regions.segment import segment
from ganime_core.regions.smoothing import smooth_in_regions

RED, BLUE = np.array([200, 60, 60]), np.array([60, 80, 200])


def _halves(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A page cut in two by a vertical line; red on the left, blue on the right, both grainy;
    and a thin closed sliver (too thin for any pixel away from its lines) coloured green."""
    lines = np.full((size, size), 255, np.uint8)
    mid = size // 2
    cv2.line(lines, (mid, 0), (mid, size - 1), 0, 2)
    cv2.rectangle(lines, (10, 10), (size // 3, 13), 0, 1)  # the sliver: 2 px inside
    rng = np.random.default_rng(seed)
    rgb = np.empty((size, size, 3), np.float32)
    rgb[:, :mid] = RED
    rgb[:, mid:] = BLUE
    rgb += rng.normal(0, 18, rgb.shape)
    rgb[11:13, 11:size // 3] = (40, 200, 40)
    return lines, np.clip(rgb, 0, 255).astype(np.uint8), lines.astype(np.float32) / 255


@pytest.mark.parametrize("size", [200, 2 * CLEAN_WORK + 60])  # on the grid itself, and brought back
def test_grain_goes_and_nothing_crosses_the_line(size: int) -> None:
    lines, rgb, art = _halves(size)
    regions = segment(art)
    out = clean_colour(rgb, regions)
    mid = size // 2
    left, right = out[20:-20, 20:mid - 20].reshape(-1, 3), out[20:-20, mid + 20:-20].reshape(-1, 3)
    assert left.std(axis=0).max() < 0.25 * rgb[20:-20, 20:mid - 20].reshape(-1, 3).std(axis=0).min()
    assert np.abs(left.mean(axis=0) - RED).max() < 3 and np.abs(right.mean(axis=0) - BLUE).max() < 3
    # right next to the line each side keeps its own colour: no red in the blue, no blue in the red
    band = 4 if size > CLEAN_WORK else 3
    near_left = out[20:-20, mid - band].astype(int)
    near_right = out[20:-20, mid + band + 1].astype(int)
    assert np.abs(near_left - RED).max(axis=1).mean() < 12
    assert np.abs(near_right - BLUE).max(axis=1).mean() < 12


def test_a_region_too_thin_to_sample_keeps_the_network_colour() -> None:
    lines, rgb, art = _halves(200)
    out = clean_colour(rgb, segment(art))
    assert np.array_equal(out[11:13, 20:60], rgb[11:13, 20:60])


def test_the_input_is_not_changed_and_sizes_must_agree() -> None:
    _, rgb, art = _halves(120)
    regions = segment(art)
    before = rgb.copy()
    clean_colour(rgb, regions)
    assert np.array_equal(rgb, before)
    with pytest.raises(ValueError, match="regions"):
        clean_colour(rgb[:100], regions)


def test_smoothing_several_planes_at_once_equals_one_at_a_time() -> None:
    _, rgb, art = _halves(160, seed=3)
    regions = segment(art)
    weights = (regions.ink_distance > 1).astype(np.float32)
    values = rgb.astype(np.float32)
    together, support = smooth_in_regions(values, weights, regions.labels, regions.n, 5.0)
    for c in range(3):
        alone, support_c = smooth_in_regions(values[..., c], weights, regions.labels, regions.n, 5.0)
        np.testing.assert_allclose(together[..., c], alone, rtol=1e-5, atol=1e-3)
        np.testing.assert_array_equal(support, support_c)


def test_skipped_white_patches_take_the_colour_around_them() -> None:
    size = 2 * CLEAN_WORK + 112  # the app's working size: smoothed on a grid, brought back
    lines = np.full((size, size), 255, np.uint8)
    cv2.circle(lines, (size // 2, size // 2), size // 3, 0, 3)
    skin = np.array([236, 190, 160])
    rgb = np.full((size, size, 3), 255, np.uint8)
    cv2.circle(rgb, (size // 2, size // 2), size // 3 - 2, skin.tolist(), -1)
    cv2.circle(rgb, (size // 2, size // 2), 8, (255, 255, 255), -1)  # a white patch the network left
    regions = segment(lines.astype(np.float32) / 255)
    found = find_holes(rgb, regions)
    assert found is not None and found[0][size // 2, size // 2]
    plain = clean_colour(rgb, regions)
    skipped = clean_colour(rgb, regions, skip=found[0])
    centre = (size // 2, size // 2)
    assert np.abs(skipped[centre].astype(int) - skin).max() <= 3  # skin, as around it
    assert np.abs(plain[centre].astype(int) - skin).max() > 3  # sampled, the white lightens it
    assert (skipped[5, 5] == 255).all()  # the page is not a hole
