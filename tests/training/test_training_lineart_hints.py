"""Line extraction on real pictures, and simulated hints staying inside colour regions."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ganime_core.io.imageio import load_image
from training.hint_sampling import HintConfig, sample_hints, sample_strokes
from training.lineart import line_f_score, random_lines, xdog
from training.metrics import ssim


def test_xdog_on_a_real_colour_image_resembles_its_real_sketch(samples_dir: Path) -> None:
    scores = []
    for n in ("001", "002"):
        rgb = load_image(samples_dir / f"{n}_color.png").rgb
        real = load_image(samples_dir / f"{n}_sketch.png").rgb[..., 0].astype(np.float32) / 255
        lines = xdog(rgb)
        assert lines.shape == rgb.shape[:2] and lines.dtype == np.float32
        assert 0.02 < float((lines < 0.6).mean()) < 0.2  # sketch-like amount of ink
        scores.append(line_f_score(lines, real))
        assert ssim((lines * 255).astype(np.uint8), (real * 255).astype(np.uint8)) > 0.6
    assert np.mean(scores) > 0.8  # measured 0.9 on these pairs


def test_random_lines_stay_in_range_and_vary(samples_dir: Path) -> None:
    rgb = load_image(samples_dir / "003_color.png").rgb
    outs = [random_lines(rgb, np.random.default_rng(s)) for s in range(6)]
    for o in outs:
        assert o.shape == rgb.shape[:2] and o.min() >= 0.0 and o.max() <= 1.0
        assert 0.005 < float((o < 0.6).mean()) < 0.5
    assert len({round(float(o.mean()), 4) for o in outs}) > 3


def _regions() -> tuple[np.ndarray, np.ndarray]:
    """Four flat colour rectangles separated by black outlines; labels 0..3 (-1 = outline)."""
    img = np.zeros((96, 96, 3), np.uint8)
    labels = np.full((96, 96), -1)
    colours = [(200, 40, 40), (40, 180, 60), (50, 60, 210), (230, 200, 90)]
    for k, (x, y) in enumerate([(0, 0), (48, 0), (0, 48), (48, 48)]):
        img[y + 2:y + 46, x + 2:x + 46] = colours[k]
        labels[y + 2:y + 46, x + 2:x + 46] = k
    return img, labels


def test_hints_stay_inside_one_region_with_its_colour() -> None:
    img, labels = _regions()
    rng = np.random.default_rng(0)
    n_hinted = 0
    for _ in range(40):
        raster, strokes = sample_hints(img, rng, HintConfig(p_none=0.0, max_width=8))
        assert strokes and raster.mask.any()
        for s in strokes:
            one = np.zeros((96, 96), np.uint8)
            for x, y in s.points:
                cv2.circle(one, (int(x), int(y)), 1, 1, -1)
            region = set(np.unique(labels[one > 0]))
            assert len(region) == 1 and -1 not in region
        covered = labels[raster.mask]
        assert (covered >= 0).all()  # no hint pixel on an outline
        for k in np.unique(covered):
            hinted_colours = np.unique(raster.rgb[raster.mask & (labels == k)], axis=0)
            assert np.array_equal(hinted_colours, img[labels == k][:1])
        n_hinted += 1
    assert n_hinted == 40


def test_no_hint_share_and_white_paper_is_not_hinted() -> None:
    img, _ = _regions()
    rng = np.random.default_rng(1)
    counts = [len(sample_strokes(img, rng, HintConfig(p_none=0.5))) for _ in range(200)]
    assert 0.35 < np.mean([c == 0 for c in counts]) < 0.65
    assert max(counts) <= 10
    white = np.full((64, 64, 3), 255, np.uint8)
    assert sample_strokes(white, rng, HintConfig(p_none=0.0)) == []
