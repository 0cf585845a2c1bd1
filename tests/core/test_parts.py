"""Parts: region and pair features, the part model file, a hint's claim carried over its part."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ganime_core.errors import WeightsError
from ganime_core.inputs.hints import HintRaster
from ganime_core.parts.features import (
    PAIR_FEATURES,
    candidate_pairs,
    pair_features,
    region_colours,
    region_shape,
    touch_length,
)
from ganime_core.parts.model import PartModel, load_part_model
from ganime_core.parts.spread import PartGraph, rule_graph, spread_claims
from ganime_core.regions.queries import raster_claims
from ganime_core.regions.segment import RegionConfig, segment


def _strands() -> np.ndarray:
    """A head of hair cut into three strands (the middle lines end before the outline: a gap
    the closing seals), a face below it, two eyes in the face; float line art 160x160."""
    lines = np.ones((160, 160), np.float32)
    cv2.rectangle(lines, (20, 10), (140, 60), 0.0, 2)  # hair
    cv2.line(lines, (60, 10), (60, 52), 0.0, 1)  # strand lines, 8 px short of the outline
    cv2.line(lines, (100, 10), (100, 52), 0.0, 1)
    cv2.rectangle(lines, (30, 60), (130, 150), 0.0, 2)  # face
    cv2.circle(lines, (60, 95), 8, 0.0, 2)
    cv2.circle(lines, (100, 95), 8, 0.0, 2)
    return lines


def _regions():
    return segment(_strands(), RegionConfig(gap_close=10))


def test_features_describe_touching_and_gap_closed_boundaries() -> None:
    regions = _regions()
    shape = region_shape(regions)
    left, mid, right = (regions.region_at(x, 30) for x in (40, 80, 120))
    face, eye_l, eye_r = regions.region_at(80, 130), regions.region_at(60, 95), regions.region_at(100, 95)
    assert len({left, mid, right, face, eye_l, eye_r}) == 6
    pairs = np.array(sorted([sorted((left, mid)), sorted((left, right)), sorted((face, eye_l))]), np.int64)
    length = touch_length(shape, pairs)
    free = touch_length(shape, pairs, "free")
    by = {tuple(p): (n, f) for p, n, f in zip(pairs.tolist(), length, free, strict=True)}
    n_lm, f_lm = by[tuple(sorted((left, mid)))]
    assert n_lm > 30 and 0.0 < f_lm < 0.5  # along a line, but a closed gap at the end
    assert by[tuple(sorted((left, right)))][0] == 0  # they do not meet
    assert by[tuple(sorted((face, eye_l)))][1] == 0  # a closed line all round: no gap
    rgb = np.full((160, 160, 3), 200, np.uint8)
    lab, spread = region_colours(regions, rgb)
    x = pair_features(shape, lab, spread, candidate_pairs(shape))
    assert x.shape == (len(candidate_pairs(shape)), len(PAIR_FEATURES)) and np.isfinite(x).all()


def test_a_claim_spreads_to_its_part_and_nowhere_else() -> None:
    regions = _regions()
    left, mid, right = (regions.region_at(x, 30) for x in (40, 80, 120))
    face, eye_l, eye_r = regions.region_at(80, 130), regions.region_at(60, 95), regions.region_at(100, 95)
    prob = np.zeros((regions.n + 1, regions.n + 1), np.float32)
    for group, p in (((left, mid, right), 0.9), ((eye_l, eye_r), 0.8)):
        for a in group:
            for b in group:
                prob[a, b] = p
    prob[left, face] = prob[face, left] = 0.3  # a look-alike below the threshold
    graph = PartGraph(prob)
    claimed = np.zeros(regions.n + 1, bool)
    colours = np.zeros((regions.n + 1, 3), np.uint8)
    claimed[mid], colours[mid] = True, (40, 60, 220)
    claimed[eye_l], colours[eye_l] = True, (30, 180, 60)
    out, out_col, conf = spread_claims(graph, regions, claimed, colours)
    assert out[[left, mid, right, eye_l, eye_r]].all() and not out[face]
    assert tuple(out_col[right]) == (40, 60, 220) and tuple(out_col[eye_r]) == (30, 180, 60)
    assert conf[mid] == 1.0 and conf[left] == pytest.approx(0.9) and conf[face] == 0.0
    strict, _, _ = spread_claims(graph, regions, claimed, colours, threshold=0.95)
    assert not strict[left] and strict[mid]  # a stricter confidence keeps to the hint's own regions
    ids = graph.parts(0.5)
    assert ids[left] == ids[right] != ids[eye_l] == ids[eye_r]


def test_the_page_never_joins_a_part() -> None:
    regions = _regions()
    page = regions.region_at(2, 2)
    mid = regions.region_at(80, 30)
    prob = np.ones((regions.n + 1, regions.n + 1), np.float32)
    claimed = np.zeros(regions.n + 1, bool)
    claimed[mid] = True
    out, _, _ = spread_claims(PartGraph(prob), regions, claimed, np.zeros((regions.n + 1, 3), np.uint8))
    assert not out[page] and out[regions.region_at(40, 30)]


def test_the_rule_joins_touching_look_alikes_only() -> None:
    regions = _regions()
    rgb = np.full((160, 160, 3), 230, np.uint8)
    rgb[10:60] = (120, 60, 30)  # the network coloured the hair brown
    rgb[60:] = (240, 200, 180)
    graph = rule_graph(regions, rgb)
    left, mid, right = (regions.region_at(x, 30) for x in (40, 80, 120))
    face = regions.region_at(80, 130)
    assert graph.prob[left, right] == 1.0 and graph.prob[left, mid] == 1.0 and graph.prob[mid, face] == 0.0


def test_raster_claims_take_regions_mostly_covered() -> None:
    regions = _regions()
    mid, left = regions.region_at(80, 30), regions.region_at(40, 30)
    rgb = np.zeros((160, 160, 3), np.uint8)
    mask = regions.labels == mid
    mask[15:20, 25:30] = True  # a corner of the left strand: not enough to claim it
    rgb[mask] = (10, 200, 30)
    claimed, colours = raster_claims(regions, HintRaster(rgb, mask))
    assert claimed[mid] and not claimed[left] and tuple(colours[mid]) == (10, 200, 30)


def _model(hidden: int = 4, seed: int = 0) -> PartModel:
    rng = np.random.default_rng(seed)
    f = len(PAIR_FEATURES)
    w = (rng.normal(size=(f, hidden)), rng.normal(size=hidden), rng.normal(size=(hidden, hidden)),
         rng.normal(size=hidden), rng.normal(size=(hidden, 1)), rng.normal(size=1))
    return PartModel(np.zeros(f, np.float32), np.ones(f, np.float32), tuple(a.astype(np.float32) for a in w))


def test_the_model_file_round_trips_and_bad_files_are_named(tmp_path: Path) -> None:
    model = _model()
    path = model.save(tmp_path / "parts.safetensors", {"note": "test"})
    back = load_part_model(path)
    x = np.random.default_rng(1).normal(size=(50, len(PAIR_FEATURES))).astype(np.float32)
    np.testing.assert_allclose(back.same_part(x), model.same_part(x), rtol=1e-6)
    assert back.info == {"note": "test"} and ((back.same_part(x) >= 0) & (back.same_part(x) <= 1)).all()
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 64)
    for bad, words in ((tmp_path / "junk.safetensors", "not a readable part model"),
                       (tmp_path / "missing.safetensors", "no part model there")):
        with pytest.raises(WeightsError, match=words) as info:
            load_part_model(bad)
        assert bad.name in str(info.value)


def test_a_part_model_for_other_features_is_refused(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    model = _model()
    tensors = {"mean": model.mean[:3], "std": model.std[:3]}
    tensors.update({k: v for k, v in zip(("w0", "b0", "w1", "b1", "w2", "b2"), model.weights, strict=True)})
    save_file(tensors, str(tmp_path / "old.safetensors"),
              metadata={"format": "ganime-parts", "features": '["dL", "da", "db"]'})
    with pytest.raises(WeightsError, match="other features"):
        load_part_model(tmp_path / "old.safetensors")
