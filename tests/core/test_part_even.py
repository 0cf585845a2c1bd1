"""One colour family per part without hints (``post.part_even``) and the hint-free groups
(``parts.groups``) on synthetic line art."""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.color import rgb_to_lab
from ganime_core.post.part_even import even_chroma, group_raster
from ganime_core.regions.segment import RegionConfig, segment


def _eyes():
    """Two eye boxes and a face around them."""
    lines = np.ones((100, 160), np.float32)
    cv2.rectangle(lines, (5, 5), (155, 95), 0.0, 2)
    cv2.rectangle(lines, (30, 30), (60, 60), 0.0, 2)
    cv2.rectangle(lines, (100, 30), (130, 60), 0.0, 2)
    regions = segment(lines, RegionConfig(gap_close=4))
    return regions, regions.region_at(45, 45), regions.region_at(115, 45), regions.region_at(80, 80)


def _painted(regions, colours: dict[int, tuple[int, int, int]], shade: bool = True) -> np.ndarray:
    rgb = np.full((*regions.labels.shape, 3), 250, np.uint8)
    for label, c in colours.items():
        rgb[regions.labels == label] = c
    if shade:  # a vertical light-to-dark ramp: the network's shading
        ramp = np.linspace(1.0, 0.8, rgb.shape[0])[:, None, None]
        rgb = (rgb * ramp).astype(np.uint8)
    return rgb


def test_two_eyes_of_one_part_take_one_chroma_and_keep_their_shading() -> None:
    regions, left, right, face = _eyes()
    colour = _painted(regions, {left: (60, 90, 200), right: (150, 80, 60), face: (240, 200, 180)})
    groups = np.arange(regions.n + 1)
    groups[right] = left  # the two eyes are one part
    out = even_chroma(colour, regions, groups)
    lab = rgb_to_lab(out).astype(np.float64)
    inner = regions.ink_distance > 2
    ab_l = lab[(regions.labels == left) & inner, 1:].mean(axis=0)
    ab_r = lab[(regions.labels == right) & inner, 1:].mean(axis=0)
    assert np.linalg.norm(ab_l - ab_r) < 3, (ab_l, ab_r)
    down = (regions.labels[:, 45] == left) & inner[:, 45]
    before = rgb_to_lab(colour).astype(np.float64)[:, 45, 0][down]
    assert before[0] - before[-1] > 1.0
    np.testing.assert_allclose(lab[:, 45, 0][down], before, atol=1.5)  # the shading down the eye stays
    face_px = regions.labels == face
    np.testing.assert_array_equal(out[face_px], colour[face_px])  # a part of one region is left alone


def test_a_hinted_region_keeps_its_colour_and_a_lone_region_is_not_grouped() -> None:
    regions, left, right, face = _eyes()
    colour = _painted(regions, {left: (60, 90, 200), right: (150, 80, 60), face: (240, 200, 180)}, shade=False)
    groups = np.arange(regions.n + 1)
    groups[right] = left
    exclude = np.zeros(regions.n + 1, bool)
    exclude[left] = True  # a hint claims the left eye
    out = even_chroma(colour, regions, groups, exclude)
    np.testing.assert_array_equal(out, colour)  # the right eye's group has one free member: nothing to even
    assert group_raster(colour, regions, groups, exclude) is None


def test_the_group_raster_paints_each_group_flat_in_its_mean_colour() -> None:
    regions, left, right, face = _eyes()
    colour = _painted(regions, {left: (40, 80, 200), right: (60, 100, 220), face: (240, 200, 180)}, shade=False)
    groups = np.arange(regions.n + 1)
    groups[right] = left
    raster = group_raster(colour, regions, groups)
    assert raster is not None
    eyes = np.isin(regions.labels, [left, right])
    assert raster.mask[eyes].all() and not raster.mask[regions.labels == face].any()
    flat = raster.rgb[eyes].astype(np.int16)
    assert (flat.max(axis=0) - flat.min(axis=0)).max() <= 1  # one colour over both eyes
    assert np.abs(flat[0] - np.array([50, 90, 210])).max() < 12  # between the two
