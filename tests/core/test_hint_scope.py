"""A hint's effect stays in the regions it claims and those that take its colour."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ganime_core.errors import GanimeError
from ganime_core.post.hint_scope import scope_hints
from ganime_core.regions.segment import segment


def _three_boxes() -> np.ndarray:
    lines = np.ones((120, 200), np.float32)
    for x0 in (10, 75, 140):
        cv2.rectangle(lines, (x0, 20), (x0 + 50, 100), 0.0, 2)
    return lines


def test_only_claimed_and_adopting_regions_keep_the_hinted_colour() -> None:
    lines = _three_boxes()
    regions = segment(lines)
    unhinted = np.full((120, 200, 3), 200, np.uint8)
    hinted = unhinted.copy()
    green = np.array([40, 180, 60], np.uint8)
    a, b, c = (regions.labels == regions.region_at(x, 60) for x in (35, 100, 165))
    hinted[a] = green  # the hinted box
    hinted[b] = (190, 205, 190)  # a faint green tint: a leak
    hinted[c] = (60, 175, 70)  # the network carried the hint here: same kind of region
    hinted[regions.labels == regions.region_at(2, 2)] = (230, 240, 230)  # tinted paper
    out = scope_hints(hinted, unhinted, regions, green[None], a)
    assert (out[a] == green).all()
    assert (out[c] == (60, 175, 70)).all()
    assert (out[b] == 200).all() and (out[2, 2] == 200).all()


def test_no_hint_colours_leaves_the_output() -> None:
    regions = segment(_three_boxes())
    img = np.random.default_rng(0).integers(0, 256, (120, 200, 3), dtype=np.uint8)
    assert scope_hints(img, img * 0, regions, np.zeros((0, 3), np.uint8), None) is img


def test_hint_scope_is_checked_and_keeps_each_region_hinted_or_unhinted(tiny_colorizer) -> None:
    with pytest.raises(GanimeError, match="hint_scope"):
        tiny_colorizer.colorize(np.full((32, 32), 255, np.uint8), hint_scope="everywhere")
    from ganime_core.inputs.hints import Stroke

    lines = (_three_boxes() * 255).astype(np.uint8)
    hint = [Stroke(((25.0, 60.0), (45.0, 60.0)), (40, 180, 60), 6)]
    kw = dict(working_size=200, paper=False, clean=False)  # the hint scope alone, at full size
    network = tiny_colorizer.colorize(lines, hint, hint_scope="network", **kw).color
    scoped = tiny_colorizer.colorize(lines, hint, hint_scope="regions", **kw).color
    unhinted = tiny_colorizer.colorize(lines, None, **kw).color
    regions = segment(_three_boxes())
    kept_hint = kept_unhinted = 0
    for label in range(1, regions.n + 1):
        inside = (regions.labels == label) & (regions.ink_distance > 1)
        if not inside.any():
            continue
        as_hinted = np.array_equal(scoped[inside], network[inside])
        as_unhinted = np.array_equal(scoped[inside], unhinted[inside])
        assert as_hinted or as_unhinted, f"region {label} is neither the hinted nor the unhinted colour"
        kept_hint += as_hinted and not as_unhinted
        kept_unhinted += as_unhinted and not as_hinted
    hinted_box = regions.region_at(35, 60)
    box = (regions.labels == hinted_box) & (regions.ink_distance > 1)
    assert np.array_equal(scoped[box], network[box])  # the claimed box keeps the hint's effect
    assert kept_hint >= 1 and kept_unhinted >= 1  # the scope took some regions back
