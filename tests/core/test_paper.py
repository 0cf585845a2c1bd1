"""Paper stays paper: the light, unhinted page around a figure is set back to white."""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.post.paper import keep_paper
from ganime_core.regions.segment import segment


def _figure() -> tuple[np.ndarray, np.ndarray]:
    lines = np.ones((120, 120), np.float32)
    cv2.circle(lines, (60, 60), 30, 0.0, 2)
    inside = np.zeros((120, 120), np.uint8)
    cv2.circle(inside, (60, 60), 26, 1, -1)
    return lines, inside.astype(bool)


def test_light_smoke_on_the_page_goes_white_and_the_figure_keeps_its_colour() -> None:
    lines, inside = _figure()
    regions = segment(lines)
    rgb = np.full((120, 120, 3), 0.85, np.float32)  # grey smoke around the figure
    rgb[inside] = (0.8, 0.3, 0.3)
    out = keep_paper(rgb, regions)
    assert np.allclose(out[5, 5], 1.0) and np.allclose(out[110, 60], 1.0)
    np.testing.assert_allclose(out[inside], rgb[inside])
    assert 0.85 <= out[60, 92, 0] < 1.0  # right by the line it blends


def test_a_dark_page_or_a_hinted_page_is_left_alone() -> None:
    lines, inside = _figure()
    regions = segment(lines)
    night = np.full((120, 120, 3), 0.15, np.float32)
    np.testing.assert_allclose(keep_paper(night, regions), night)
    light = np.full((120, 120, 3), 0.85, np.float32)
    hinted = np.zeros((120, 120), bool)
    hinted[5:9, 5:9] = True  # the artist hinted the background
    np.testing.assert_allclose(keep_paper(light, regions, hinted), light)


def test_the_uint8_branch_the_pipeline_uses_agrees_with_the_float_one() -> None:
    lines, inside = _figure()
    regions = segment(lines)
    rgb = np.full((120, 120, 3), 215, np.uint8)  # light grey smoke (L* ~ 86) around the figure
    rgb[inside] = (204, 77, 77)
    out = keep_paper(rgb, regions)
    assert out.dtype == np.uint8 and out is not rgb
    assert (out[5, 5] == 255).all() and (out[110, 60] == 255).all()
    np.testing.assert_array_equal(out[inside], rgb[inside])
    assert 215 <= out[60, 92, 0] < 255  # right by the line it blends
    as_float = keep_paper(rgb.astype(np.float32) / 255.0, regions)
    assert np.abs(out.astype(np.float32) - as_float * 255.0).max() <= 1.0
    unchanged = rgb.copy()
    np.testing.assert_array_equal(rgb, unchanged)  # the input is never changed
    dark = np.full((120, 120, 3), 60, np.uint8)  # a night sky: a guess, not smoke
    assert keep_paper(dark, regions) is dark
