"""Barrier strokes: data, JSON files, rasterising, and their effect on the segmentation.

The Hypothesis properties throw random and mutated barrier JSON at ``from_json`` / ``load`` in
the style of ``test_hostile_hints.py``: only ``BadBarriersError`` (a typed ``GanimeError``)
comes out, fast, and whatever parses rasterises.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from hostile_helpers import bounded, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from ganime_core.errors import BadHintsError, GanimeError
from ganime_core.inputs import barriers
from ganime_core.inputs.barriers import BadBarriersError, Barrier
from ganime_core.regions import RegionConfig, segment

BOUNDED = fuzz_settings(40)

JSON_SCALARS = (st.none() | st.booleans() | st.integers(-(10**30), 10**30)
                | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
NUMBERS = (st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**15), 10**15)
           | st.sampled_from([1e9, -1e12, 1e12, 0, -1, 0.5, 1e7, 1e7 + 1]) | JSON_SCALARS)


def test_barrier_round_trips_through_json_and_files(tmp_path: Path) -> None:
    bs = [Barrier(((1.5, 2.0), (30.25, 40.0)), 4.0), Barrier([(5, 5)], 1)]
    assert bs[1].points == ((5.0, 5.0),) and bs[1].width == 1.0  # normalised to float tuples
    assert Barrier(np.array([[1.5, 2.0], [30.25, 40.0]]), np.float32(4.0)) == bs[0]
    with pytest.raises(BadBarriersError, match="pairs"):
        Barrier(((1.0, float("nan")),))
    doc = barriers.to_json(bs)
    assert doc["format"] == "ganime-barriers" and len(doc["barriers"]) == 2
    assert barriers.from_json(json.loads(json.dumps(doc)), "project") == bs
    assert barriers.from_json(json.dumps(doc), "text") == bs
    path = tmp_path / "page.barriers.json"
    barriers.save(path, bs)
    assert barriers.load(path) == bs
    assert not list(tmp_path.glob("*.tmp*"))  # the atomic write left nothing behind


@pytest.mark.parametrize("doc, words", [
    ({"barriers": [{"points": [[0, 0]], "width": 1e9}]}, "width"),
    ({"barriers": [{"points": [[1e12, -1e12], [5, 5]]}]}, "beyond any canvas"),
    ({"barriers": [{"points": [[1, 2, 3]]}]}, "pairs"),
    ({"barriers": [{"points": []}]}, "points"),
    ({"barriers": [{"points": [[0, 0]], "width": -2}]}, "width"),
    ({"barriers": [{"points": [[0, 0]], "width": True}]}, "width"),
    ({"barriers": [{"points": [["1", 2]]}]}, "pairs"),
    ({"barriers": [5]}, "object"),
    ({"barriers": {"points": []}}, "list"),
    ({"format": "ganime-hints", "barriers": []}, "not GANime barrier data"),
    ({"version": 99, "barriers": []}, "newer"),
    ({"version": "1", "barriers": []}, "whole number"),
    ("[[[", "not valid JSON"),
    (b"{\"barriers\": [], \"note\": \"caf\xe9\"}", "not UTF-8"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (42, "object"),
])
def test_bad_barrier_data_is_a_plain_error_naming_its_source(doc: object, words: str) -> None:
    with pytest.raises(BadBarriersError, match=words) as err:
        bounded(lambda: barriers.from_json(doc, "scene.ganime"))
    assert str(err.value).startswith("scene.ganime: ") and "OpenCV" not in str(err.value)
    assert isinstance(err.value, BadHintsError) and isinstance(err.value, GanimeError)


def test_barrier_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "walls.json"
    path.write_bytes(b'{"barriers": [{"points": [[0, 0]], "width": "wide"}]}')
    with pytest.raises(BadBarriersError, match=r"^walls\.json: .*width"):
        barriers.load(path)
    with pytest.raises(BadBarriersError, match=r"cannot read barrier file missing\.json"):
        barriers.load(tmp_path / "missing.json")


def test_rasterize_draws_thick_aliased_polylines() -> None:
    mask = barriers.rasterize([Barrier(((10.0, 20.0), (50.0, 20.0), (50.0, 40.0)), 5.0)], 64, 48)
    assert mask.dtype == bool and mask.shape == (48, 64)
    assert mask[20, 10:51].all() and mask[20:41, 50].all()  # both segments, end to end
    assert mask[18:23, 30].all() and not mask[16, 30] and not mask[24, 30]  # 5 px thick
    assert not mask[40, 10] and mask.sum() < 500  # about 60 px x 5 px plus round caps
    assert not barriers.rasterize([], 64, 48).any()
    half = barriers.rasterize([Barrier(((20.0, 40.0), (100.0, 40.0)), 4.0)], 32, 24, scale=0.5)
    assert half[20, 10:].all() and half.sum() < 32 * 4  # coordinates scaled to a smaller canvas


def test_rasterize_clips_huge_widths_and_far_points() -> None:
    """Values that pass validation but dwarf the canvas are clipped, never passed to OpenCV."""
    huge = bounded(lambda: barriers.rasterize([Barrier(((32.0, 24.0),), 5e6)], 64, 48))
    assert huge.all()
    far = bounded(lambda: barriers.rasterize([Barrier(((-9e6, 10.0), (9e6, 10.0)), 2.0)], 64, 48))
    rows = np.nonzero(far.any(axis=1))[0]
    assert far[10].all() and rows.min() >= 8 and rows.max() <= 12
    off = barriers.rasterize([Barrier(((5e6, 5e6), (6e6, 6e6)), 100.0)], 64, 48, scale=100.0)
    assert not off.any()
    with pytest.raises(ValueError, match="canvas size"):
        barriers.rasterize([], 0, 48)


def test_apply_burns_the_mask_in_as_ink_without_touching_the_input() -> None:
    lines = np.ones((10, 12), np.float32)
    mask = np.zeros((10, 12), bool)
    mask[3, 4] = True
    out = barriers.apply(lines, mask)
    assert out[3, 4] == 0.0 and out.sum() == 10 * 12 - 1 and lines.min() == 1.0
    assert np.array_equal(barriers.apply(lines, None), lines)
    with pytest.raises(ValueError, match="does not match"):
        barriers.apply(lines, np.zeros((5, 5), bool))


def _open_circle(size: int = 768, gap: int = 30) -> np.ndarray:
    """A circle outline (3 px) with a ``gap`` px opening at its top."""
    img = np.full((size, size), 255, np.uint8)
    c, r = size // 2, size // 4
    cv2.circle(img, (c, c), r, 0, 3, cv2.LINE_AA)
    img[c - r - 4:c - r + 5, c - gap // 2:c + gap // 2] = 255
    return img.astype(np.float32) / 255.0


def test_a_barrier_closes_a_gap_the_gap_size_leaves_open() -> None:
    """The face-outline case: a 30 px gap floods the page; one barrier across it holds."""
    lines = _open_circle()
    c, r = 384, 192
    config = RegionConfig(gap_close=6)
    open_ = segment(lines, config)
    assert open_.region_at(c, c) == open_.region_at(5, 5)  # leaks into the page
    wall = Barrier(((c - 30.0, c - r + 0.0), (c + 30.0, c - r + 0.0)), 3.0)
    mask = barriers.rasterize([wall], 768, 768)
    closed = segment(barriers.apply(lines, mask), config)
    inside, page = closed.region_at(c, c), closed.region_at(5, 5)
    assert inside != page
    disc = np.zeros(lines.shape, np.uint8)
    cv2.circle(disc, (c, c), r - 4, 1, -1)
    assert (closed.labels[disc > 0] == inside).mean() > 0.999  # the whole inside, nothing else
    assert (closed.labels == inside).sum() < 1.05 * np.pi * r * r


# -- properties ---------------------------------------------------------------------------------

BARRIER_OBJS = st.fixed_dictionaries(
    {"points": st.lists(st.lists(NUMBERS, min_size=0, max_size=3), max_size=5) | JSON_VALUES},
    optional={"width": NUMBERS | JSON_SCALARS})
BARRIER_DOCS = st.fixed_dictionaries(
    {"barriers": st.lists(BARRIER_OBJS, max_size=4) | JSON_VALUES},
    optional={"format": st.just("ganime-barriers") | JSON_SCALARS, "version": NUMBERS})


def _check(load: Callable[[], list[Barrier]]) -> None:
    try:
        bs = bounded(load)
    except BadBarriersError as exc:
        assert str(exc).startswith(("fuzz.json: ", "cannot read"))
        return
    assert isinstance(bs, list) and all(isinstance(b, Barrier) for b in bs)
    mask = bounded(lambda: barriers.rasterize(bs, 64, 48))
    assert mask.shape == (48, 64) and mask.dtype == bool


@BOUNDED
@given(doc=BARRIER_DOCS | JSON_VALUES | st.lists(BARRIER_OBJS, max_size=3))
def test_random_barrier_documents_give_barriers_or_bad_barriers(doc: object) -> None:
    _check(lambda: barriers.from_json(doc, "fuzz.json"))
    _check(lambda: barriers.from_json(json.dumps(doc), "fuzz.json"))


VALID = json.dumps(barriers.to_json([Barrier(((5.0, 5.0), (40.0, 30.0)), 3.0),
                                     Barrier(((1.0, 2.0),), 8.0)])).encode()


@BOUNDED
@given(edits=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.binary(max_size=3)),
                      min_size=1, max_size=6))
def test_mutated_barrier_files_give_barriers_or_bad_barriers(edits: list[tuple[int, bytes]],
                                                             tmp_path: Path) -> None:
    data = bytearray(VALID)
    for pos, new in edits:
        data[pos:pos + len(new)] = new
    path = tmp_path / "fuzz.json"
    path.write_bytes(bytes(data))
    _check(lambda: barriers.load(path))
