"""Hint fidelity, bleeding and region counts on the real samples, plus the contact sheets.

    python bench/regions_report.py        # prints Markdown, writes docs/regions_*.png
    python bench/regions_report.py --model [WEIGHTS]   # the same with the real model's output
                                          # (default model if no path), docs/regions_model_*.png
    python bench/regions_report.py --quality [WEIGHTS] # issue 13 measures with the model: hint
                                          # colour (ΔE76), paper, edges; docs/regions_quality.png

No trained model is used: the "network output" is a STAND-IN, the real colour image of each
sketch/colour pair blurred with a Gaussian (sigma 4 px) so that colour smudges across the lines
the way pix2pix outputs do. Hint strokes are simulated: one short stroke in each of the six
largest figure regions, coloured with the median colour of the ground truth in that region
("truth" hints) or with a fixed palette the stand-in knows nothing about ("recolour" hints).
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from bench.pages import SHAPE_HINTS, lab76, shape_dots, shapes_page
from ganime_core.inputs.hints import HintRaster, Stroke, rasterize
from ganime_core.regions import (
    MODES,
    RegionConfig,
    Regions,
    bleeding,
    compose,
    hint_fidelity,
    region_colors,
    segment,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "data" / "samples"
DOCS = ROOT / "docs"
PAIRS = ("001", "002", "003", "004")
BLUR_SIGMA = 4.0
N_HINTS = 6
RECOLOUR = [(70, 130, 220), (230, 120, 40), (90, 180, 90), (200, 60, 140), (240, 210, 80),
            (120, 90, 200)]


def load(name: str, mode: str = "L") -> np.ndarray:
    from PIL import Image

    with Image.open(SAMPLES / name) as im:
        return np.asarray(im.convert(mode))


def hint_strokes(regions: Regions, colours_of: dict[int, tuple[int, int, int]] | None,
                 truth: np.ndarray) -> tuple[HintRaster, list[Stroke], list[int]]:
    """One short stroke through the deepest point of each of the largest figure regions."""
    h, w = regions.shape
    areas = regions.areas.copy()
    lab = regions.labels
    border = np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]])
    areas[np.unique(border)] = 0  # the paper around the figure
    targets = [int(t) for t in np.argsort(-areas)[:N_HINTS] if areas[t] > 0]
    truth_pal = region_colors(regions, truth)
    strokes = []
    for i, label in enumerate(targets):
        depth = np.where(regions.labels == label, regions.ink_distance, 0)
        y, x = np.unravel_index(int(np.argmax(depth)), depth.shape)
        colour = (tuple(int(c) for c in truth_pal[label]) if colours_of is None
                  else colours_of[i % len(colours_of)])
        r = max(1.0, min(float(depth[y, x]) - 3.0, 6.0))
        strokes.append(Stroke(points=((x - r, float(y)), (x + r, float(y))), color=colour,
                              width=5.0))
    return rasterize(strokes, w, h), strokes, targets


def network(lines: np.ndarray, truth: np.ndarray, hints: HintRaster, colorizer) -> np.ndarray:
    """The stand-in (blurred ground truth, ignores hints) or the real model's colour with hints."""
    if colorizer is None:
        return cv2.GaussianBlur(truth, (0, 0), BLUR_SIGMA)
    return colorizer.colorize(np.rint(lines * 255).astype(np.uint8), hints).color


def measure(colorizer=None) -> tuple[list, dict[str, dict[str, np.ndarray]]]:
    rows = []
    sheets: dict[str, dict[str, np.ndarray]] = {"truth": {}, "recolour": {}}
    config = RegionConfig()
    for pair in PAIRS:
        lines = load(f"{pair}_sketch.png").astype(np.float32) / 255.0
        truth = load(f"{pair}_color.png", "RGB")
        regions = segment(lines, config)
        for scenario, palette in (("truth", None), ("recolour", dict(enumerate(RECOLOUR)))):
            hints, _, _ = hint_strokes(regions, palette, truth)
            net = network(lines, truth, hints, colorizer)
            layers = {m: compose(lines, net, hints, mode=m, regions=regions, config=config)
                      for m in MODES}
            fid = {m: hint_fidelity(layers[m].composite, regions, hints) for m in MODES}
            bleed = {m: bleeding(layers[m].composite, regions, lines) for m in MODES}
            rows.append((pair, scenario, regions.n, int(layers["flats"].hinted.sum()), fid, bleed))
            sheets[scenario][pair] = contact_row(lines, hints, layers)
    return rows, sheets


def _label(img: np.ndarray, text: str) -> np.ndarray:
    out = img.copy()
    cv2.putText(out, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 3, cv2.LINE_AA)
    cv2.putText(out, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)
    return out


def contact_row(lines: np.ndarray, hints: HintRaster, layers: dict) -> np.ndarray:
    sketch = np.dstack([np.rint(lines * 255).astype(np.uint8)] * 3)
    ring = cv2.dilate(hints.mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    sketch[ring] = (0, 0, 0)
    sketch[hints.mask] = hints.rgb[hints.mask]
    return np.hstack([sketch, layers["plain"].composite, layers["flats"].composite,
                      layers["locked"].composite])


def segments_sheet() -> np.ndarray:
    tiles = []
    rng = np.random.default_rng(7)
    for i in range(1, 5):
        lines = load(f"lineart_{i}.png").astype(np.float32) / 255.0
        regions = segment(lines)
        pal = rng.integers(90, 256, (regions.n + 1, 3)).astype(np.uint8)
        pal[regions.region_at(1, 1)] = 255
        img = cv2.multiply(pal[regions.labels], cv2.merge([lines] * 3), dtype=cv2.CV_8U)
        img = cv2.resize(img, (int(img.shape[1] * 384 / img.shape[0]), 384),
                         interpolation=cv2.INTER_AREA)
        tiles.append(_label(img, f"lineart_{i}: {regions.n} regions"))
    return np.hstack(tiles)


def region_counts() -> list[str]:
    out = ["| sample | size | regions | ink share | segment (s) |", "|---|---|---|---|---|"]
    for name in [f"{p}_sketch.png" for p in PAIRS] + [f"lineart_{i}.png" for i in range(1, 5)]:
        lines = load(name).astype(np.float32) / 255.0
        segment(lines)
        t = time.perf_counter()
        regions = segment(lines)
        dt = time.perf_counter() - t
        out.append(f"| {name} | {lines.shape[1]}x{lines.shape[0]} | {regions.n} | "
                   f"{regions.line_mask.mean():.1%} | {dt:.3f} |")
    return out


# -- issue 13: what the artist sees in flats / locked mode ----------------------------------

def _paper_shares(image: np.ndarray, regions: Regions, network: np.ndarray) -> tuple[float, float]:
    """White share (every channel >= 245) of the paper >= 12 px from the lines: (all border
    regions, border regions the network itself left mostly white)."""
    far = regions.ink_distance >= 12
    white = (image >= 245).all(axis=2)
    border = regions.touches_border[regions.labels] & far
    net_white = (network >= 245).all(axis=2)
    share = np.bincount(regions.labels[far & net_white], minlength=regions.n + 1) / np.maximum(
        np.bincount(regions.labels[far], minlength=regions.n + 1), 1)
    page = (regions.touches_border & (share >= 0.5))[regions.labels] & far
    return float(white[border].mean()), float(white[page].mean()) if page.any() else float("nan")


def _texture(shading: np.ndarray, inside: np.ndarray) -> float:
    """Mean |shading - its 6 px blur| inside a region: grid texture and blotch edges."""
    return float(np.abs(shading - cv2.GaussianBlur(shading, (0, 0), 6))[inside].mean())


def quality(colorizer) -> tuple[list[str], np.ndarray]:
    """Issue 13 measures with a model's colour (through ``Colorizer.colorize``) and the regions
    of this checkout; returns Markdown rows and a contact sheet (sketch | plain | flats | locked)."""
    rows = ["| page | hinted regions: composite median ΔE76 to the hint (max / mean) | shading "
            "texture in hinted regions | paper white, all border regions (flats / locked) | "
            "paper white, the network's paper (flats / locked) |", "|---|---|---|---|---|"]
    tiles = []
    pages = [(f"shapes {s}²", *shapes_page(s, seed)) for s, seed in ((512, 0), (768, 1))]
    pages += [(f"lineart_{i}", load(f"lineart_{i}.png"), []) for i in range(1, 5)]
    for name, grey, seeds in pages:
        lines = grey.astype(np.float32) / 255.0
        regions = segment(lines)
        bare = colorizer.colorize(grey, None, mode="plain").color
        flats = compose(lines, bare, mode="flats", regions=regions).composite
        locked = compose(lines, bare, mode="locked", regions=regions).composite
        pf, pl = _paper_shares(flats, regions, bare), _paper_shares(locked, regions, bare)
        de_cell = tex_cell = "–"
        if seeds:
            hints = shape_dots(grey.shape, seeds)
            net = colorizer.colorize(grey, hints, mode="plain").color
            layers = compose(lines, net, hints, mode="locked", regions=regions)
            des, tex = [], []
            for p, colour in zip(seeds, SHAPE_HINTS, strict=False):
                inside = (regions.labels == regions.region_at(*p)) & (regions.ink_distance > 4)
                med = np.median(lab76(layers.composite[inside]), axis=0)
                des.append(float(np.linalg.norm(med - lab76(np.uint8([colour]))[0])))
                tex.append(_texture(layers.shading, inside))
            de_cell = f"{max(des):.2f} / {np.mean(des):.2f}"
            tex_cell = f"{np.mean(tex):.4f}"
            locked_show = layers.composite
        else:
            locked_show = locked
        rows.append(f"| {name} | {de_cell} | {tex_cell} | {pf[0]:.1%} / {pl[0]:.1%} | "
                    f"{pf[1]:.1%} / {pl[1]:.1%} |")
        if name in ("shapes 512²", "lineart_4"):
            grey3 = np.dstack([grey] * 3)
            tiles.append(np.hstack([cv2.resize(t, (384, 384), interpolation=cv2.INTER_AREA)
                                    for t in (grey3, (bare * lines[..., None]).astype(np.uint8),
                                              flats, locked_show)]))
    rows += ["", f"- region edges at 2048²: the flats boundary lies at most "
             f"**{edge_distance():.1f} px** from the line art"]
    return rows, np.vstack(tiles)


def edge_distance(size: int = 2048) -> float:
    """The farthest a change of the flats layer lies from an ink pixel on a 2048² page of
    curves (a diagonal and a circle, 4 px anti-aliased), with the colour at 512 px."""
    img = np.full((size, size), 255, np.uint8)
    cv2.line(img, (0, int(size * 0.15)), (size, int(size * 0.85)), 0, 4, cv2.LINE_AA)
    cv2.circle(img, (int(size * 0.3), int(size * 0.7)), int(size * 0.18), 0, 4, cv2.LINE_AA)
    lines = img.astype(np.float32) / 255.0
    regions = segment(lines)
    rng = np.random.default_rng(0)
    colour = cv2.resize(rng.integers(0, 256, (8, 8, 3)).astype(np.uint8), (512, 512))
    flats = compose(lines, colour, mode="flats", regions=regions).flats.astype(np.int32)
    change = np.zeros(lines.shape, bool)
    change[:, 1:] |= (flats[:, 1:] != flats[:, :-1]).any(axis=2)
    change[1:] |= (flats[1:] != flats[:-1]).any(axis=2)
    return float(regions.ink_distance[change].max()) if change.any() else 0.0


def main(argv: list[str] | None = None) -> None:
    import argparse

    from PIL import Image

    ap = argparse.ArgumentParser(description="Region fidelity/bleeding report on the real samples.")
    ap.add_argument("--model", nargs="?", const="default", default=None, metavar="WEIGHTS",
                    help="use a model's output instead of the blurred-truth stand-in")
    ap.add_argument("--quality", nargs="?", const="default", default=None, metavar="WEIGHTS",
                    help="issue 13 measures (hint colour, paper, edges) with a model, then stop")
    args = ap.parse_args(argv)
    if not SAMPLES.is_dir():
        raise SystemExit(f"samples not found at {SAMPLES}")
    if args.quality:
        from ganime_core.api import Colorizer

        rows, sheet = quality(Colorizer.load(None if args.quality == "default" else args.quality,
                                             device="cpu"))
        print("\n".join(rows))
        DOCS.mkdir(exist_ok=True)
        Image.fromarray(sheet).save(DOCS / "regions_quality.png", optimize=True)
        print("\nwrote docs/regions_quality.png")
        return
    colorizer, prefix, net_name = None, "regions_", "plain (stand-in)"
    if args.model:
        from ganime_core.api import Colorizer

        colorizer = Colorizer.load(None if args.model == "default" else args.model, device="cpu")
        prefix, net_name = "regions_model_", "plain (model)"
    rows, sheets = measure(colorizer)
    lines = ["### Hint fidelity (mean CIEDE2000 over the hinted regions, lower is better)", "",
             "| pair | hints | regions | hinted | plain | flats | locked |",
             "|---|---|---|---|---|---|---|"]
    for pair, scenario, n, hinted, fid, _ in rows:
        lines.append(f"| {pair} | {scenario} | {n} | {hinted} | {fid['plain']:.2f} | "
                     f"{fid['flats']:.2f} | {fid['locked']:.2f} |")
    for scenario in ("truth", "recolour"):
        sel = [r for r in rows if r[1] == scenario]
        mean = {m: np.mean([r[4][m] for r in sel]) for m in MODES}
        lines.append(f"| **mean** | {scenario} | | | {mean['plain']:.2f} | {mean['flats']:.2f} | "
                     f"{mean['locked']:.2f} |")
    lines += ["", "### Bleeding (share of pixels within 2 px of a line closer to the region "
              "across it; lower is better)", "",
              "| pair | plain (no regions) | flats | locked |", "|---|---|---|---|"]
    sel = [r for r in rows if r[1] == "truth"]
    for pair, _, _, _, _, bl in sel:
        lines.append(f"| {pair} | {bl['plain']:.1%} | {bl['flats']:.1%} | {bl['locked']:.1%} |")
    mean = {m: np.mean([r[5][m] for r in sel]) for m in MODES}
    lines.append(f"| **mean** | {mean['plain']:.1%} | {mean['flats']:.1%} | {mean['locked']:.1%} |")
    lines += ["", "### Region counts on the real samples", ""] + region_counts()
    print("\n".join(lines))

    header = np.full((26, 4 * 256, 3), 255, np.uint8)
    for i, name in enumerate(("sketch + hints", net_name, "flats", "locked")):
        cv2.putText(header, name, (i * 256 + 8, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1,
                    cv2.LINE_AA)
    DOCS.mkdir(exist_ok=True)
    for scenario, file in (("truth", "contact.png"), ("recolour", "recolour.png")):
        sheet = np.vstack([header] + [sheets[scenario][p] for p in PAIRS])
        Image.fromarray(sheet).save(DOCS / (prefix + file), optimize=True)
    if colorizer is None:
        Image.fromarray(segments_sheet()).save(DOCS / "regions_segments.png", optimize=True)
    print(f"\nwrote docs/{prefix}contact.png and docs/{prefix}recolour.png")


if __name__ == "__main__":
    main()
