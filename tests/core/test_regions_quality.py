"""What the artist sees in flats and locked mode (issue 13, "Regions that hold").

- Locked mode keeps the hint's colour: the composite's region median within ΔE76 5 of the hint,
  with a shading layer that is smooth inside each region (no grid texture, no blotches).
- Paper stays paper: with no hints, >= 95 % of the page far from the lines stays white.
- Region edges follow the lines at full resolution; an unhinted region's colour is the
  network's colour for it, not the shadow the network smudges along its lines.

A stand-in "network" (a blotchy, textured, smoky colour image built here) pins each behaviour
without a model; the same checks then run with the shipped model on synthetic pages and on the
real sketches (skipped with a message when the model or ``../shared/data`` is absent).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from bench.pages import SHAPE_HINTS, lab76, shape_dots, shapes_page
from ganime_core.inputs.hints import HintRaster
from ganime_core.regions import Regions, compose, segment
from ganime_core.regions.queries import network_palette

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "samples"
HINTS = SHAPE_HINTS
FAR = 12.0  # px: "paper far from the lines"


# ---------------------------------------------------------------- pages and measures


def region_median_de(image: np.ndarray, regions: Regions, seed: tuple[int, int],
                     colour: tuple[int, int, int]) -> float:
    """ΔE76 between the median Lab of ``image`` in the seed's region (off the lines) and ``colour``."""
    sel = (regions.labels == regions.region_at(*seed)) & (regions.ink_distance > 4)
    median = np.median(lab76(image[sel]), axis=0)
    return float(np.linalg.norm(median - lab76(np.uint8([colour]))[0]))


def white_share(image: np.ndarray, where: np.ndarray) -> float:
    """Share of ``where`` pixels of ``image`` with every channel >= 245."""
    return float((image >= 245).all(axis=2)[where].mean())


def _times(rgb: np.ndarray, factor: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(rgb.astype(np.float32) * factor[..., None]), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- a blotchy stand-in network


def blotchy_network(lines: np.ndarray, regions: Regions, colours: dict[int, tuple[int, int, int]],
                    seed: int = 0) -> np.ndarray:
    """What a weak pix2pix output looks like: each region its colour (paper white elsewhere),
    times a grid texture (±6 %, 8 px period), dark blotches, a dark smudge along every line, and
    grey smoke on the paper around the figures."""
    rng = np.random.default_rng(seed)
    h, w = lines.shape
    base = np.full((h, w, 3), 250.0, np.float32)
    for label, colour in colours.items():
        base[regions.labels == label] = colour
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    light = 1.0 + 0.06 * np.sin(2 * np.pi * xx / 8) * np.sin(2 * np.pi * yy / 8)
    for _ in range(6):  # blotches
        cx, cy = rng.uniform(0.15, 0.85, 2) * (w, h)
        light -= 0.3 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (w / 30) ** 2))
    smudge = np.exp(-regions.ink_distance / (w / 170.0)) * 0.35  # along the lines
    light -= smudge
    page = regions.labels == regions.region_at(0, 0)
    figure = (~page).astype(np.uint8)
    near_figure = cv2.distanceTransform(1 - figure, cv2.DIST_L2, 5)
    smoke = 0.25 * np.exp(-near_figure / (w / 25.0))  # grey shadow around the figures
    light = np.where(page, 1.0 - smoke, light)
    return np.clip(base * light[..., None], 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def stand_in() -> dict[str, object]:
    img, seeds = shapes_page(640)
    lines = img.astype(np.float32) / 255.0
    regions = segment(lines)
    # the network half-agrees with the hints: lighter, duller versions of them
    colours = {regions.region_at(*p): tuple(int(0.7 * c + 0.3 * 235) for c in col)
               for p, col in zip(seeds, HINTS, strict=False)}
    return {"lines": lines, "seeds": seeds, "regions": regions,
            "net": blotchy_network(lines, regions, colours)}


def test_locked_keeps_the_hint_colour_on_blotchy_network_output(stand_in: dict) -> None:
    lines, seeds, regions, net = (stand_in[k] for k in ("lines", "seeds", "regions", "net"))
    hints = shape_dots(lines.shape, seeds)
    layers = compose(lines, net, hints, mode="locked", regions=regions)
    for seed, colour in zip(seeds, HINTS, strict=False):
        assert region_median_de(layers.composite, regions, seed, colour) <= 5.0, seed
    flats = compose(lines, net, hints, mode="flats", regions=regions)
    for seed, colour in zip(seeds, HINTS, strict=False):
        assert region_median_de(flats.composite, regions, seed, colour) <= 1.0, seed


def test_shading_is_smooth_inside_each_region(stand_in: dict) -> None:
    """The grid texture and the line smudge of the network do not reach the shading layer."""
    lines, seeds, regions, net = (stand_in[k] for k in ("lines", "seeds", "regions", "net"))
    shading = compose(lines, net, mode="locked", regions=regions).shading
    luma = cv2.cvtColor(net, cv2.COLOR_RGB2GRAY).astype(np.float32)
    for seed in seeds:
        inside = (regions.labels == regions.region_at(*seed)) & (regions.ink_distance > 3)
        rel = luma / np.median(luma[inside])
        texture_net = np.abs(rel - cv2.GaussianBlur(rel, (0, 0), 6))[inside].mean()
        texture_shading = np.abs(shading - cv2.GaussianBlur(shading, (0, 0), 6))[inside].mean()
        assert texture_net > 0.02 and texture_shading < 0.2 * texture_net, seed
        # no darker rim along the outline: the network's line smudge is not shading
        rim = inside & (regions.ink_distance <= 8)
        core = inside & (regions.ink_distance > 20)
        assert abs(np.median(shading[rim]) - np.median(shading[core])) < 0.05, seed
    page = regions.labels == regions.region_at(0, 0)
    assert (shading[page] == 1.0).all()  # the page gets no shading, smoke or not


def test_paper_stays_white_in_flats_and_locked(stand_in: dict) -> None:
    lines, seeds, regions, net = (stand_in[k] for k in ("lines", "seeds", "regions", "net"))
    page = (regions.labels == regions.region_at(0, 0)) & (regions.ink_distance >= FAR)
    assert white_share(net, page) < 0.9  # the stand-in smokes the paper
    for hints in (None, shape_dots(lines.shape, seeds)):
        for mode in ("flats", "locked"):
            composite = compose(lines, net, hints, mode=mode, regions=regions).composite
            assert white_share(composite, page) >= 0.95, mode


def test_figures_cut_by_the_frame_keep_their_colour() -> None:
    """Only nearly white (or page-sized light) border regions are paper: a blue or light grey
    sleeve cut by the frame and a dark sky stay as the network coloured them."""
    img = np.full((400, 400), 255, np.uint8)
    cv2.rectangle(img, (-10, 250), (150, 420), 0, 3)  # a sleeve running off the bottom-left
    cv2.circle(img, (280, 150), 60, 0, 3)
    lines = img.astype(np.float32) / 255.0
    regions = segment(lines)
    sleeve, page = regions.region_at(60, 330), regions.region_at(390, 10)
    assert regions.touches_border[sleeve] and sleeve != page
    net = np.full((400, 400, 3), 240, np.uint8)
    net[regions.labels == sleeve] = (70, 90, 200)
    flats = compose(lines, net, mode="flats", regions=regions)
    assert tuple(flats.palette[sleeve]) == (70, 90, 200) and tuple(flats.palette[page]) == (255,) * 3
    night = np.full((400, 400, 3), 40, np.uint8)  # a night sky the network chose is no paper
    assert tuple(compose(lines, night, mode="flats", regions=regions).palette[page]) != (255,) * 3
    net[regions.labels == sleeve] = (212, 210, 214)  # a light grey sleeve (L* 85) is no paper either
    grey = compose(lines, net, mode="flats", regions=regions).palette[sleeve].astype(int)
    assert np.abs(grey - (212, 210, 214)).max() <= 2  # its own colour (Lab rounding aside)


# ---------------------------------------------------------------- full resolution edges


def _curves(size: int) -> np.ndarray:
    """A diagonal line and a circle (anti-aliased, 4 px) across a size x size page."""
    img = np.full((size, size), 255, np.uint8)
    cv2.line(img, (0, int(size * 0.15)), (size, int(size * 0.85)), 0, 4, cv2.LINE_AA)
    cv2.circle(img, (int(size * 0.3), int(size * 0.7)), int(size * 0.18), 0, 4, cv2.LINE_AA)
    return img


def test_region_edges_follow_the_lines_at_full_resolution() -> None:
    """2048² page, network colour at 512 px (a wash across the lines): the flats boundary is
    within 1 px of the line art everywhere, and the locked colour on both sides of every line
    is its own region's. The three regions touch the border (two are half the page), so a
    dot would colour only its neighbourhood: they are filled, as the app's fill tool does."""
    size = 2048
    img = _curves(size)
    lines = img.astype(np.float32) / 255.0
    regions = segment(lines)
    seeds = [(int(size * 0.8), int(size * 0.2)), (int(size * 0.3), int(size * 0.7)),
             (int(size * 0.6), int(size * 0.9))]
    labels = [regions.region_at(*p) for p in seeds]
    assert len(set(labels)) == 3
    fill = np.isin(regions.labels, labels) & (regions.ink_distance > 3)
    dots = shape_dots(lines.shape, seeds, radius=12)
    colours = {lab: dots.rgb[y, x] for lab, (x, y) in zip(labels, seeds, strict=True)}
    rgb = np.zeros((*lines.shape, 3), np.uint8)
    for lab, colour in colours.items():
        rgb[fill & (regions.labels == lab)] = colour
    hints = HintRaster(rgb, fill)
    small = cv2.resize(lines, (512, 512), interpolation=cv2.INTER_AREA)
    wash = cv2.GaussianBlur(np.dstack([small * 200] * 3).astype(np.uint8), (0, 0), 6)
    layers = compose(lines, wash, hints, mode="locked", regions=regions)
    flats = layers.flats.astype(np.int32)
    change = np.zeros(lines.shape, bool)
    change[:, 1:] |= (flats[:, 1:] != flats[:, :-1]).any(axis=2)
    change[1:] |= (flats[1:] != flats[:-1]).any(axis=2)
    assert change.sum() > 2 * size  # the boundaries are there
    assert regions.ink_distance[change].max() <= 1.0  # and on the lines, no steps
    # every pixel 2 px or more off the ink has its own region's hue in the composite
    off = (regions.ink_distance >= 2) & (lines > 0.99)
    lab = lab76(layers.composite[off])
    own = lab76(layers.palette[regions.labels[off]])
    assert np.abs(lab[:, 1:] - own[:, 1:]).max() < 8.0


@pytest.mark.parametrize("inner, smudge", [(48, 14), (20, 6)])
def test_unhinted_colour_is_the_network_colour_not_its_shadow(inner: int, smudge: int) -> None:
    """A band (a neck: 48 px, a strand: 20 px) at 2048 px whose network colour carries a dark
    smudge along both lines (3.5 / 1.5 px at the network's 512): its flat is the skin, not
    the shadow, though the shadow covers most of it."""
    size = 2048
    img = np.full((size, size), 255, np.uint8)
    cv2.rectangle(img, (1000, 400), (1000 + inner + 2, 1600), 0, 2)
    lines = img.astype(np.float32) / 255.0
    regions = segment(lines)
    neck = regions.region_at(1001 + inner // 2, 1000)
    skin = np.array([245, 205, 180], np.float32)
    net = np.full((size, size, 3), 255, np.float32)
    net[regions.labels == neck] = skin
    shadow = (regions.labels == neck) & (regions.ink_distance <= smudge)
    net[shadow] = skin * 0.45
    pal = network_palette(regions, np.rint(net).astype(np.uint8))
    assert shadow.sum() > 0.5 * (regions.labels == neck).sum()  # most of it is smudge
    de = np.linalg.norm(lab76(pal[neck:neck + 1])[0] - lab76(skin.astype(np.uint8)[None])[0])
    assert de < 5.0


# ---------------------------------------------------------------- with the shipped model


@pytest.fixture(scope="module")
def colorizer():
    from ganime_core.api import Colorizer
    from ganime_core.runtime.weights import DEFAULT_WEIGHTS

    if not DEFAULT_WEIGHTS.is_file():
        pytest.skip(f"no shipped model at {DEFAULT_WEIGHTS}")
    return Colorizer.load(threads=2)


def _page_of(regions: Regions) -> np.ndarray:
    """The synthetic pages' paper: the region of the top-left corner, far from the lines."""
    return (regions.labels == regions.region_at(0, 0)) & (regions.ink_distance >= FAR)


@pytest.mark.slow
@pytest.mark.parametrize("size, seed", [(512, 0), (768, 1)])
def test_model_locked_keeps_hint_colour_and_paper_on_synthetic_shapes(colorizer, size: int,
                                                                      seed: int) -> None:
    img, seeds = shapes_page(size, seed)
    regions = segment(img.astype(np.float32) / 255.0)
    hinted = colorizer.colorize(img, shape_dots(img.shape, seeds), mode="locked")
    for p, colour in zip(seeds, HINTS, strict=False):
        assert region_median_de(hinted.image, regions, p, colour) <= 5.0, p
    for mode in ("flats", "locked"):
        bare = colorizer.colorize(img, None, mode=mode)
        assert white_share(bare.image, _page_of(regions)) >= 0.95, mode


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lineart_1.png", "lineart_2.png", "lineart_3.png", "lineart_4.png"])
def test_model_keeps_the_paper_of_real_sketches_white(colorizer, name: str) -> None:
    """Paper = border regions the model itself leaves mostly white (>= 245) far from the lines;
    flats and locked must not grey it (no smoke, no shading around the figure)."""
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"sample sketch not found at {path}")
    grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    result = colorizer.colorize(grey, None, mode="plain", layers=True)
    layers = result.layers
    regions = layers.regions
    far = regions.ink_distance >= FAR
    white = (result.color >= 245).all(axis=2)
    share = np.bincount(regions.labels[far & white], minlength=regions.n + 1) / np.maximum(
        np.bincount(regions.labels[far], minlength=regions.n + 1), 1)
    paper = (regions.touches_border & (share >= 0.5))[regions.labels] & far
    assert paper.sum() > 0.1 * far.sum()
    flats = _times(layers.flats, layers.lines)
    locked = _times(_times(layers.flats, layers.shading), layers.lines)
    assert white_share(flats, paper) >= 0.95
    assert white_share(locked, paper) >= 0.95
