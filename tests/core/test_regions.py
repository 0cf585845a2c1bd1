"""Region-aware colouring on synthetic line art with known regions (real sketches: test_regions_real)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ganime_core.color import luma, rgb_to_lab
from ganime_core.inputs.hints import HintRaster, Stroke, rasterize
from ganime_core.regions import (
    RegionConfig,
    binarize,
    bleeding,
    compose,
    hint_fidelity,
    region_colors,
    segment,
)
from ganime_core.regions.shading import SHADING_FLAT

RED = (230, 20, 30)


# ---------------------------------------------------------------- synthetic line art


def _finish(ink: np.ndarray, scale: int) -> np.ndarray:
    """uint8 drawing (0 ink, 255 paper) at ``scale``x -> float lines at 1x (area-averaged)."""
    img = ink.astype(np.float32) / 255.0
    if scale > 1:
        img = cv2.resize(img, (img.shape[1] // scale, img.shape[0] // scale),
                         interpolation=cv2.INTER_AREA)
    return img


def circles(scale: int = 1, aa: bool = False) -> np.ndarray:
    s = scale
    img = np.full((200 * s, 200 * s), 255, np.uint8)
    for r in (20, 40, 60, 80):
        cv2.circle(img, (100 * s, 100 * s), r * s, 0, 2 * s, cv2.LINE_AA if aa else cv2.LINE_8)
    return _finish(img, s)


def face(gap: int = 0, scale: int = 1, aa: bool = False) -> np.ndarray:
    """Head outline (with a vertical ``gap`` px on the right), two closed eyes, open mouth/nose."""
    s = scale
    lt = cv2.LINE_AA if aa else cv2.LINE_8
    img = np.full((200 * s, 200 * s), 255, np.uint8)
    cv2.ellipse(img, (100 * s, 100 * s), (70 * s, 85 * s), 0, 0, 360, 0, 3 * s, lt)
    for cx in (72, 128):
        cv2.circle(img, (cx * s, 85 * s), 12 * s, 0, 2 * s, lt)
        cv2.circle(img, (cx * s, 85 * s), 4 * s, 0, -1, lt)  # pupil (ink)
    cv2.ellipse(img, (100 * s, 135 * s), (22 * s, 10 * s), 0, 20, 160, 0, 2 * s, lt)  # mouth
    cv2.line(img, (100 * s, 100 * s), (95 * s, 115 * s), 0, 2 * s, lt)  # nose
    if gap:
        top = (100 - gap // 2) * s
        img[top:top + gap * s, 160 * s:181 * s] = 255
    return _finish(img, s)


def pencil(lines: np.ndarray, seed: int = 0) -> np.ndarray:
    """Grey graphite: ink only 45% dark, a little paper grain."""
    rng = np.random.default_rng(seed)
    grey = 1.0 - 0.45 * (1.0 - lines) + rng.normal(0, 0.015, lines.shape)
    return np.clip(grey, 0, 1).astype(np.float32)


def _disc(shape, c, r):
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (xx - c[0]) ** 2 + (yy - c[1]) ** 2 < r**2


FACE_SEEDS = {"background": (5, 5), "face": (100, 160), "eye_l": (64, 78), "eye_r": (136, 78)}


def _face_truth(shape):
    eye_l = _disc(shape, (72, 85), 10)
    eye_r = _disc(shape, (128, 85), 10)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    inside = ((xx - 100) / 68.0) ** 2 + ((yy - 100) / 83.0) ** 2 < 1
    outside = ((xx - 100) / 72.0) ** 2 + ((yy - 100) / 87.0) ** 2 > 1
    return {"eye_l": eye_l, "eye_r": eye_r, "face": inside & ~_disc(shape, (72, 85), 14)
            & ~_disc(shape, (128, 85), 14), "background": outside}


def _assert_truth(regions, truth, seeds, free_only=True):
    """Each truth area lies in one region (its seed's), and no region spans two truth areas."""
    labels = {name: regions.region_at(*seeds[name]) for name in seeds}
    assert len(set(labels.values())) == len(labels), labels
    for name, area in truth.items():
        sel = area & ~regions.line_mask if free_only else area
        values, counts = np.unique(regions.labels[sel], return_counts=True)
        assert values.tolist() == [labels[name]], (name, values, counts)


# ---------------------------------------------------------------- segmentation


def test_concentric_circles_every_ring_found():
    lines = circles()
    regions = segment(lines)
    assert regions.n == 5
    assert regions.labels.dtype == np.int32 and regions.labels.min() >= 1
    radii = [0, 20, 40, 60, 80, 200]
    yy, xx = np.mgrid[:200, :200]
    rr = np.hypot(xx - 100, yy - 100)
    found = set()
    for lo, hi in zip(radii[:-1], radii[1:], strict=True):
        ring = (rr > lo + 2) & (rr < hi - 2)
        values = np.unique(regions.labels[ring])
        assert len(values) == 1, (lo, hi, values)
        found.add(int(values[0]))
    assert found == set(range(1, 6))


def test_face_regions_found():
    regions = segment(face())
    assert regions.n == 4
    _assert_truth(regions, _face_truth(regions.shape), FACE_SEEDS)


@pytest.mark.parametrize("gap", [3, 5, 6])
def test_small_gap_is_closed(gap):
    regions = segment(face(gap=gap), RegionConfig(gap_close=6))
    assert regions.n == 4
    _assert_truth(regions, _face_truth(regions.shape), FACE_SEEDS)


@pytest.mark.parametrize("gap", [9, 14])
def test_large_gap_stays_open(gap):
    regions = segment(face(gap=gap), RegionConfig(gap_close=6))
    assert regions.n == 3
    assert regions.region_at(*FACE_SEEDS["face"]) == regions.region_at(*FACE_SEEDS["background"])


def test_gap_close_setting_is_honoured():
    assert segment(face(gap=9), RegionConfig(gap_close=10)).n == 4
    assert segment(face(gap=5), RegionConfig(gap_close=2)).n == 3


def test_nine_px_gap_holds_with_gap_12_on_a_768_page():
    """Issue 13: a 9 px gap must hold with ``--gap 12`` on a 768² page (and leak with 6)."""
    size, c, r = 768, 384, 256
    img = np.full((size, size), 255, np.uint8)
    cv2.circle(img, (c, c), r, 0, 3, cv2.LINE_AA)
    img[c - 4:c + 5, c + r - 6:c + r + 7] = 255  # 9 px opening on the right
    lines = img.astype(np.float32) / 255.0
    held = segment(lines, RegionConfig(gap_close=12))
    inside = held.labels == held.region_at(c, c)
    assert held.region_at(c, c) != held.region_at(2, 2)
    assert inside[_disc((size, size), (c, c), r - 3)].mean() > 0.999  # the whole disc ...
    assert not inside[~_disc((size, size), (c, c), r + 3)].any()  # ... and nothing outside
    leaked = segment(lines, RegionConfig(gap_close=6))
    assert leaked.region_at(c, c) == leaked.region_at(2, 2)


@pytest.mark.parametrize("style", ["aa", "pencil", "pencil_aa"])
def test_soft_and_pencil_lines_segment_like_crisp(style):
    crisp = segment(face(gap=4))
    soft = face(gap=4, scale=4, aa=True) if "aa" in style else face(gap=4)
    if style.startswith("pencil"):
        soft = pencil(soft)
    other = segment(soft)
    assert other.n == crisp.n == 4
    _assert_truth(other, _face_truth(other.shape), FACE_SEEDS)
    for seed in FACE_SEEDS.values():
        a, b = crisp.mask(crisp.region_at(*seed)), other.mask(other.region_at(*seed))
        iou = (a & b).sum() / (a | b).sum()
        assert iou > 0.92, (style, seed, iou)  # the eyes are small: a half-pixel shift costs 5%


def test_ink_specks_make_no_regions():
    lines = face().copy()
    rng = np.random.default_rng(1)
    ys, xs = rng.integers(0, 200, 60), rng.integers(0, 200, 60)
    lines[ys, xs] = 0.0  # single-pixel dirt
    regions = segment(lines)
    assert regions.n == 4
    _assert_truth(regions, _face_truth(regions.shape), FACE_SEEDS)
    isolated = cv2.dilate((face() < 0.5).astype(np.uint8), np.ones((5, 5), np.uint8))[ys, xs] == 0
    assert isolated.sum() > 40
    assert not binarize(lines)[ys[isolated], xs[isolated]].any()


def test_every_pixel_has_a_region_and_lines_are_shared():
    regions = segment(face())
    assert regions.labels.min() >= 1 and regions.labels.max() == regions.n
    assert regions.line_mask.any()
    # line pixels are given to the regions on both sides of the line
    head_line = regions.line_mask & ~_disc(regions.shape, (100, 100), 60)
    assert len(np.unique(regions.labels[head_line])) >= 2
    assert regions.region_at(-1, 0) == 0 and regions.region_at(0, 500) == 0


def test_blank_and_solid_images():
    assert segment(np.ones((40, 50), np.float32)).n == 1
    solid = segment(np.zeros((40, 50), np.float32))
    assert solid.n == 1 and solid.labels.min() == 1


# ---------------------------------------------------------------- colours and layers


def _network(shape, blur: float = 3.0):
    """A smudgy stand-in for the network: a skin-coloured face with a left-to-right shadow."""
    h, w = shape
    net = np.zeros((h, w, 3), np.float32)
    truth = _face_truth(shape)
    head = ~truth["background"]
    net[head] = (240, 200, 170)
    net[truth["eye_l"] | truth["eye_r"]] = (60, 90, 200)
    net *= np.linspace(0.7, 1.1, w, dtype=np.float32)[None, :, None]  # light from the right
    net[~head] = (250, 250, 250)
    net = np.clip(net, 0, 255)
    net = cv2.GaussianBlur(net, (0, 0), blur)  # bleeds across the lines
    return np.clip(np.rint(net), 0, 255).astype(np.uint8)


def _hint_at(x, y, color, width=6, shape=(200, 200)):
    return rasterize([Stroke(points=((x, y), (x + 2, y + 1)), color=color, width=width)],
                     shape[1], shape[0])


def test_hint_fills_exactly_its_region_and_nothing_across_a_line():
    lines = face(gap=4)
    regions = segment(lines)
    hints = _hint_at(64, 80, RED)
    for mode in ("flats", "locked"):
        layers = compose(lines, _network(lines.shape), hints, mode=mode, regions=regions)
        eye = regions.mask(regions.region_at(64, 80))
        red = np.all(layers.flats == RED, axis=2)
        assert np.array_equal(red, eye), mode  # the whole region, and only it
        assert (red & _face_truth(lines.shape)["eye_l"]).sum() == _face_truth(lines.shape)["eye_l"].sum()
        assert not red[~_disc(lines.shape, (72, 85), 14)].any()  # nothing past the eye's line
        comp_lab = rgb_to_lab(layers.composite)
        hue_red = (comp_lab[..., 1] > 40) & (comp_lab[..., 0] > 20)
        assert not hue_red[~_disc(lines.shape, (72, 85), 14)].any(), mode


def test_flats_are_single_colours_with_no_halo_on_lines():
    lines = face()
    regions = segment(lines)
    layers = compose(lines, _network(lines.shape), mode="flats", regions=regions)
    for label in range(1, regions.n + 1):
        colours = np.unique(layers.flats[regions.mask(label)], axis=0)
        assert len(colours) == 1, label
    eye_colour = layers.palette[regions.region_at(*FACE_SEEDS["eye_l"])]
    skin = layers.palette[regions.region_at(*FACE_SEEDS["face"])]
    assert eye_colour[2] > eye_colour[0] + 60  # blue eyes
    assert skin[0] > skin[2] + 30  # skin
    coloured = ~np.all(layers.palette[regions.labels] >= 245, axis=2)
    # under the lines of coloured regions the flats are the region's colour, never paper white
    on_lines = regions.line_mask & coloured
    assert on_lines.sum() > 100
    assert not np.all(layers.flats[on_lines] >= 245, axis=1).any()
    assert np.array_equal(layers.flats, layers.palette[regions.labels])
    expected = np.rint(layers.flats * lines[..., None]).astype(np.uint8)
    assert np.abs(layers.composite.astype(int) - expected).max() <= 1


def test_shading_keeps_the_network_lightness():
    lines = face()
    regions = segment(lines)
    net = _network(lines.shape)
    layers = compose(lines, net, mode="locked", regions=regions)
    inner = regions.mask(regions.region_at(*FACE_SEEDS["face"])) & (regions.ink_distance > 4)
    y_net = luma(net)[inner]
    y_rebuilt = luma(layers.flats.astype(np.float32) * layers.shading[..., None])[inner]
    # smoothing keeps a smooth light; deviations under SHADING_FLAT shrink towards neutral
    assert np.abs(y_rebuilt - y_net).mean() < 2.0 + SHADING_FLAT * y_net.mean()
    assert np.corrcoef(y_rebuilt, y_net)[0, 1] > 0.99
    assert layers.shading[inner].min() < 0.9 < 1.05 < layers.shading[inner].max()
    assert np.isfinite(layers.shading).all() and layers.shading.dtype == np.float32


def test_locked_mode_obeys_the_hint_with_network_shading():
    lines = face()
    regions = segment(lines)
    net = _network(lines.shape)
    hints = _hint_at(100, 160, (90, 160, 80))  # the user wants a green face; the network disagrees
    plain = compose(lines, net, hints, mode="plain", regions=regions)
    locked = compose(lines, net, hints, mode="locked", regions=regions)
    assert hint_fidelity(plain.composite, regions, hints) > 20
    assert hint_fidelity(locked.composite, regions, hints) < 12
    flats = compose(lines, net, hints, mode="flats", regions=regions)
    assert hint_fidelity(flats.composite, regions, hints) < 1.0
    face_px = regions.mask(regions.region_at(*FACE_SEEDS["face"])) & (regions.ink_distance > 3)
    left, right = face_px & (np.arange(200) < 70), face_px & (np.arange(200) > 130)
    y = luma(locked.composite)
    assert y[left].mean() < y[right].mean() - 15  # the network's shadow survives the lock
    assert plain.hinted is not None and plain.hinted.sum() == 1


def test_hint_majority_and_small_spills():
    lines = face()
    regions = segment(lines)
    face_label = regions.region_at(*FACE_SEEDS["face"])
    big = rasterize([Stroke(points=((90, 160), (110, 160)), color=(10, 200, 10), width=8),
                     Stroke(points=((100, 40),), color=(200, 10, 10), width=4)], 200, 200)
    pal = region_colors(regions, _network(lines.shape), big)
    assert tuple(pal[face_label]) == (10, 200, 10)
    # a fat stroke along the inside of the face's edge that runs over the outline
    bg = regions.region_at(*FACE_SEEDS["background"])
    spill = rasterize([Stroke(points=((162, 70), (162, 130)), color=RED, width=26)], 200, 200)
    assert (spill.mask & (regions.labels == bg) & (regions.ink_distance > 2)).sum() > 60
    pal = region_colors(regions, _network(lines.shape), spill)
    assert tuple(pal[face_label]) == RED and tuple(pal[bg]) != RED
    # one stroke swept on purpose across the face and both eyes claims all three
    sweep = rasterize([Stroke(points=((55, 85), (145, 85)), color=RED, width=6)], 200, 200)
    pal = region_colors(regions, _network(lines.shape), sweep)
    for seed in ("eye_l", "eye_r", "face"):
        assert tuple(pal[regions.region_at(*FACE_SEEDS[seed])]) == RED, seed
    assert tuple(pal[regions.region_at(*FACE_SEEDS["background"])]) != RED


def test_keep_white_and_region_colors_palette():
    lines = face()
    regions = segment(lines)
    net = _network(lines.shape)
    eyes = _face_truth(lines.shape)["eye_l"] | _face_truth(lines.shape)["eye_r"]
    net[eyes] = (246, 247, 250)  # near-white eyes, not quite white
    pal = region_colors(regions, net)
    white = region_colors(regions, net, keep_white=True)
    assert pal.shape == (regions.n + 1, 3) and pal.dtype == np.uint8
    eye = regions.region_at(*FACE_SEEDS["eye_l"])
    assert tuple(white[eye]) == (255, 255, 255) and tuple(pal[eye]) != (255, 255, 255)
    fc = regions.region_at(*FACE_SEEDS["face"])
    assert tuple(white[fc]) == tuple(pal[fc]) and tuple(pal[fc]) != (255, 255, 255)
    # the page the network left (nearly) white is paper, with or without keep_white
    bg = regions.region_at(*FACE_SEEDS["background"])
    assert tuple(pal[bg]) == (255, 255, 255) == tuple(white[bg])


def test_plain_mode_and_size_mismatch():
    lines = face()
    net = _network(lines.shape)
    small = cv2.resize(net, (100, 100), interpolation=cv2.INTER_AREA)
    hints = HintRaster.empty(100, 100)
    layers = compose(lines, small, hints, mode="plain")
    assert layers.composite.shape == (200, 200, 3) and layers.flats.shape == (200, 200, 3)
    assert layers.shading.shape == (200, 200)
    big = cv2.resize(small, (200, 200), interpolation=cv2.INTER_CUBIC)
    assert np.abs(layers.composite.astype(int) - big * lines[..., None]).max() <= 1
    with pytest.raises(ValueError, match="mode"):
        compose(lines, net, mode="watercolour")


def test_bleeding_drops_with_regions():
    lines = face()
    regions = segment(lines)
    net = _network(lines.shape, blur=8.0)
    plain = compose(lines, net, mode="plain", regions=regions).composite
    flats = compose(lines, net, mode="flats", regions=regions).composite
    locked = compose(lines, net, mode="locked", regions=regions).composite
    b_plain = bleeding(plain, regions, lines)
    assert b_plain > 0.02
    assert bleeding(flats, regions, lines) == 0.0
    assert bleeding(locked, regions, lines) < b_plain / 3
