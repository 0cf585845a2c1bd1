"""Character files: a character round-trips bit for bit; hostile files (other kinds, other
versions, truncated, mutated, inconsistent arrays) raise only ``CharacterFileError`` naming the
file, within bounded time and memory (Hypothesis, as the other readers' suites)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hostile_helpers import bounded, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from ganime_core.character import CharacterFile, CharacterFileError, load_character, save_character
from ganime_core.character.file import FORMAT, FORMAT_VERSION, character_from_bytes

BOUNDED = fuzz_settings(40)


def small_character(n: int = 6, parts: int = 3, emb: bool = True) -> CharacterFile:
    rng = np.random.default_rng(0)
    h, w = 24, 20
    labels = (np.arange(h * w).reshape(h, w) // (h * w // n + 1) + 1).astype(np.int32)
    lab = lambda k: np.c_[rng.uniform(0, 100, k), rng.uniform(-60, 60, (k, 2))].astype(np.float32)  # noqa: E731
    e = rng.normal(size=(n + 1, 8)).astype(np.float32)
    return CharacterFile(version=FORMAT_VERSION, name="Aoi", lines=rng.integers(0, 256, (h, w)).astype(np.float32) / 255,
                         labels=labels, own_lab=lab(n + 1), part=rng.integers(0, parts + 1, n + 1).astype(np.int32),
                         part_lab=lab(parts + 1), net_lab=lab(n + 1),
                         emb=(e / np.linalg.norm(e, axis=1, keepdims=True)) if emb else None,
                         generator="ab" * 32, thumbnail=rng.integers(0, 256, (16, 12, 3)).astype(np.uint8),
                         box=(1.0, 2.0, 18.0, 22.0),
                         palette=np.c_[lab(4), np.full(4, 0.25, np.float32)].astype(np.float32))


def _same(a: CharacterFile, b: CharacterFile) -> None:
    for k in ("lines", "labels", "own_lab", "part", "part_lab", "net_lab", "thumbnail", "palette"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
    assert (a.emb is None) == (b.emb is None)
    if a.emb is not None:
        assert np.array_equal(a.emb, b.emb)
    assert (a.name, a.generator, a.box, a.version) == (b.name, b.generator, b.box, b.version)


@pytest.mark.parametrize("emb", [True, False])
def test_a_character_round_trips(tmp_path: Path, emb: bool) -> None:
    c = small_character(emb=emb)
    path = save_character(c, tmp_path / "aoi.ganime-character")
    again = load_character(path)
    _same(c, again)
    _same(again, load_character(save_character(again, tmp_path / "again.ganime-character")))
    assert again.part_colours().shape == (c.n_parts, 3)


def test_a_made_character_round_trips(tmp_path: Path, tiny_colorizer) -> None:
    from test_character import OPTS, _shapes, draw

    from ganime_core.character import create_character

    c = create_character(tiny_colorizer, draw(_shapes(2), (120, 160)), "Mika", options=OPTS)
    again = load_character(save_character(c, tmp_path / "mika.ganime-character"))
    c.lines = np.rint(c.lines * 255) / 255  # the file keeps the line art in 8 bits
    _same(c, again)


def _bytes(c: CharacterFile | None = None, meta: dict | None = None, **arrays: np.ndarray) -> bytes:
    from safetensors.numpy import save

    c = c or small_character()
    tensors = {**c.tensors(), **arrays}
    m = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "name": "x", "generator": "",
         "box": json.dumps(list(c.box))}
    return save({k: v for k, v in tensors.items() if v is not None}, metadata={**m, **(meta or {})})


@pytest.mark.parametrize("data, words", [
    (b"", "too short"),
    (b"\x00" * 7, "too short"),
    ((10 ** 12).to_bytes(8, "little") + b"{}", "bad header size"),
    ((2).to_bytes(8, "little") + b"[]", "not an object"),
    ((4).to_bytes(8, "little") + b"\xff\xfe{}", "header"),
    (_bytes(meta={"format": "ganime-weights"}), "not a character file"),
    (_bytes(meta={"format_version": "99"}), "version '99'"),
    (_bytes(meta={"format_version": "1e9"}), "version"),
    (_bytes(meta={"box": "[1, 2]"}), "'box'"),
    (_bytes(meta={"box": "[[[[["}), "'box'"),
    (_bytes(labels=np.full((24, 20), 99, np.int32)), "'labels' must lie"),
    (_bytes(labels=np.zeros((3, 3), np.int32)), "'labels' must be int32"),
    (_bytes(lines=np.zeros((24, 20), np.float32)), "'lines' must be uint8"),
    (_bytes(part=np.full(7, 9, np.int32)), "'part' must lie"),
    (_bytes(own_lab=np.full((7, 3), np.nan, np.float32)), "out of range"),
    (_bytes(part_lab=np.zeros((4, 2), np.float32)), "'part_lab'"),
    (_bytes(emb=np.full((7, 8), 3.0, np.float32)), "unit vectors"),
    (_bytes(thumbnail=np.zeros((4000, 2, 3), np.uint8)), "'thumbnail'"),
    (_bytes(palette=np.zeros((9, 4), np.float32)), "'palette'"),
    (_bytes(extra=np.zeros(3, np.float32)), "unknown array"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_hostile_files_are_named_errors(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "bad.ganime-character"
    path.write_bytes(data)
    with pytest.raises(CharacterFileError) as err:
        bounded(lambda: load_character(path))
    assert "bad.ganime-character" in str(err.value) and words in str(err.value)


def test_a_missing_array_and_a_missing_file_are_named(tmp_path: Path) -> None:
    from safetensors.numpy import save

    c = small_character()
    t = c.tensors()
    del t["part"]
    with pytest.raises(CharacterFileError, match="lacks part"):
        character_from_bytes(save(t, metadata={"format": FORMAT, "format_version": "1", "box": "[0,0,1,1]"}), "c.x")
    with pytest.raises(CharacterFileError, match="gone.ganime-character"):
        load_character(tmp_path / "gone.ganime-character")


GOOD = _bytes()


@BOUNDED
@given(st.binary(max_size=2048))
def test_random_bytes_give_only_typed_errors(data: bytes) -> None:
    with pytest.raises(CharacterFileError, match="fuzz"):
        bounded(lambda: character_from_bytes(data, "fuzz"))


@BOUNDED
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), min_size=1, max_size=12),
       st.integers(0, len(GOOD)))
def test_mutated_files_give_a_character_or_a_typed_error(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(GOOD)
    for pos, value in edits:
        data[pos] = value
    data = data[:cut] if cut < len(data) else data
    try:
        c = bounded(lambda: character_from_bytes(bytes(data), "fuzz"))
    except CharacterFileError as exc:
        assert "fuzz" in str(exc)
        return
    # what reads is consistent: every label has its colour and part
    assert int(c.labels.max(initial=0)) <= c.n_regions and int(c.part.max(initial=0)) <= c.n_parts


def test_any_form_of_character_is_taken(tmp_path: Path, tiny_colorizer) -> None:
    from test_character import _shapes, draw

    from ganime_core.character import as_character
    from ganime_core.io.imageio import save_png

    c = small_character()
    path = save_character(c, tmp_path / "aoi.ganime-character")
    assert as_character(tiny_colorizer, c) is c
    _same(as_character(tiny_colorizer, path), c)
    _same(as_character(tiny_colorizer, path.read_bytes()), c)
    with pytest.raises(CharacterFileError, match="version"):
        as_character(tiny_colorizer, _bytes(meta={"format_version": "7"}))
    picture = save_png(tmp_path / "mika.png", draw(_shapes(2), (120, 160)))
    made = as_character(tiny_colorizer, picture)
    assert made.name == "mika" and made.n_parts >= 3
