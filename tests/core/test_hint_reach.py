"""Where a stroke's colour goes (``parts.query.hint_reach``), and that it goes nowhere else: with
the default part spread, a stroke leaves every pixel off its part as the unhinted result had it
(no haze of the hint's colour beside the lines: issue 24, item 5)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ganime_core.color import rgb_to_lab
from ganime_core.inputs.hints import Stroke
from ganime_core.parts.query import hint_reach

RED = (220, 30, 40)


@pytest.fixture(scope="module")
def shipped():
    from ganime_core.api import Colorizer

    return Colorizer.load(device="cpu", precision="fp32", memory_format="contiguous")


def _sleeve_stroke() -> list[Stroke]:
    """A short red stroke on the right sleeve of ``lineart_3`` (452x512)."""
    return [Stroke(((310.0, 420.0), (320.0, 428.0), (330.0, 436.0)), RED, 8.0)]


def _delta_e(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(rgb_to_lab(a).astype(np.float64) - rgb_to_lab(b).astype(np.float64), axis=2)


@pytest.mark.slow
def test_a_stroke_changes_nothing_off_its_part(shipped, samples_dir: Path) -> None:
    sketch = samples_dir / "lineart_3.png"
    before = shipped.colorize(sketch)
    after = shipped.colorize(sketch, _sleeve_stroke())
    reach, colours = hint_reach(shipped, sketch, _sleeve_stroke())
    assert reach.shape == before.color.shape[:2]
    assert (colours[reach] == RED).all()
    near_ink = cv2.dilate((before.lines < 0.5).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    away = ~reach & ~near_ink  # off the part, 3 px or more from a line
    d = _delta_e(before.color, after.color)
    assert d[reach].mean() > 20, "the stroke coloured its part"
    changed = float((d[away] > 5).mean())
    assert changed < 0.002, f"{changed:.2%} of the pixels off the stroke's part changed by more than ΔE76 5"


@pytest.mark.slow
def test_the_reach_of_a_stroke_is_its_part_or_its_regions(shipped, samples_dir: Path) -> None:
    sketch = samples_dir / "lineart_1.png"
    hair = [Stroke(((250.0, 60.0), (260.0, 70.0)), (30, 90, 230), 8.0)]
    region, _ = hint_reach(shipped, sketch, hair, spread="region")
    part, _ = hint_reach(shipped, sketch, hair)
    assert region.any() and (part >= region).all(), "the part holds the stroke's own regions"
    assert part.sum() > 1.3 * region.sum(), "the part reaches beyond the stroke's regions"
    nothing, _ = hint_reach(shipped, sketch, None)
    assert not nothing.any()
