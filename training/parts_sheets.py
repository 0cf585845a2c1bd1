"""Contact sheet: one short stroke on the hair of each sample sketch, a hint's region against its
part: ``python -m training.parts_sheets --out docs/parts/hair_stroke.jpg``.

Rows: ``lineart_1-4`` and the four real pairs' sketches. Columns: the sketch with the stroke |
plain, region | plain, part | locked, region | locked, part.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from ganime_core.inputs.hints import Stroke

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "samples"
BLUE = (40, 80, 220)
#: A short stroke on the hair of each sample, as fractions of its width and height.
HAIR = {
    "lineart_1": [(0.50, 0.13), (0.56, 0.19), (0.60, 0.28)],
    "lineart_2": [(0.30, 0.12), (0.34, 0.20)],
    "lineart_3": [(0.32, 0.10), (0.36, 0.16)],
    "lineart_4": [(0.40, 0.07), (0.45, 0.09)],
    "001_sketch": [(0.45, 0.15), (0.52, 0.17)],
    "002_sketch": [(0.46, 0.11), (0.52, 0.12)],
    "003_sketch": [(0.49, 0.06), (0.53, 0.07)],
    "004_sketch": [(0.48, 0.16), (0.55, 0.18)],
}
TILE = 205


def _tile(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    f = TILE / max(h, w)
    small = cv2.resize(rgb[..., :3], (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    out = np.full((TILE, TILE, 3), 255, np.uint8)
    out[:small.shape[0], :small.shape[1]] = small
    return out


def sheet(colorizer, samples: Path = SAMPLES) -> np.ndarray:
    from ganime_core.io.imageio import load_image

    rows = []
    for name, points in HAIR.items():
        img = load_image(samples / f"{name}.png")
        w, h = img.size
        stroke = [Stroke(tuple((x * w, y * h) for x, y in points), BLUE, max(4.0, w / 80))]
        shown = img.rgb.copy()
        pts = np.array([(x * w, y * h) for x, y in points], np.int32)
        cv2.polylines(shown, [pts], False, BLUE, max(3, round(w / 80)))
        tiles = [_tile(shown)]
        for mode in ("plain", "locked"):
            for spread in ("region", "part"):
                tiles.append(_tile(colorizer.colorize(img, stroke, mode=mode, spread=spread).image))
        rows.append(np.hstack(tiles))
    return np.vstack(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.parts_sheets", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="runs/parts-sheets/hair_stroke.jpg", help="the sheet (JPEG)")
    p.add_argument("--parts", default=None, help="a part model file (default: the bundled one)")
    args = p.parse_args(argv)
    from ganime_core.api import Colorizer
    from ganime_core.parts.model import load_part_model

    colorizer = Colorizer.load()
    if args.parts:
        colorizer.parts = load_part_model(args.parts)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), cv2.cvtColor(sheet(colorizer), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
