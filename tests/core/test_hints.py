from pathlib import Path

import numpy as np
import pytest

from ganime_core.errors import BadHintsError
from ganime_core.inputs.hints import HintRaster, HintSet, Stroke, load_hints, parse_color, rasterize
from ganime_core.io.imageio import save_png


def _strokes() -> tuple[Stroke, ...]:
    return (Stroke(((10, 10), (50, 10), (50, 40)), (255, 0, 0), 6.0, (1.0, 0.5, 0.2)),
            Stroke(((80.5, 80.25),), (0, 128, 255), 10.0),
            Stroke(((45, 5), (55, 15)), width=8, erase=True))


def test_json_round_trip(tmp_path: Path) -> None:
    hs = HintSet(_strokes(), (100, 100))
    path = tmp_path / "h.json"
    hs.save(path)
    back = HintSet.load(path)
    assert back == hs


def test_rasterize_colours_mask_and_erase() -> None:
    r = rasterize(_strokes(), 100, 100)
    assert r.mask[10, 20] and tuple(r.rgb[10, 20]) == (255, 0, 0)
    assert r.mask[80, 80] and tuple(r.rgb[80, 80]) == (0, 128, 255)
    assert not r.mask[10, 50]  # erased
    assert not r.mask[95, 5] and tuple(r.rgb[95, 5]) == (0, 0, 0)
    # pressure thins the stroke: wider near the first point than near the last
    assert r.mask[12, 15] and not r.mask[35, 53]


def test_rasterize_scales_coordinates() -> None:
    s = [Stroke(((100, 100),), (0, 255, 0), 20)]
    r = rasterize(s, 100, 100, scale=0.5)
    assert r.mask[50, 50] and not r.mask[50, 58]


def test_rgba_png_round_trip(tmp_path: Path) -> None:
    r = rasterize(_strokes(), 100, 100)
    save_png(tmp_path / "h.png", r.to_rgba())
    back = load_hints(tmp_path / "h.png", 100, 100)
    assert np.array_equal(back.mask, r.mask)
    assert np.array_equal(back.rgb[back.mask], r.rgb[r.mask])


def test_hint_png_without_alpha_is_refused(tmp_path: Path) -> None:
    save_png(tmp_path / "h.png", np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(BadHintsError, match="transparency"):
        load_hints(tmp_path / "h.png", 10, 10)


def test_downscaling_keeps_thin_strokes() -> None:
    r = rasterize([Stroke(((0, 200), (399, 200)), (10, 200, 30), 1.0)], 400, 400)
    small = r.resized(100, 100)
    assert small.mask[50].sum() >= 95
    assert np.all(small.rgb[small.mask] == (10, 200, 30))
    empty = HintRaster.empty(40, 30)
    assert empty.size == (40, 30) and not empty.mask.any()


def test_json_scaled_to_sketch_size(tmp_path: Path) -> None:
    HintSet((Stroke(((50, 50),), (1, 2, 3), 4),), (100, 100)).save(tmp_path / "h.json")
    r = load_hints(tmp_path / "h.json", 200, 200)
    assert r.mask[100, 100] and not r.mask[50, 50]


@pytest.mark.parametrize("text,match", [
    ("{not json", "not valid JSON"),
    ('{"format": "other", "strokes": []}', "not a GANime hint"),
    ('{"strokes": [{"points": []}]}', "at least one point"),
    ('{"strokes": [{"points": [[1, 2]], "color": "#zzzzzz"}]}', "rrggbb"),
    ('{"strokes": [{"points": [[1, 2]], "width": -3}]}', "positive"),
    ('{"strokes": [{"points": [[1, "x"]]}]}', "invalid hint stroke"),
    ('{"strokes": [5]}', "must be an object"),
    ('{"version": 7, "strokes": []}', "newer"),
])
def test_bad_json(text: str, match: str) -> None:
    with pytest.raises(BadHintsError, match=match):
        HintSet.from_json(text)


def test_parse_color() -> None:
    assert parse_color("#FF8000") == (255, 128, 0)
    assert parse_color([1, 2, 3]) == (1, 2, 3)
