"""``python -m training.contact_sheets [--weights W] --out DIR``: what the model does, at a glance.

Two sheets through the app's ``Colorizer`` (working size 512):

- ``pairs.png``: the real sketch/colour pairs of ``../shared/data/samples``, one row each:
  sketch | no hints | 5 ground-truth dots (dots drawn as rings) | the ground truth's palette |
  another pair's colouring as reference | ground truth.
- ``lineart.png``: ``lineart_1–4`` (no ground truth): sketch | no hints | 5 dots from a fixed
  artist's palette (on the 5 largest regions, each the palette colour nearest to the network's
  guess there) | that palette as guide | ``001_color`` as reference.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import cv2
import numpy as np

from ganime_core.api import Colorizer
from ganime_core.color import rgb_to_lab
from ganime_core.inputs.encoding import palette_from_colors, palette_from_image
from ganime_core.inputs.hints import HintRaster
from ganime_core.inputs.lineart import to_line_art
from ganime_core.io.imageio import composite_on_white, load_image, save_png
from ganime_core.regions.segment import segment

from .hint_protocols import _candidates, _raster, gt_dots

log = logging.getLogger(__name__)
ARTIST = np.array([(250, 222, 205), (120, 74, 52), (60, 90, 170), (200, 60, 70), (246, 212, 120),
                   (70, 140, 90), (244, 244, 248), (48, 44, 56)], np.uint8)
# skin, brown hair, navy, red, blonde, green, white cloth, black
TILE = 320


def _tile(img: np.ndarray, hints: HintRaster | None = None) -> np.ndarray:
    img = img[..., :3].copy()
    if hints is not None:  # rings around the hint dots so they stay visible
        n, _, stats, cents = cv2.connectedComponentsWithStats(hints.mask.view(np.uint8))
        for i in range(1, n):
            x, y = (int(v) for v in cents[i])
            r = max(6, int(max(stats[i, 2], stats[i, 3])))
            colour = tuple(int(c) for c in hints.rgb[y, x])
            cv2.circle(img, (x, y), r, (0, 0, 0), 3)
            cv2.circle(img, (x, y), r, colour, 2)
    s = TILE / max(img.shape[:2])
    small = cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)), interpolation=cv2.INTER_AREA)
    out = np.full((TILE, TILE, 3), 255, np.uint8)
    out[:small.shape[0], :small.shape[1]] = small
    return out


def _chips(palette_rgb: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    strip = np.full((TILE, TILE, 3), 255, np.uint8)
    w = np.ones(len(palette_rgb)) if weights is None else weights
    edges = np.r_[0, np.cumsum(w / w.sum())] * TILE
    for i, c in enumerate(palette_rgb):
        strip[TILE - 24:, int(edges[i]):int(edges[i + 1])] = c
    return strip


def _lab_rgb(pal: np.ndarray) -> np.ndarray:
    from ganime_core.color import lab_to_rgb

    return lab_to_rgb(pal[:, :3])


def _row(colorizer: Colorizer, lines: np.ndarray, sketch: np.ndarray, dots: HintRaster | None,
         palette: np.ndarray, reference: np.ndarray, target: np.ndarray | None) -> np.ndarray:
    def run(**kw: object) -> np.ndarray:
        return colorizer.colorize(sketch, **kw).image

    tiles = [_tile(np.dstack([np.uint8(lines * 255)] * 3)), _tile(run())]
    tiles.append(_tile(run(hints=dots), dots) if dots is not None else _tile(run()))
    pal_tile = _tile(run(palette=palette))
    pal_tile[-24:] = _chips(_lab_rgb(palette), palette[:, 3])[-24:]
    ref_tile = _tile(run(reference=reference))
    thumb = _tile(reference)
    ref_tile[:96, -96:] = cv2.resize(thumb, (96, 96), interpolation=cv2.INTER_AREA)
    tiles += [pal_tile, ref_tile]
    if target is not None:
        tiles.append(_tile(target))
    return np.concatenate(tiles, axis=1)


def pairs_sheet(colorizer: Colorizer, samples: Path) -> np.ndarray:
    pairs = sorted(samples.glob("*_sketch.png"))
    colours = [composite_on_white(*_rgb_alpha(p.with_name(p.name.replace("_sketch", "_color")))) for p in pairs]
    rows = []
    for i, sk in enumerate(pairs):
        img = load_image(sk)
        lines = to_line_art(img)
        target = cv2.resize(colours[i], (lines.shape[1], lines.shape[0]), interpolation=cv2.INTER_AREA)
        dots = gt_dots(segment(lines), target, 5)
        rows.append(_row(colorizer, lines, img.rgb, dots, palette_from_image(target),
                         colours[(i + 1) % len(colours)], target))
    return np.concatenate(rows, axis=0)


def lineart_sheet(colorizer: Colorizer, samples: Path) -> np.ndarray:
    reference = composite_on_white(*_rgb_alpha(samples / "001_color.png"))
    palette = palette_from_colors(ARTIST.tolist())
    rows = []
    for path in sorted(samples.glob("lineart_*.png")):
        img = load_image(path)
        lines = to_line_art(img)
        regions = segment(lines)
        labels, _ = _candidates(regions, np.full(lines.shape + (3,), 255, np.uint8))  # border = paper
        # as an artist would: for each of the 5 largest regions, the palette colour nearest to what
        # the network guessed there (skin stays skin, hair gets a hair colour)
        guess = colorizer.colorize(img.rgb, lines="none").color
        lab_guess = rgb_to_lab(guess)
        lab_artist = rgb_to_lab(ARTIST[:6])  # dots in the colours; white and black only as palette
        colours = np.zeros((regions.n + 1, 3), np.uint8)
        for lb in labels[:5]:
            med = np.median(lab_guess[regions.labels == lb], axis=0)
            colours[lb] = ARTIST[int(np.argmin(np.linalg.norm(lab_artist - med, axis=1)))]
        dots = _raster(regions, labels[:5], colours) if len(labels) else None
        rows.append(_row(colorizer, lines, img.rgb, dots, palette, reference, None))
    return np.concatenate(rows, axis=0)


def _rgb_alpha(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    img = load_image(path)
    return img.rgb, img.alpha


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.contact_sheets", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--weights", default=None, help="a .safetensors model (default: the shipped model)")
    p.add_argument("--samples", default="../shared/data/samples", help="the sample pairs and line art")
    p.add_argument("--out", default="docs/colour", help="folder for pairs.png and lineart.png")
    p.add_argument("--prefix", default="", help="prefix for the file names (e.g. before-)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    samples = Path(args.samples)
    if not samples.is_dir():
        log.error("samples folder %s not found", samples)
        return 2
    colorizer = Colorizer.load(args.weights, device="cpu")
    out = Path(args.out)
    for name, sheet in (("pairs", pairs_sheet), ("lineart", lineart_sheet)):
        path = save_png(out / f"{args.prefix}{name}.png", sheet(colorizer, samples))
        log.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
