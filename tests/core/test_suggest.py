"""Colour suggestions: the bundled families, their file's checks, and the previews."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from ganime_core import suggest as S
from ganime_core.errors import ColourFamilyError, GanimeError
from ganime_core.inputs.encoding import palette_from_image
from ganime_core.inputs.page import working_dims
from ganime_core.io.imageio import load_image
from ganime_core.options import ColorizeOptions


def test_bundled_families_load_and_are_distinct() -> None:
    families = S.colour_families()
    assert 6 <= len(families) <= 8
    assert len({f.name for f in families}) == len(families)
    for f in families:
        assert len(f.colours) == len(f.weights) == 8 and f.pictures > 0
        assert abs(sum(f.weights) - 1) < 1e-6 and list(f.weights) == sorted(f.weights, reverse=True)
        pal = f.palette()
        assert pal.shape == (8, 4) and pal.dtype == np.float32
    # no two families are near copies: every pair is ΔE76 10+ apart on average
    gaps = {(a.name, b.name): S.palette_distance(a.palette(), b.palette())
            for a, b in itertools.combinations(families, 2)}
    assert min(gaps.values()) > 10, min(gaps.items(), key=lambda kv: kv[1])
    assert S.colour_families() is not S.colour_families()  # a copy: callers may not change the cache


def test_families_cover_dark_blue_blonde_and_green() -> None:
    """The point of the suggestions: colours the unguided network never picks."""
    from ganime_core.color import rgb_to_lab

    def main_colour(f: S.ColourFamily) -> set[str]:
        kinds = set()
        for rgb, w in zip(f.colours, f.weights, strict=True):
            L, a, b = rgb_to_lab(np.array([rgb], np.uint8))[0]
            if w < 0.08:
                continue
            hue, chroma = np.degrees(np.arctan2(b, a)) % 360, np.hypot(a, b)
            kinds |= {"dark"} if L < 30 else set()
            kinds |= {"blue"} if chroma > 15 and 230 <= hue <= 320 else set()
            kinds |= {"blonde"} if L > 70 and chroma > 25 and 70 <= hue <= 100 else set()
            kinds |= {"green"} if chroma > 15 and 130 <= hue <= 200 else set()
        return kinds

    found = set().union(*(main_colour(f) for f in S.colour_families()))
    assert {"dark", "blue", "blonde", "green"} <= found, found


def _doc(**family) -> dict:
    row = {"name": "navy & silver", "colours": [[20, 30, 90], [200, 200, 210]], "weights": [0.6, 0.4]}
    row.update(family)
    return {"format": S.FORMAT, "version": 1, "families": [row]}


HOSTILE = {
    "not-json": b"{ nope",
    "not-utf8": b"\xff\xfe\x00{",
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "no-format": json.dumps({"families": []}).encode(),
    "future-version": json.dumps({**_doc(), "version": 99}).encode(),
    "bool-version": json.dumps({**_doc(), "version": True}).encode(),
    "no-families": json.dumps({**_doc(), "families": []}).encode(),
    "too-many": json.dumps({**_doc(), "families": _doc()["families"] * 40}).encode(),
    "family-not-object": json.dumps({**_doc(), "families": [3]}).encode(),
    "empty-name": json.dumps(_doc(name=" ")).encode(),
    "control-name": json.dumps(_doc(name="a\x1b[2Jb")).encode(),
    "colour-range": json.dumps(_doc(colours=[[20, 30, 900], [1, 2, 3]])).encode(),
    "colour-float": json.dumps(_doc(colours=[[20, 30.5, 90], [1, 2, 3]])).encode(),
    "colour-short": json.dumps(_doc(colours=[[20, 30], [1, 2, 3]])).encode(),
    "nine-colours": json.dumps(_doc(colours=[[1, 2, 3]] * 9, weights=[1 / 9] * 9)).encode(),
    "weights-length": json.dumps(_doc(weights=[1.0])).encode(),
    "weights-sum": json.dumps(_doc(weights=[0.6, 0.6])).encode(),
    "weights-negative": json.dumps(_doc(weights=[1.5, -0.5])).encode(),
    "weights-nan": b'{"format": "ganime-colour-families", "version": 1, "families": [{"name": "x", '
                   b'"colours": [[1, 2, 3]], "weights": [NaN]}]}',
    "huge-number": json.dumps(_doc()).replace("0.6", "1" + "0" * 5000).encode(),
    "pictures-negative": json.dumps(_doc(pictures=-3)).encode(),
    "two-same-names": json.dumps({**_doc(), "families": _doc()["families"] * 2}).encode(),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_broken_family_files_give_a_typed_error_naming_the_file(case: str, tmp_path: Path) -> None:
    path = tmp_path / f"{case}.json"
    path.write_bytes(HOSTILE[case])
    with pytest.raises(ColourFamilyError) as err:
        S.load_families(path)
    assert path.name in str(err.value)
    assert isinstance(err.value, GanimeError) and len(str(err.value)) < 300


def test_a_valid_file_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(_doc(pictures=7)))
    (fam,) = S.load_families(path)
    assert fam == S.ColourFamily("navy & silver", ((20, 30, 90), (200, 200, 210)), (0.6, 0.4), 7)
    assert S.load_families(path)[0].to_json()["colours"] == [[20, 30, 90], [200, 200, 210]]


def test_a_missing_or_oversized_bundled_file_names_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(S, "FAMILIES_FILE", tmp_path / "colour_families.json")
    S._bundled.cache_clear()
    try:
        with pytest.raises(ColourFamilyError, match="colour_families.json"):
            S.colour_families()
        (tmp_path / "colour_families.json").write_bytes(b" " * (S.MAX_FILE_BYTES + 1))
        with pytest.raises(ColourFamilyError, match="colour_families.json: too large"):
            S.colour_families()
    finally:
        S._bundled.cache_clear()


@pytest.fixture(scope="module")
def shipped():
    from ganime_core.api import Colorizer
    from ganime_core.runtime.weights import DEFAULT_WEIGHTS

    if not DEFAULT_WEIGHTS.is_file():
        pytest.skip(f"no shipped model at {DEFAULT_WEIGHTS}")
    return Colorizer.load(device="cpu", precision="fp32", memory_format="contiguous")


def test_suggestions_are_distinct_previews_of_the_sketch(shipped, samples_dir: Path) -> None:
    sketch = samples_dir / "lineart_2.png"
    width, height = load_image(sketch).size
    out = S.suggest(shipped, sketch, 6)
    assert [f for f, _ in out] == S.colour_families()[:6]
    w, h = working_dims(width, height, 256)
    for _, img in out:
        assert img.shape == (h, w, 3) and img.dtype == np.uint8
    # different colours, not the same picture six times: each pair of previews differs in its
    # main colours, and in the mean hue or the mean chroma of its coloured pixels
    pals = [palette_from_image(img) for _, img in out]
    for (i, a), (j, b) in itertools.combinations(enumerate(pals), 2):
        assert S.palette_distance(a, b) > 6, (out[i][0].name, out[j][0].name)
    hc = [S.mean_hue_chroma(img) for _, img in out]
    for (h1, c1), (h2, c2) in itertools.combinations(hc, 2):
        dh = abs((h1 - h2 + 180) % 360 - 180)
        assert dh > 10 or abs(c1 - c2) > 5, hc


def test_a_preview_is_what_the_click_gives(shipped, samples_dir: Path) -> None:
    """On a sketch no larger than the preview size, a suggestion is exactly the picture that
    colorize makes with its family as the colour guide (the batch changes nothing)."""
    sketch = samples_dir / "001_sketch.png"  # 256 x 256
    for family, preview in S.suggest(shipped, sketch, 3, options=ColorizeOptions(mode="locked")):
        full = shipped.colorize(sketch, working_size=256, mode="locked", palette=family.palette()).image
        assert np.array_equal(full, preview), family.name


def test_suggest_checks_n(tiny_colorizer) -> None:
    sketch = np.full((40, 60), 255, np.uint8)
    sketch[10:30, 20] = 0
    with pytest.raises(GanimeError, match="n must be"):
        S.suggest(tiny_colorizer, sketch, 0)
    with pytest.raises(GanimeError, match="n must be"):
        S.suggest(tiny_colorizer, sketch, len(S.colour_families()) + 1)
    out = S.suggest(tiny_colorizer, sketch, 2, size=32)
    assert [img.shape for _, img in out] == [(21, 32, 3)] * 2


def test_palette_distance() -> None:
    a = S.ColourFamily("a", ((255, 0, 0), (0, 0, 255)), (0.5, 0.5)).palette()
    b = S.ColourFamily("b", ((0, 0, 255), (255, 0, 0)), (0.5, 0.5)).palette()
    c = S.ColourFamily("c", ((0, 200, 0),), (1.0,)).palette()
    assert S.palette_distance(a, b) == pytest.approx(0, abs=1e-4)  # the order does not matter
    assert S.palette_distance(a, c) == pytest.approx(S.palette_distance(c, a))
    assert S.palette_distance(a, c) > 50
    with pytest.raises(ValueError):
        S.palette_distance(a, np.zeros((0, 4), np.float32))
