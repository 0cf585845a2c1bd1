"""The part head (``ganime_core.parts.embed``): region embeddings from the colour network's
decoder, stored in the part model file for the network it was trained on."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from ganime_core.errors import WeightsError
from ganime_core.parts.embed import (
    CELL,
    HeadConfig,
    PartHead,
    cell_counts,
    embedding_similarity,
    pool_regions,
    region_embeddings,
)
from ganime_core.parts.model import PartModel, load_part_model
from ganime_core.regions.segment import RegionConfig, segment


def _page() -> np.ndarray:
    lines = np.ones((96, 128), np.float32)
    cv2.rectangle(lines, (4, 4), (60, 90), 0.0, 2)
    cv2.rectangle(lines, (66, 4), (124, 90), 0.0, 2)
    return lines


def _taps(h: int, w: int, seed: int = 0) -> dict[int, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    c2, c3 = HeadConfig().channels
    return {2: torch.rand(1, c2, h // 8, w // 8, generator=g),  # the decoder's levels at 1/8, 1/4, 1/2
            3: torch.rand(1, c3, h // CELL, w // CELL, generator=g), 4: torch.rand(1, 4, h // 2, w // 2, generator=g)}


def test_cell_counts_add_up_to_each_region_area() -> None:
    regions = segment(_page(), RegionConfig(gap_close=4))
    label, cell, count = cell_counts(regions, (96 // CELL, 128 // CELL))
    per_region = np.bincount(label, weights=count, minlength=regions.n + 1)
    np.testing.assert_array_equal(per_region, regions.areas)
    assert cell.max() < (96 // CELL) * (128 // CELL)


def test_region_embeddings_are_unit_vectors_and_a_uniform_input_makes_them_alike() -> None:
    torch.manual_seed(0)
    regions = segment(_page(), RegionConfig(gap_close=4))
    head = PartHead().eval()
    lines = torch.from_numpy(_page())[None, None]
    emb = region_embeddings(head, _taps(96, 128), lines, regions)
    assert emb.shape == (regions.n + 1, HeadConfig().dim)
    np.testing.assert_allclose(np.linalg.norm(emb[1:], axis=1), 1.0, rtol=1e-5)
    flat = {k: torch.ones_like(v) for k, v in _taps(96, 128).items()}
    same = region_embeddings(head, flat, torch.ones_like(lines), regions)
    left, right = regions.region_at(30, 50), regions.region_at(95, 50)
    sim = embedding_similarity(same, np.array([left]), np.array([right]))
    assert sim[0] > 0.98  # nothing but the page border tells the two boxes apart
    assert embedding_similarity(None, np.array([left]), np.array([right]))[0] == 0


def test_pooling_is_differentiable_for_training() -> None:
    regions = segment(_page(), RegionConfig(gap_close=4))
    cells = torch.rand(8, 96 // CELL, 128 // CELL, requires_grad=True)
    emb = pool_regions(cells, cell_counts(regions, (96 // CELL, 128 // CELL)), regions.n)
    emb[1:].sum().backward()
    assert cells.grad is not None and cells.grad.abs().sum() > 0


def _model(head: PartHead | None, generator: str = "") -> PartModel:
    from ganime_core.parts.features import MODEL_FEATURES

    f, rng = len(MODEL_FEATURES), np.random.default_rng(0)
    w = (rng.normal(size=(f, 8)), np.zeros(8), rng.normal(size=(8, 8)), np.zeros(8), rng.normal(size=(8, 1)),
         np.zeros(1))
    return PartModel(np.zeros(f, np.float32), np.ones(f, np.float32), tuple(a.astype(np.float32) for a in w),
                     head=head, generator=generator)


def test_the_head_round_trips_and_serves_only_its_own_colour_model(tmp_path: Path) -> None:
    torch.manual_seed(1)
    head = PartHead(HeadConfig(hidden=16, dim=8)).eval()
    path = _model(head, "abc123").save(tmp_path / "parts.safetensors")
    back = load_part_model(path)
    assert back.head is not None and back.head.config == HeadConfig(hidden=16, dim=8)
    assert back.head_for("abc123") is back.head and back.head_for("other") is None
    taps, lines = _taps(64, 64), torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(back.head(*_inputs(taps, lines)), head(*_inputs(taps, lines)))
    assert load_part_model(_model(None).save(tmp_path / "plain.safetensors")).head is None


def _inputs(taps, lines):
    from ganime_core.parts.embed import head_inputs

    return head_inputs(taps, lines)


def test_a_broken_head_is_named(tmp_path: Path) -> None:
    from safetensors.numpy import safe_open, save_file

    path = _model(PartHead(HeadConfig(hidden=16, dim=8)), "x").save(tmp_path / "parts.safetensors")
    with safe_open(str(path), framework="numpy") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    tensors["head.out.weight"] = np.zeros((3, 3, 1, 1), np.float32)  # does not fit the config
    save_file(tensors, str(tmp_path / "bad.safetensors"), metadata=meta)
    with pytest.raises(WeightsError, match="part head does not load") as info:
        load_part_model(tmp_path / "bad.safetensors")
    assert "bad.safetensors" in str(info.value)
    meta["head"] = '{"channels": [1, 2], "hidden": 99999, "dim": 4}'
    save_file(tensors, str(tmp_path / "huge.safetensors"), metadata=meta)
    with pytest.raises(WeightsError, match="part head"):
        load_part_model(tmp_path / "huge.safetensors")


@pytest.mark.slow
def test_the_bundled_part_model_embeds_the_regions_of_a_real_sketch(samples_dir: Path) -> None:
    """The shipped files: the head is for the shipped colour model, so ``part_embeddings`` gives
    one unit vector per region, and a region is most like itself and its touching look-alikes."""
    from ganime_core.api import Colorizer
    from ganime_core.parts.query import part_embeddings

    colorizer = Colorizer.load(device="cpu", precision="fp32", memory_format="contiguous")
    assert colorizer.parts is not None
    assert colorizer.parts.head_for(colorizer.info.sha256) is not None, "the head is for the shipped model"
    regions, unhinted, emb = part_embeddings(colorizer, samples_dir / "lineart_1.png")
    assert emb is not None and emb.shape == (regions.n + 1, colorizer.parts.head.config.dim)
    big = np.argsort(-regions.areas)[:20]
    big = big[big > 0]
    np.testing.assert_allclose(np.linalg.norm(emb[big], axis=1), 1.0, rtol=1e-4)
    sim = emb[big] @ emb[big].T
    assert sim.min() < 0.9, "the regions are not all alike"
    assert unhinted.shape == (*regions.labels.shape, 3)
