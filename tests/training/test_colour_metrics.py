"""The colour measures behave as their names say."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ganime_core.inputs.encoding import palette_from_colors
from ganime_core.regions.segment import segment
from training.color_metrics import (
    colourfulness,
    grid_energy,
    mean_delta_e,
    palette_distance,
    paper_mask,
    paper_white,
)
from training.hint_protocols import auc_hints, gt_dots, leak_probe


def test_grid_energy_finds_a_checkerboard_in_flat_areas_only() -> None:
    lines = np.ones((64, 64), np.float32)
    flat = np.full((64, 64, 3), 180, np.uint8)
    assert grid_energy(flat, lines) == pytest.approx(0.0, abs=1e-9)
    yy, xx = np.mgrid[0:64, 0:64]
    board = np.clip(flat.astype(int) + (((yy + xx) % 2) * 8 - 4)[..., None], 0, 255).astype(np.uint8)
    assert grid_energy(board, lines) > 10.0
    ramp = np.clip(100 + xx + yy // 2, 0, 255).astype(np.uint8)
    assert grid_energy(np.dstack([ramp] * 3), lines) < 0.5  # a gradient is not a grid


def test_colourfulness_and_delta_e() -> None:
    grey = np.full((10, 10, 3), 128, np.uint8)
    vivid = grey.copy()
    vivid[:5] = (230, 20, 20)
    vivid[5:] = (20, 20, 230)
    assert colourfulness(grey) == 0.0 and colourfulness(vivid) > 80
    assert mean_delta_e(grey, grey) == 0.0 and mean_delta_e(grey, vivid) > 30


def test_paper_mask_and_whiteness() -> None:
    lines = np.ones((100, 100), np.float32)
    cv2.rectangle(lines, (30, 30), (70, 70), 0.0, 2)
    mask = paper_mask(lines)
    assert mask[5, 5] and not mask[50, 50] and not mask[28, 50]  # inside and near the line excluded
    out = np.full((100, 100, 3), 255, np.uint8)
    assert paper_white(out, mask) == 1.0
    out[:10] = 200
    assert paper_white(out, mask) == pytest.approx(1 - mask[:10].sum() / mask.sum())


def test_paper_is_the_page_not_white_clothes_cut_by_the_frame() -> None:
    """Full-bleed art: a white collar at the frame is the character's, not paper; a white page
    around a figure is."""
    lines = np.ones((120, 120), np.float32)
    cv2.rectangle(lines, (50, 10), (110, 80), 0.0, 2)  # a figure on a page
    cv2.line(lines, (0, 85), (45, 85), 0.0, 2)  # a collar in the bottom-left corner, cut by the frame
    cv2.line(lines, (45, 85), (45, 119), 0.0, 2)
    target = np.full((120, 120, 3), 255, np.uint8)
    target[12:79, 52:109] = (200, 120, 90)
    page = paper_mask(lines, target)
    assert page[40, 20] and page[100, 90] and not page[40, 80]
    assert page.sum() > 1000
    target[:, :] = (70, 90, 160)  # full bleed: a blue background ...
    target[86:, :45] = 255  # ... and a white collar at the frame
    collar = paper_mask(lines, target)
    assert not collar.any()
    assert (segment(lines).ink_distance[100:110, 10:30] > 8).all()  # far from lines: only the rule excludes it


def test_palette_distance() -> None:
    a = palette_from_colors([(200, 30, 30), (30, 30, 200)])
    b = palette_from_colors([(30, 30, 200), (200, 30, 30)])
    c = palette_from_colors([(30, 200, 30)])
    assert palette_distance(a, b) == pytest.approx(0.0, abs=1e-4)
    assert palette_distance(a, c) > 50


def _pair() -> tuple[np.ndarray, np.ndarray]:
    lines = np.ones((120, 120), np.float32)
    target = np.full((120, 120, 3), 255, np.uint8)
    boxes = [((10, 10, 60, 60), (200, 40, 40)), ((65, 10, 110, 50), (40, 40, 200)), ((10, 70, 110, 110), (40, 160, 40))]
    for (x0, y0, x1, y1), colour in boxes:
        target[y0:y1, x0:x1] = colour
        cv2.rectangle(lines, (x0, y0), (x1, y1), 0.0, 2)
    return lines, target


def test_gt_dots_and_auc_hints_take_the_largest_regions_with_their_colours() -> None:
    lines, target = _pair()
    regions = segment(lines)
    dots = gt_dots(regions, target, 2)
    assert dots is not None
    colours = {tuple(c) for c in dots.rgb[dots.mask]}
    assert colours == {(200, 40, 40), (40, 160, 40)}  # the two largest boxes, not the paper
    assert auc_hints(regions, target, 0.0) is None
    every = auc_hints(regions, target, 1.0)
    assert {tuple(c) for c in every.rgb[every.mask]} == {(200, 40, 40), (40, 40, 200), (40, 160, 40)}


def test_leak_probe_marks_the_regions_of_other_colours() -> None:
    lines, target = _pair()
    regions = segment(lines)
    hint, colour, own, other = leak_probe(regions, target)
    assert own[40, 40] or own[90, 60]
    assert other[30, 90] and not other[2, 2]  # another box, never the paper
    assert tuple(colour) in {(40, 200, 60), (220, 40, 200)}


def test_leak_probe_dots_a_closed_region_not_one_cut_by_the_border() -> None:
    lines, target = _pair()
    target[(target == 255).all(axis=2)] = (90, 60, 30)  # full-bleed art: the background is not paper
    regions = segment(lines)
    hint, colour, own, other = leak_probe(regions, target)
    label = int(np.bincount(regions.labels[own]).argmax())
    assert not regions.touches_border[label]  # the dot sits in a closed region, not the background
    assert own[90, 60]  # the largest box (the wide one at the bottom)
