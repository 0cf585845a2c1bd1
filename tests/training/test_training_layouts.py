"""The three data layouts, the split by file, and unreadable files."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from ganime_core.io.imageio import save_png
from training.datasets import AugmentConfig, ColorizationDataset, read_item
from training.layouts import discover, split, split_sidebyside


def _sketch_of(rgb: np.ndarray) -> np.ndarray:
    grey = rgb.mean(axis=2)
    return np.where(grey < 60, 0, 255).astype(np.uint8)


def test_pairs_in_one_folder(tmp_path: Path, make_cartoon) -> None:
    rng = np.random.default_rng(1)
    for i in range(5):
        rgb = make_cartoon(rng)
        save_png(tmp_path / f"{i:03d}_color.png", rgb)
        save_png(tmp_path / f"{i:03d}_sketch.png", _sketch_of(rgb))
    save_png(tmp_path / "lonely_sketch.png", _sketch_of(make_cartoon(rng)))  # no colour partner
    layout, items = discover(tmp_path)
    assert layout == "pairs" and len(items) == 5
    assert all(it.sketch is not None and it.sketch.stem == it.color.stem.replace("color", "sketch")
               for it in items)
    rgb, sketch = read_item(items[0])
    assert rgb.shape == (48, 48, 3) and sketch is not None and sketch.shape == (48, 48)
    assert sketch.min() == 0.0 and sketch.max() == 1.0


def test_parallel_folders(tmp_path: Path, make_cartoon) -> None:
    rng = np.random.default_rng(2)
    for i in range(4):
        rgb = make_cartoon(rng)
        save_png(tmp_path / "color" / f"{i}.png", rgb)
        save_png(tmp_path / "sketch" / f"{i}.png", _sketch_of(rgb))
    layout, items = discover(tmp_path)
    assert layout == "pairs" and len(items) == 4
    assert all(it.color.parent.name == "color" and it.sketch.parent.name == "sketch" for it in items)


@pytest.mark.parametrize("sketch_left", [False, True])
def test_side_by_side_detects_the_sketch_half(tmp_path: Path, sketch_left: bool, make_cartoon) -> None:
    rng = np.random.default_rng(3)
    for i in range(3):
        rgb = make_cartoon(rng)
        sk = np.repeat(_sketch_of(rgb)[..., None], 3, axis=2)
        pair = np.concatenate([sk, rgb] if sketch_left else [rgb, sk], axis=1)
        save_png(tmp_path / f"{i}.png", pair)
    layout, items = discover(tmp_path)
    assert layout == "sidebyside" and len(items) == 3
    rgb, sketch = read_item(items[0])
    assert rgb.shape == (48, 48, 3) and sketch is not None
    assert set(np.unique(sketch)) <= {0.0, 1.0}
    colour, sk = split_sidebyside(np.concatenate([rgb, np.repeat((sketch[..., None] * 255).astype(np.uint8), 3, 2)], 1))
    assert np.array_equal(colour, rgb)


def test_color_only_and_split(color_data: Path) -> None:
    layout, items = discover(color_data)
    assert layout == "color" and len(items) == 20
    train, val = split(items, 0.2, seed=0)
    assert len(val) == 4 and len(train) == 16
    assert {it.group for it in val} == {"faces", "fullbody"}  # every group is represented
    assert not {it.name for it in train} & {it.name for it in val}
    again = split(items, 0.2, seed=0)
    assert [it.name for it in again[1]] == [it.name for it in val]
    other = split(items, 0.2, seed=1)
    assert [it.name for it in other[1]] != [it.name for it in val]


def test_samples_real_pairs_parse(samples_dir: Path) -> None:
    layout, items = discover(samples_dir)
    assert layout == "pairs" and [it.color.name for it in items] == [
        "001_color.png", "002_color.png", "003_color.png", "004_color.png"]


def test_unreadable_file_is_skipped_and_named(color_data: Path, caplog: pytest.LogCaptureFixture) -> None:
    bad = color_data / "faces" / "000.png"
    bad.write_bytes(b"not an image")
    _, items = discover(color_data)
    ds = ColorizationDataset(items, AugmentConfig(canvas=32, crop=32), train=True)
    with caplog.at_level(logging.WARNING):
        samples = [ds[(i, 0, i)] for i in range(len(ds))]
    assert len(samples) == len(ds) and all(s["x"].shape == (5, 32, 32) for s in samples)
    assert ds.bad == {str(bad)}
    assert "000.png" in caplog.text and "skipping unreadable image" in caplog.text
