"""Region-aware colouring on the real sketches in ``../shared/data/samples`` (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ganime_core.inputs.hints import Stroke, rasterize
from ganime_core.regions import bleeding, compose, hint_fidelity, region_colors, segment

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "samples"


def _load(name: str, mode: str = "L") -> np.ndarray:
    from PIL import Image

    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"real samples not available ({path} is missing; they live in ../shared/data)")
    with Image.open(path) as im:
        return np.asarray(im.convert(mode))


@pytest.mark.parametrize("name", ["lineart_1.png", "001_sketch.png"])
def test_real_sketch_regions(name):
    lines = _load(name).astype(np.float32) / 255.0
    regions = segment(lines)
    assert 20 <= regions.n <= 2000, regions.n
    assert regions.labels.min() >= 1
    ink_share = regions.line_mask.mean()
    assert 0.02 < ink_share < 0.3, ink_share
    # the blank paper around the figure is one region that reaches all four corners
    h, w = lines.shape
    corners = {regions.region_at(x, y) for x, y in ((2, 2), (w - 3, 2), (2, h - 3), (w - 3, h - 3))}
    assert len(corners) == 1
    # a hint in the biggest figure region fills exactly it
    areas = regions.areas.copy()
    areas[next(iter(corners))] = 0
    label = int(np.argmax(areas))
    ys, xs = np.nonzero(regions.mask(label) & (regions.ink_distance > 4))
    k = len(ys) // 2
    x, y = float(xs[k]), float(ys[k])
    hints = rasterize([Stroke(points=((x, y), (x + 2, y + 1)), color=(1, 254, 3), width=5)],
                      lines.shape[1], lines.shape[0])
    grey = np.dstack([np.rint(lines * 200).astype(np.uint8)] * 3)
    layers = compose(lines, grey, hints, mode="locked", regions=regions)
    assert np.array_equal(np.all(layers.flats == (1, 254, 3), axis=2), regions.mask(label))


def test_real_pair_hint_lock_and_bleeding():
    lines = _load("001_sketch.png").astype(np.float32) / 255.0
    truth = _load("001_color.png", "RGB")
    net = cv2.GaussianBlur(truth, (0, 0), 4)  # a smudgy stand-in for the network
    regions = segment(lines)
    areas = regions.areas.copy()
    areas[regions.region_at(2, 2)] = 0
    strokes = []
    truth_pal = region_colors(regions, truth)
    for label in np.argsort(-areas)[:5]:
        ys, xs = np.nonzero(regions.mask(label) & (regions.ink_distance > 3))
        k = len(ys) // 2
        strokes.append(Stroke(points=((float(xs[k]), float(ys[k])),),
                              color=tuple(int(c) for c in truth_pal[label]), width=5))
    hints = rasterize(strokes, lines.shape[1], lines.shape[0])
    locked = compose(lines, net, hints, mode="locked", regions=regions)
    plain = compose(lines, net, hints, mode="plain", regions=regions)
    assert locked.hinted.sum() == 5
    assert hint_fidelity(locked.composite, regions, hints) <= 5.0
    assert bleeding(locked.composite, regions, lines) < 0.5 * bleeding(plain.composite, regions, lines)
