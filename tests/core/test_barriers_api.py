"""Barriers through the API: lines only the segmentation sees, never drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ganime_core.api import Colorizer
from ganime_core.errors import GanimeError
from ganime_core.inputs.hints import Stroke
from ganime_core.io.imageio import save_png

GREEN = (0, 200, 0)
HINT = [Stroke(((380.0, 380.0),), GREEN, 24.0)]


@pytest.fixture(scope="module")
def colorizer(tiny_weights: Path) -> Colorizer:
    return Colorizer.load(tiny_weights, device="cpu", precision="fp32", memory_format="channels_last")


def _open_box() -> np.ndarray:
    """768² page: a square outline (3 px) with a 9-px gap in its right side."""
    sketch = np.full((768, 768), 255, np.uint8)
    sketch[199:202, 200:561] = 0
    sketch[559:562, 200:561] = 0
    sketch[200:561, 199:202] = 0
    sketch[200:561, 559:562] = 0
    sketch[370:379, 555:566] = 255  # the gap
    return sketch


def _barrier() -> np.ndarray:
    wall = np.zeros((768, 768), bool)
    wall[364:385, 558:563] = True  # across the gap
    return wall


def _leaks(result) -> bool:
    outside = result.color[20:100, 20:100].reshape(-1, 3)
    return bool(np.all(outside == GREEN, axis=1).mean() > 0.5)


def _fills_inside(result) -> bool:
    return bool(np.all(result.color[300:460, 300:460] == GREEN))


def test_gap_closing_and_a_barrier_each_keep_the_hint_inside(colorizer: Colorizer) -> None:
    sketch = _open_box()
    open_ = colorizer.colorize(sketch, HINT, mode="flats", gap=0)
    # the 9-px gap joins the box to the page: the hint colours only its own neighbourhood
    # (regions.queries.open_reach), neither the whole box nor the page
    assert not _fills_inside(open_) and not _leaks(open_)
    assert np.all(open_.color[370:390, 370:390] == GREEN)
    closed = colorizer.colorize(sketch, HINT, mode="flats", gap=12)
    assert _fills_inside(closed) and not _leaks(closed)
    walled = colorizer.colorize(sketch, HINT, mode="flats", gap=0, barriers=_barrier())
    assert _fills_inside(walled) and not _leaks(walled)


def test_barrier_is_never_drawn(colorizer: Colorizer) -> None:
    sketch = _open_box()
    wall = _barrier()
    # at the working size itself (no enlarging), without hints and the steps that work per region
    # (paper, holes, clean: the barrier cuts the regions, by design), nothing else moves
    kw = dict(working_size=768, paper=False, clean=False)
    plain = colorizer.colorize(sketch, **kw)
    walled = colorizer.colorize(sketch, barriers=wall, **kw)
    assert np.array_equal(walled.lines, plain.lines)
    assert np.array_equal(walled.image[wall], plain.image[wall])
    # in flats mode the barrier cuts regions, but the picture shows no line where it runs
    flats = colorizer.colorize(sketch, HINT, mode="flats", gap=0, barriers=wall)
    gap = wall & (sketch == 255)  # where the barrier crosses paper
    assert gap.sum() > 40
    assert np.array_equal(flats.image[gap], flats.color[gap])
    assert flats.image[gap].max(axis=1).min() > 100


def test_barrier_forms_agree_and_bad_ones_are_named(colorizer: Colorizer, tmp_path: Path) -> None:
    sketch = _open_box()
    wall = _barrier()
    rgba = np.zeros((768, 768, 4), np.uint8)
    rgba[wall] = (0, 0, 0, 255)
    rgba[10:20, 10:20] = (0, 0, 0, 40)  # dark but nearly transparent: no barrier
    save_png(tmp_path / "wall.png", rgba)
    grey = np.where(wall, 0, 255).astype(np.uint8)
    results = [colorizer.colorize(sketch, HINT, mode="flats", gap=0, barriers=b).image
               for b in (wall, grey, rgba, tmp_path / "wall.png", str(tmp_path / "wall.png"))]
    for other in results[1:]:
        assert np.array_equal(other, results[0])
    save_png(tmp_path / "small.png", rgba[:100, :100])
    with pytest.raises(GanimeError, match="small.png.*100x100 px but the picture is 768x768"):
        colorizer.colorize(sketch, barriers=tmp_path / "small.png")
    with pytest.raises(GanimeError, match="barriers: .*nowhere.png"):
        colorizer.colorize(sketch, barriers=tmp_path / "nowhere.png")
    with pytest.raises(GanimeError, match="barrier mask"):
        colorizer.colorize(sketch, barriers=np.zeros((3, 768, 768)))
