"""Dense hints: a hint fills exactly the closed regions it touches; open regions only nearby."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ganime_core.api import Colorizer
from ganime_core.inputs.dense_hints import spread_hints
from ganime_core.inputs.encoding import CHANNELS_V2, CODE_DIM, split
from ganime_core.inputs.hints import HintRaster, Stroke, rasterize
from ganime_core.models import build_generator
from ganime_core.regions.compose import compose
from ganime_core.regions.segment import segment
from ganime_core.runtime.weights import save_weights


def _page() -> np.ndarray:
    """Three closed boxes on a 200x200 page (float, 1 = paper)."""
    lines = np.ones((200, 200), np.float32)
    for x0, y0, x1, y1 in ((20, 20, 90, 90), (110, 20, 180, 90), (20, 110, 180, 180)):
        cv2.rectangle(lines, (x0, y0), (x1, y1), 0.0, 2)
    return lines


def _dot(x: float, y: float, colour: tuple[int, int, int], size: int = 200) -> HintRaster:
    return rasterize([Stroke(points=((x, y),), color=colour, width=6.0)], size, size)


def test_a_dot_fills_exactly_its_closed_region() -> None:
    lines = _page()
    regions = segment(lines)
    dense = spread_hints(regions, _dot(55, 55, (200, 30, 30)))
    assert dense is not None
    box = regions.labels == regions.region_at(55, 55)
    np.testing.assert_array_equal(dense.mask, box)
    assert (dense.rgb[box] == (200, 30, 30)).all()
    assert not dense.mask[100:, :].any() and not dense.mask[:, 100:].any()


def test_a_stroke_swept_over_two_regions_claims_both() -> None:
    regions = segment(_page())
    hint = rasterize([Stroke(points=((55, 55), (145, 55)), color=(30, 30, 200), width=6.0)], 200, 200)
    dense = spread_hints(regions, hint)
    assert dense is not None
    for x, y in ((55, 55), (145, 55)):
        assert dense.mask[regions.labels == regions.region_at(x, y)].all()
    assert not dense.mask[150, 100]


def test_no_hints_no_dense_hints() -> None:
    regions = segment(_page())
    assert spread_hints(regions, None) is None
    assert spread_hints(regions, HintRaster.empty(200, 200)) is None


def test_a_hint_in_an_open_region_spreads_to_a_radius_not_the_page() -> None:
    lines = np.ones((300, 300), np.float32)
    cv2.circle(lines, (150, 150), 60, 0.0, 2)
    lines[140:162, 205:215] = 1.0  # a 22 px gap: wider than the closing size
    regions = segment(lines)
    dense = spread_hints(regions, _dot(150, 150, (30, 160, 30), 300))
    assert dense is not None
    radius = 0.06 * 300
    assert dense.mask.sum() <= np.pi * (radius + 4) ** 2
    assert dense.mask[150, 150] and not dense.mask[10, 10]


@pytest.mark.parametrize("mode", ["flats", "locked"])
def test_flats_of_an_open_region_take_a_hint_near_it_and_the_page_stays_paper(mode: str) -> None:
    lines = np.ones((300, 300), np.float32)
    cv2.circle(lines, (150, 150), 60, 0.0, 2)
    lines[140:162, 205:215] = 1.0  # a 22 px gap: the circle's inside is the page
    regions = segment(lines)
    network = np.full((300, 300, 3), 250, np.uint8)  # the network left it all paper
    layers = compose(lines, network, _dot(150, 150, (30, 160, 30), 300), mode=mode, regions=regions)
    green = np.all(layers.flats == (30, 160, 30), axis=2)
    assert green[150, 150] and green[150, 160]  # the hint's own neighbourhood takes it
    assert green.sum() <= np.pi * (0.06 * 300 + 4) ** 2  # ... and no more than its reach
    assert (layers.composite[10:40, 10:40] == 255).all()  # the page stays paper
    # a hint in a closed region still fills all of it
    closed = np.ones((300, 300), np.float32)
    cv2.circle(closed, (150, 150), 60, 0.0, 2)
    regions = segment(closed)
    layers = compose(closed, network, _dot(150, 150, (30, 160, 30), 300), mode=mode, regions=regions)
    inside = regions.labels == regions.region_at(150, 150)
    assert (np.all(layers.flats == (30, 160, 30), axis=2) == inside).all()


def test_the_colorizer_gives_a_dense_hint_model_its_dense_channels(tmp_path) -> None:
    model = build_generator("unet", {"base_width": 8, "depth": 4, "in_channels": 9, "code_dim": CODE_DIM})
    path = save_weights(tmp_path / "v2.safetensors", model, working_size=208, write_sha256=False)
    col = Colorizer.load(path, device="cpu")
    lines = _page()
    x, code = col.model_input(lines, _dot(55, 55, (200, 30, 30)))
    named = split(x, CHANNELS_V2)
    regions = segment(lines)
    box = regions.labels == regions.region_at(55, 55)
    np.testing.assert_array_equal(named["dense_mask"][0, :200, :200] > 0.5, box)
    assert not code.any()
    out = col.colorize((lines * 255).astype(np.uint8), hints=_dot(55, 55, (200, 30, 30)).to_rgba())
    assert out.image.shape == (200, 200, 3)
