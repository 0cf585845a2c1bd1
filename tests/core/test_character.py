"""Character colour memory on synthetic figures: the regions of a changed copy find their parts
(≥ 95 %), the matched colours reach the page, the artist's hints win, low confidence is reported.

A synthetic figure is a pile of outlined polygons in seven part colours; its copy is the same
polygons drawn again through a similarity (and a mirror), on a canvas of another size, so the
copy's own colours say which part each of its regions is.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ganime_core.character import CharacterFile, colorize_with_character, create_character
from ganime_core.character.apply import align_sides, reference_of, working_side
from ganime_core.character.describe import own_colours
from ganime_core.character.lineart import picture_lines
from ganime_core.character.match import load_matcher, match_regions
from ganime_core.color import rgb_to_lab
from ganime_core.options import ColorizeOptions

PARTS = np.array([(200, 60, 60), (60, 90, 200), (240, 210, 170), (60, 160, 80), (230, 190, 40), (150, 70, 170),
                  (90, 60, 40)], np.uint8)
OPTS = ColorizeOptions(working_size=384, mode="flats")


def _shapes(seed: int, n: int = 40) -> list[tuple[np.ndarray, int]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        cx, cy = np.clip(rng.normal(0, 45), -90, 90), np.clip(rng.normal(0, 80), -140, 140)  # inside the canvas
        k = int(rng.integers(4, 8))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = rng.uniform(14, 42) * rng.uniform(0.6, 1.2, k)
        out.append((np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1), int(rng.integers(len(PARTS)))))
    return out


def draw(shapes: list[tuple[np.ndarray, int]], size: tuple[int, int], scale: float = 1.0, angle: float = 0.0,
         shift: tuple[float, float] = (0.0, 0.0), mirror: bool = False) -> np.ndarray:
    """uint8 RGB: the polygons through a similarity about the canvas centre, outlined in black."""
    w, h = size
    img = np.full((h, w, 3), 255, np.uint8)
    c, s = np.cos(np.radians(angle)) * scale, np.sin(np.radians(angle)) * scale
    for pts, colour in shapes:
        p = pts * [-1.0, 1.0] if mirror else pts
        q = np.stack([c * p[:, 0] - s * p[:, 1] + w / 2 + shift[0], s * p[:, 0] + c * p[:, 1] + h / 2 + shift[1]], 1)
        poly = np.rint(q * 4).astype(np.int32)  # 2 bits of sub-pixel precision
        cv2.fillPoly(img, [poly], tuple(int(v) for v in PARTS[colour]), cv2.LINE_AA, 2)
        cv2.polylines(img, [poly], True, (0, 0, 0), 2, cv2.LINE_AA, 2)
    return img


@pytest.fixture(scope="module")
def figure() -> tuple[list, np.ndarray]:
    shapes = _shapes(3)
    return shapes, draw(shapes, (300, 400))


def _region_accuracy(colorizer, reference: np.ndarray, target: np.ndarray) -> tuple[float, int]:
    character = create_character(colorizer, reference, options=OPTS)
    ref = reference_of(colorizer, character, OPTS)
    side, regions, page = working_side(colorizer, picture_lines(target), OPTS)
    small = cv2.resize(target, (page.w, page.h), interpolation=cv2.INTER_AREA)
    truth = own_colours(side.labels, small, regions.ink_distance).astype(np.float64)
    matches = match_regions(side, ref, align_sides(side, ref), load_matcher())
    parts = rgb_to_lab(PARTS).astype(np.float64)
    nearest = np.linalg.norm(truth[:, None] - parts[None], axis=2)
    coloured = nearest.min(axis=1) < 8.0  # a region of the figure (not paper, not a line)
    big = regions.area_beyond(1.0) >= 12
    judged = np.flatnonzero(coloured & big)
    judged = judged[judged > 0]
    got = ref.part_lab[matches.part[judged]].astype(np.float64)
    right = (np.linalg.norm(got - truth[judged], axis=1) < 10.0) & (matches.part[judged] > 0)
    return float(right.mean()), len(judged)


@pytest.mark.parametrize("change", [
    {"scale": 0.8, "angle": 8.0, "shift": (20.0, -10.0)},
    {"scale": 1.15, "angle": -5.0, "shift": (-15.0, 25.0), "mirror": True},
    {"scale": 0.65, "angle": 3.0, "shift": (0.0, 0.0)},
], ids=["smaller-turned", "larger-mirrored", "much-smaller"])
def test_regions_of_a_changed_copy_find_their_parts(tiny_colorizer, figure, change) -> None:
    shapes, reference = figure
    target = draw(shapes, (360, 380), **change)
    accuracy, judged = _region_accuracy(tiny_colorizer, reference, target)
    assert judged >= 25
    assert accuracy >= 0.95, f"{accuracy:.3f} of {judged} regions matched"


def test_regions_of_a_bent_copy_find_their_parts(tiny_colorizer, figure) -> None:
    """A thin-plate-spline bend (the augmentation the matcher is trained on) of a turned copy."""
    from training.memory_augment import _tps_map

    shapes, reference = figure
    target = draw(shapes, (340, 400), scale=0.9, angle=-6.0)
    mx, my = _tps_map(target.shape[:2], np.random.default_rng(4), 0.02)
    bent = cv2.remap(target, mx, my, cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    accuracy, judged = _region_accuracy(tiny_colorizer, reference, bent)
    assert judged >= 25
    assert accuracy >= 0.95, f"{accuracy:.3f} of {judged} regions matched"


def test_a_different_figure_is_not_coloured_with_confidence(tiny_colorizer, figure) -> None:
    _, reference = figure
    other = draw(_shapes(11), (300, 400))
    character = create_character(tiny_colorizer, reference, options=OPTS)
    out = colorize_with_character(tiny_colorizer, picture_lines(other), character, options=OPTS)
    assert out.matched.mean() < 0.05  # nothing aligns: the network's guess stays, and is reported
    painted = ~(other > 240).all(axis=2) & (picture_lines(other) > 0.9)
    assert out.uncertain[painted].mean() > 0.9
    assert not out.uncertain[0, 0]  # ... but not the open paper around the figure


def test_matched_colours_reach_the_page_and_the_artists_hints_win(tiny_colorizer, figure) -> None:
    shapes, reference = figure
    target = draw(shapes, (320, 400), scale=0.9, angle=4.0)
    lines = picture_lines(target)
    character = create_character(tiny_colorizer, reference, options=OPTS)
    assert isinstance(character, CharacterFile) and character.n_parts >= len(PARTS) - 1
    out = colorize_with_character(tiny_colorizer, lines, character, options=OPTS)
    image = out.result.image
    assert image.shape[:2] == lines.shape and out.matched.shape == lines.shape
    painted = (lines > 0.9) & ~(target > 240).all(axis=2)
    sel = out.matched & painted
    assert sel.sum() > 0.8 * painted.sum()
    de = np.linalg.norm(rgb_to_lab(image[sel]).astype(np.float64) - rgb_to_lab(target[sel]), axis=1)
    assert np.median(de) < 6.0  # flats: the part's own colour
    assert not (out.matched & out.uncertain).any()
    # the artist's dot, in a colour no part has, wins over the character in its region
    ys, xs = np.nonzero(out.matched & (cv2.distanceTransform((lines > 0.9).astype(np.uint8), cv2.DIST_L2, 3) > 5))
    x, y = int(xs[len(xs) // 2]), int(ys[len(ys) // 2])
    hint = np.zeros((*lines.shape, 4), np.uint8)
    cv2.circle(hint, (x, y), 3, (0, 255, 255, 255), -1)
    own = colorize_with_character(tiny_colorizer, lines, character, hints=hint, options=OPTS)
    assert tuple(own.result.color[y, x]) == (0, 255, 255)
    assert not own.matched[y, x]


def test_character_lines_are_the_training_lines() -> None:
    from training.lineart import xdog

    rgb = draw(_shapes(5), (160, 200))
    assert np.array_equal(picture_lines(rgb), xdog(rgb))
