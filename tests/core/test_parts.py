"""Parts: region and pair features, the part model file, a hint's claim carried over its part."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ganime_core.errors import WeightsError
from ganime_core.inputs.hints import HintRaster
from ganime_core.parts.features import (
    MODEL_FEATURES,
    PAIR_FEATURES,
    candidate_pairs,
    pair_features,
    region_colours,
    region_shape,
    seed_features,
    touch_length,
)
from ganime_core.parts.model import PartModel, load_part_model
from ganime_core.parts.spread import Joins, join_probabilities, pack, spread_claims
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


def _claims(regions, *pairs):
    claimed = np.zeros(regions.n + 1, bool)
    colours = np.zeros((regions.n + 1, 3), np.uint8)
    for label, colour in pairs:
        claimed[label], colours[label] = True, colour
    return claimed, colours


def test_a_claim_spreads_to_its_part_and_nowhere_else() -> None:
    regions = _regions()
    left, mid, right = (regions.region_at(x, 30) for x in (40, 80, 120))
    face, eye_l, eye_r = regions.region_at(80, 130), regions.region_at(60, 95), regions.region_at(100, 95)
    blue, green = (40, 60, 220), (30, 180, 60)
    claimed, colours = _claims(regions, (mid, blue), (eye_l, green))
    prob = np.zeros((2, regions.n + 1), np.float32)
    keys = pack(np.array([green, blue]))  # sorted, as join_probabilities makes them
    prob[1, [left, right]] = 0.9  # the strands, for the blue hint
    prob[1, face] = 0.6  # a look-alike below the threshold
    prob[0, eye_r] = 0.95  # the second eye: apart from the first, so it needs more
    prob[0, face] = 0.4
    joins = Joins(keys, prob)
    out, out_col, conf = spread_claims(joins, regions, claimed, colours)
    assert out[[left, mid, right, eye_l, eye_r]].all() and not out[face]
    prob[0, eye_r] = 0.8  # likely, but apart from its hint's part and not likely enough for that
    assert not spread_claims(Joins(keys, prob), regions, claimed, colours)[0][eye_r]
    prob[0, eye_r] = 0.95
    assert tuple(out_col[right]) == blue and tuple(out_col[eye_r]) == green
    assert conf[mid] == 1.0 and conf[left] == pytest.approx(0.9) and conf[face] == 0.0
    assert conf[eye_r] == pytest.approx(0.95)
    strict, _, _ = spread_claims(joins, regions, claimed, colours, threshold=0.95)
    assert not strict[left] and strict[mid]  # a stricter confidence keeps to the hint's own regions


def test_the_page_never_joins_a_part() -> None:
    regions = _regions()
    page, mid = regions.region_at(2, 2), regions.region_at(80, 30)
    claimed, colours = _claims(regions, (mid, (200, 0, 0)))
    joins = Joins(pack(np.array([(200, 0, 0)])), np.ones((1, regions.n + 1), np.float32))
    out, _, _ = spread_claims(joins, regions, claimed, colours)
    assert not out[page] and out[regions.region_at(40, 30)]


class _Moved:
    """A stand-in part model with a plain rule: a region is in the part when the network moved
    it more than half way to the hint's colour."""

    def same_part(self, x: np.ndarray) -> np.ndarray:
        return (x[:, MODEL_FEATURES.index("moved")] > 0.5).astype(np.float32)


def test_join_probabilities_read_the_network_answer() -> None:
    regions = _regions()
    left, mid, right = (regions.region_at(x, 30) for x in (40, 80, 120))
    face = regions.region_at(80, 130)
    unhinted = np.full((160, 160, 3), 200, np.uint8)
    hinted = unhinted.copy()
    hinted[regions.labels == left] = (40, 60, 220)  # the network carried the blue hint here
    hinted[regions.labels == mid] = (40, 60, 220)
    claimed, colours = _claims(regions, (mid, (40, 60, 220)))
    joins = join_probabilities(regions, unhinted, hinted, claimed, colours, _Moved())
    assert joins.prob.shape == (1, regions.n + 1)
    assert joins.prob[0, left] == 1.0 and joins.prob[0, right] == 0.0 and joins.prob[0, face] == 0.0
    x = seed_features(region_shape(regions), region_colours(regions, unhinted),
                      region_colours(regions, hinted)[0], np.array([30.0, 20.0, -60.0]),
                      np.array([mid, mid]), np.array([left, right]))
    assert x.shape == (2, len(MODEL_FEATURES)) and np.isfinite(x).all()


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
    f = len(MODEL_FEATURES)
    w = (rng.normal(size=(f, hidden)), rng.normal(size=hidden), rng.normal(size=(hidden, hidden)),
         rng.normal(size=hidden), rng.normal(size=(hidden, 1)), rng.normal(size=1))
    return PartModel(np.zeros(f, np.float32), np.ones(f, np.float32), tuple(a.astype(np.float32) for a in w))


def test_the_model_file_round_trips_and_bad_files_are_named(tmp_path: Path) -> None:
    model = _model()
    path = model.save(tmp_path / "parts.safetensors", {"note": "test"})
    back = load_part_model(path)
    x = np.random.default_rng(1).normal(size=(50, len(MODEL_FEATURES))).astype(np.float32)
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
              metadata={"format": "ganime-parts", "features": '["dL", "da", "wobble"]'})
    with pytest.raises(WeightsError, match="other features.*wobble"):
        load_part_model(tmp_path / "old.safetensors")


def test_a_part_model_for_some_of_the_features_reads_those(tmp_path: Path) -> None:
    """A model made before a feature was added (the first bundled one had no ``emb_sim``)."""
    full = _model()
    some = MODEL_FEATURES[:-1]
    sub = PartModel(full.mean[:-1], full.std[:-1], (full.weights[0][:-1], *full.weights[1:]), some)
    back = load_part_model(sub.save(tmp_path / "sub.safetensors"))
    assert back.features == some
    x = np.random.default_rng(2).normal(size=(20, len(MODEL_FEATURES))).astype(np.float32)
    np.testing.assert_allclose(back.same_part(x), sub.same_part(x), rtol=1e-6)
    x2 = x.copy()
    x2[:, -1] += 5.0  # the feature it was not made for changes nothing
    np.testing.assert_allclose(back.same_part(x2), back.same_part(x), rtol=1e-6)


@pytest.mark.slow
def test_on_the_real_pairs_a_dot_colours_more_of_its_part_with_little_leak(samples_dir: Path) -> None:
    """The shipped colour and part models on the four real sketch/colour pairs (the measure of
    ``training.parts_eval``): the part covers clearly more than the hint's regions, leaking little."""
    from ganime_core.api import Colorizer
    from training.parts_eval import cases, score_case

    colorizer = Colorizer.load(device="cpu", precision="fp32", memory_format="contiguous")
    assert colorizer.parts is not None, "the bundled part model is missing"
    variants = {"region": {"spread": "region"}, "part": {"spread": "part"}}
    rows = [r for c in cases("", 0, str(samples_dir))["pairs"] if (r := score_case(colorizer, c, variants))]
    assert len(rows) == 4
    mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
    assert mean["part/coverage"] >= mean["region/coverage"] + 0.05, mean
    assert mean["part/leak"] <= 0.03, mean


def test_a_hostile_hint_of_many_colours_on_a_busy_page_still_colorizes(tiny_weights: Path) -> None:
    """Hundreds of regions, each claimed by a hint of its own colour, with the bundled part model."""
    from ganime_core.api import Colorizer

    col = Colorizer.load(tiny_weights, device="cpu")
    if col.parts is None:
        pytest.skip("no bundled part model")
    rng = np.random.default_rng(0)
    lines = np.full((192, 192), 255, np.uint8)
    for v in range(0, 192, 8):
        lines[v, :] = lines[:, v] = 0  # a grid: 576 closed cells
    hints = np.zeros((192, 192, 4), np.uint8)
    for i in range(12):  # the upper half: a dab of its own colour in every cell
        for j in range(24):
            hints[8 * i + 2:8 * i + 7, 8 * j + 2:8 * j + 7] = (*rng.integers(0, 256, 3), 255)
    from ganime_core.inputs.hints import HintRaster
    from ganime_core.regions.queries import hint_claims

    regions = col.regions_for(lines.astype(np.float32) / 255)
    assert hint_claims(regions, HintRaster.from_rgba(hints))[0].sum() > 200  # hundreds of claims
    out = col.colorize(lines, hints, working_size=192, mode="locked")
    assert out.image.shape == (192, 192, 3) and out.layers is not None
