"""Hostile hint files, hint PNGs, palettes and pictures: only our typed errors come out, fast.

Regression tests for each case of issue 15 plus Hypothesis properties that throw random and
mutated files at each reader. Examples are bounded (derandomized, a few dozen per property, so
``make test`` stays fast and repeatable); ``GANIME_FUZZ=1`` runs a random, longer search.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hostile_helpers import bounded, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from ganime_core.errors import BadHintsError, BadImageError, GanimeError
from ganime_core.inputs.hints import HintSet, Stroke, load_hints, rasterize
from ganime_core.inputs.palettes import PaletteError, palette_of, read_gpl
from ganime_core.io.imageio import encode_png, load_image

BOUNDED = fuzz_settings(30)


DEEP = b"[" * 100_000 + b"]" * 100_000


def _stroke_doc(**stroke: object) -> str:
    return json.dumps({"format": "ganime-hints", "version": 1, "size": [64, 48],
                       "strokes": [{"points": [[5, 5], [20, 20]], "color": "#ff0000", "width": 6, **stroke}]})


# -- regression: each case the issue lists, as a hint file ------------------------------------

@pytest.mark.parametrize("text, words", [
    (json.dumps({"version": "abc", "strokes": []}), "version must be a whole number"),
    (json.dumps({"version": None, "strokes": []}), "version must be a whole number"),
    (json.dumps({"size": 64, "strokes": []}), "canvas size"),
    (json.dumps({"size": [0, 10], "strokes": []}), "canvas size"),
    (json.dumps({"size": [1e400, 10], "strokes": []}).replace("Infinity", "1e400"), "canvas size"),
    (DEEP.decode(), "nested too deeply"),
    ('{"strokes": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested too deeply"),
    (_stroke_doc(width=1e9), "hint width"),
    (_stroke_doc(points=[[1e12, -1e12], [5, 5]]), "beyond any canvas"),
    (_stroke_doc(points=[[-1e12, 5]]), "beyond any canvas"),
    (_stroke_doc(points=5), "points"),
    (_stroke_doc(points=[[1, 2, 3]]), "invalid hint stroke"),
    (_stroke_doc(pressures=[float("nan"), 1]), "pressures"),
    (_stroke_doc(color=[300, 0, 0]), "0..255"),
    (_stroke_doc(color={"r": 1}), "colour"),
    (_stroke_doc(erase="yes"), "erase"),
    ('{"strokes": [{"points": [[1' + "0" * 5000 + ', 1]]}]}', "not valid JSON"),
])
def test_each_hostile_hint_document_is_a_plain_error(text: str, words: str) -> None:
    with pytest.raises(BadHintsError, match=words):
        bounded(lambda: HintSet.from_json(text))


def test_non_utf8_hint_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_bytes(b'{"strokes": [], "note": "\xff\xfe caf\xe9"}')
    with pytest.raises(BadHintsError, match=r"page\.json: .*not UTF-8"):
        HintSet.load(path)
    with pytest.raises(BadHintsError, match=r"page\.json"):
        load_hints(path, 64, 48)


def test_deep_hint_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(DEEP)
    with pytest.raises(BadHintsError, match=r"deep\.json: .*nested too deeply"):
        bounded(lambda: load_hints(path, 64, 48))


def test_cli_reports_the_huge_width_in_plain_words(tmp_path: Path) -> None:
    """Was: ``failed: error: OpenCV(5.0.0) ... thickness <= MAX_THICKNESS`` for the width case."""
    path = tmp_path / "wide.json"
    path.write_text(_stroke_doc(width=1e9))
    with pytest.raises(BadHintsError) as err:
        load_hints(path, 64, 48)
    assert "wide.json" in str(err.value) and "OpenCV" not in str(err.value)


def test_rasterizer_clips_brushes_and_points_to_the_canvas() -> None:
    """Values that pass validation but dwarf the canvas are clipped, and drawn exactly."""
    huge = Stroke(((32.0, 24.0),), (10, 20, 30), 5e6)  # a brush far wider than the canvas
    r = bounded(lambda: rasterize([huge], 64, 48))
    assert r.mask.all() and (r.rgb == (10, 20, 30)).all()
    # a segment from far off-canvas through the canvas: the on-canvas part is drawn where it
    # crosses (the horizontal line y = 10), nothing else
    far = Stroke(((-9e6, 10.0), (9e6, 10.0)), (255, 0, 0), 2)
    r = bounded(lambda: rasterize([far], 64, 48))
    rows = np.nonzero(r.mask.any(axis=1))[0]
    assert r.mask[10].all() and rows.min() >= 8 and rows.max() <= 12
    # scaled far off the canvas entirely: nothing drawn, nothing raised
    off = Stroke(((5e6, 5e6), (6e6, 6e6)), (0, 255, 0), 100)
    assert not rasterize([off], 64, 48, scale=100.0).mask.any()
    # ordinary strokes are unchanged by the clipping (same pixels as one drawn by hand)
    plain = Stroke(((5.0, 5.0), (40.0, 30.0)), (1, 2, 3), 6)
    a = rasterize([plain], 64, 48)
    assert a.mask[5, 5] and a.mask[30, 40] and not a.mask[40, 5]


def test_hint_file_larger_than_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ganime_core.inputs.hints as hints

    monkeypatch.setattr(hints, "MAX_HINT_FILE_BYTES", 100)
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"strokes": [], "pad": "x" * 200}))
    with pytest.raises(BadHintsError, match=r"big\.json: too large"):
        HintSet.load(path)


# -- properties ---------------------------------------------------------------------------------

JSON_SCALARS = (st.none() | st.booleans() | st.integers(-(10**30), 10**30)
                | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
NUMBERS = (st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**15), 10**15)
           | st.sampled_from([1e9, -1e12, 1e12, 0, -1, 0.5]) | JSON_SCALARS)
STROKES = st.fixed_dictionaries(
    {"points": st.lists(st.lists(NUMBERS, min_size=0, max_size=3), max_size=5) | JSON_VALUES},
    optional={"color": st.sampled_from(["#ff0000", "red", "#12345z", ""]) | st.lists(NUMBERS, max_size=4)
              | JSON_VALUES,
              "width": NUMBERS, "pressures": st.lists(NUMBERS, max_size=5) | JSON_VALUES,
              "erase": JSON_SCALARS})
HINT_DOCS = st.fixed_dictionaries(
    {"strokes": st.lists(STROKES, max_size=4) | JSON_VALUES},
    optional={"format": st.just("ganime-hints") | JSON_SCALARS, "version": NUMBERS,
              "size": st.lists(NUMBERS, max_size=3) | JSON_VALUES})


def _check_hints(load: Callable[[], HintSet]) -> None:
    try:
        hs = bounded(load)
    except BadHintsError as exc:
        assert str(exc)  # a plain message
        return
    assert isinstance(hs, HintSet)
    raster = bounded(lambda: rasterize(hs, 64, 48))
    assert raster.rgb.shape == (48, 64, 3) and raster.mask.shape == (48, 64)


@BOUNDED
@given(doc=HINT_DOCS | JSON_VALUES)
def test_random_hint_documents_give_hints_or_bad_hints(doc: object) -> None:
    _check_hints(lambda: HintSet.from_json(json.dumps(doc)))


VALID_HINTS = _stroke_doc(pressures=[0.5, 1.0]).encode()


@BOUNDED
@given(edits=st.lists(st.tuples(st.integers(0, len(VALID_HINTS) - 1), st.binary(max_size=3)),
                      min_size=1, max_size=6))
def test_mutated_hint_files_give_hints_or_bad_hints(edits: list[tuple[int, bytes]], tmp_path: Path) -> None:
    data = bytearray(VALID_HINTS)
    for pos, new in edits:
        data[pos:pos + len(new)] = new
    path = tmp_path / "mutated.json"
    path.write_bytes(bytes(data))
    try:
        raster = bounded(lambda: load_hints(path, 64, 48))
    except BadHintsError as exc:
        assert "mutated.json" in str(exc)
        return
    assert raster.mask.shape == (48, 64)


def _valid_hint_png() -> bytes:
    rgba = np.zeros((12, 16, 4), np.uint8)
    rgba[3:6, 4:9] = (200, 30, 40, 255)
    return encode_png(rgba)


VALID_PNG = _valid_hint_png()


@BOUNDED
@given(data=st.binary(max_size=300) | st.lists(
    st.tuples(st.integers(0, len(VALID_PNG) - 1), st.binary(min_size=1, max_size=4)),
    min_size=1, max_size=5).map(lambda edits: _mutate(VALID_PNG, edits)))
def test_random_hint_pngs_give_a_raster_or_bad_hints(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "hints.png"
    path.write_bytes(data)
    try:
        raster = bounded(lambda: load_hints(path, 32, 24))
    except BadHintsError as exc:
        assert "hints.png" in str(exc)
        return
    assert raster.rgb.shape == (24, 32, 3)


def _mutate(data: bytes, edits: list[tuple[int, bytes]]) -> bytes:
    out = bytearray(data)
    for pos, new in edits:
        out[pos:pos + len(new)] = new
    return bytes(out)


def test_decoder_failures_of_any_type_are_bad_image_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """PIL's decoders raise struct.error, EOFError, ... on damaged files: all become BadImageError."""
    import struct

    from PIL import Image

    def broken(*_a, **_k):
        raise struct.error("unpack requires a buffer of 4 bytes")

    monkeypatch.setattr(Image, "open", broken)
    with pytest.raises(BadImageError, match="corrupt or truncated"):
        load_image(VALID_PNG)


VALID_GPL = "GIMP Palette\nName: Hero\nColumns: 4\n#\n255 0 0\tRed\n 12 34 56 Navy\n0 255 0\n"


@BOUNDED
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(lambda t: ("GIMP Palette\n" + t).encode())
       | st.lists(st.tuples(st.integers(0, len(VALID_GPL) - 1), st.binary(min_size=1, max_size=3)),
                  min_size=1, max_size=6).map(lambda e: _mutate(VALID_GPL.encode(), e)))
def test_random_palettes_give_swatches_or_palette_error(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "hero.gpl"
    path.write_bytes(data)
    try:
        name, swatches = bounded(lambda: read_gpl(path))
    except PaletteError as exc:
        assert "hero.gpl" in str(exc)
        return
    assert isinstance(name, str) and len(name) <= 200 and name.isprintable()
    assert all(len(rgb) == 3 and all(0 <= v <= 255 for v in rgb) for _, rgb in swatches)


def test_palette_regressions(tmp_path: Path) -> None:
    path = tmp_path / "x.gpl"
    path.write_bytes(b"GIMP Palette\nName: " + b"\x00\x1b" * 5000 + b"\n1 2 3\n")
    name, swatches = read_gpl(path)
    assert name == "x" and swatches[0][1] == (1, 2, 3)  # control characters dropped, fallback name
    for bad in ([[1, 2], [3]], [], [[float("nan"), 0, 0, 1]], [["a", "b", "c"]]):
        with pytest.raises(PaletteError):
            palette_of(bad)


def test_only_typed_errors_cross_the_reader_boundary() -> None:
    """The error classes above all derive from GanimeError, so the CLI and app catch them all."""
    assert all(issubclass(e, GanimeError) for e in (BadHintsError, BadImageError, PaletteError))
