"""How well one hint colours its part: ``python -m training.parts_eval`` (and ``make evaluate``).

On validation pictures (their own colours say what the parts are: ``training.parts_data``) and
on the real sketch/colour pairs, with the network's working-size regions:

- **coverage**: one dot in the largest coloured part of at least 3 regions, in a saturated colour
  far from both the picture's colour there and the network's; the share of the part's pixels
  (off the lines) that move at least half way to the dot's colour; **leak**: the same share of
  the pixels of every other coloured part;
- **spread**: without hints, the mean CIEDE2000 of a part's regions to the part's mean colour
  (area-weighted over parts of at least 2 regions);
- **5-dot cut**: the whole-picture CIEDE2000 to the picture with five dots of the picture's own
  colours in its five largest parts, against none.

Each in plain and in locked mode, with ``spread`` part and region (and the hand rule).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ganime_core.color import delta_e2000, rgb_to_lab
from ganime_core.constants import PAPER_WHITE_CHROMA, PAPER_WHITE_L
from ganime_core.inputs.hints import Stroke
from ganime_core.parts.features import region_shape
from ganime_core.regions.segment import Regions

from .parts_data import truth_colours, truth_parts

log = logging.getLogger("training.parts_eval")
SATURATED = np.array([(230, 30, 40), (30, 90, 230), (40, 190, 60), (240, 200, 20), (170, 40, 200),
                      (20, 200, 210), (250, 120, 0), (255, 60, 170)], np.uint8)


@dataclass
class Case:
    lines: np.ndarray  # float HxW
    rgb: np.ndarray  # the picture's colours, uint8 HxWx3


def _lab(rgb: np.ndarray) -> np.ndarray:
    return rgb_to_lab(rgb.reshape(-1, 3)).reshape(rgb.shape)


def _parts(regions: Regions, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(part id per region, (n+1, 3) truth Lab per region); paper-white parts are left out."""
    lab, pure = truth_colours(regions, rgb)
    ids = truth_parts(lab, pure, region_shape(regions).keep)
    white = (lab[:, 0] >= PAPER_WHITE_L) & (np.hypot(lab[:, 1], lab[:, 2]) <= PAPER_WHITE_CHROMA)
    ids[white | regions.touches_border & (regions.areas > 0.2 * regions.labels.size)] = 0
    return ids, lab


def _dot(regions: Regions, members: np.ndarray, colour: np.ndarray) -> Stroke:
    """A dot of radius 3 at the deepest point of the part's largest region."""
    biggest = members[np.argmax(regions.areas[members])]
    depth = np.where(regions.labels == biggest, regions.ink_distance, -1)
    y, x = np.unravel_index(int(np.argmax(depth)), depth.shape)
    return Stroke(((float(x), float(y)),), tuple(int(c) for c in colour), 6.0)


def score_case(colorizer, case: Case, variants: dict[str, dict]) -> dict[str, float] | None:
    """The measures of one picture, per variant (colorize keywords); None without a usable part."""
    regions = colorizer.regions_for(case.lines)
    ids, truth = _parts(regions, case.rgb)
    sizes = np.bincount(ids, weights=regions.areas, minlength=ids.max() + 1)
    counts = np.bincount(ids, minlength=ids.max() + 1)
    sizes[0] = 0
    big = [p for p in np.argsort(-sizes) if p and counts[p] >= 3]
    if not big:
        return None
    part = int(big[0])
    members = np.flatnonzero(ids == part)
    inner = regions.ink_distance > 1
    in_part = np.isin(regions.labels, members) & inner
    others = (ids[regions.labels] > 0) & ~np.isin(regions.labels, members) & inner
    out: dict[str, float] = {}
    base = colorizer.colorize(case.lines, None, working_size=max(case.lines.shape)).color
    base_lab = _lab(base)
    part_truth = truth[members].mean(axis=0)
    part_net = base_lab[in_part].mean(axis=0)
    cand = rgb_to_lab(SATURATED)
    far = np.minimum(np.linalg.norm(cand - part_truth, axis=1), np.linalg.norm(cand - part_net, axis=1))
    hint_rgb = SATURATED[int(np.argmax(far))]
    hint_lab = rgb_to_lab(hint_rgb[None])[0]
    dot = [_dot(regions, members, hint_rgb)]
    before = np.linalg.norm(base_lab - hint_lab, axis=2)
    for name, kw in variants.items():
        got = _lab(colorizer.colorize(case.lines, dot, working_size=max(case.lines.shape), **kw).color)
        took = np.linalg.norm(got - hint_lab, axis=2) <= 0.5 * before
        out[f"{name}/coverage"] = float(took[in_part].mean())
        out[f"{name}/leak"] = float(took[others].mean()) if others.any() else 0.0
    out["spread"] = _within_part_spread(regions, ids, base)
    out.update(_five_dot_cut(colorizer, case, regions, ids, truth, variants))
    return out


def _within_part_spread(regions: Regions, ids: np.ndarray, rgb: np.ndarray) -> float:
    from ganime_core.imageops import region_median_lab

    med = region_median_lab(rgb, regions.labels, regions.n, regions.ink_distance > 1)
    total, weight = 0.0, 0.0
    for p in range(1, ids.max() + 1):
        members = np.flatnonzero(ids == p)
        if len(members) < 2:
            continue
        area = regions.areas[members].astype(np.float64)
        mean = (med[members] * area[:, None]).sum(axis=0) / area.sum()
        de = delta_e2000(med[members], np.broadcast_to(mean, med[members].shape))
        total += float((de * area).sum())
        weight += float(area.sum())
    return total / weight if weight else float("nan")


def _five_dot_cut(colorizer, case: Case, regions: Regions, ids: np.ndarray, truth: np.ndarray,
                  variants: dict[str, dict]) -> dict[str, float]:
    sizes = np.bincount(ids, weights=regions.areas, minlength=ids.max() + 1)
    sizes[0] = 0
    parts = [int(p) for p in np.argsort(-sizes)[:5] if sizes[p] > 0]
    from ganime_core.color import lab_to_rgb

    dots = [_dot(regions, np.flatnonzero(ids == p), lab_to_rgb(truth[ids == p].mean(axis=0)[None])[0])
            for p in parts]
    target = _lab(case.rgb)
    size = max(case.lines.shape)
    none = float(delta_e2000(_lab(colorizer.colorize(case.lines, None, working_size=size).color), target).mean())
    out = {}
    for name, kw in variants.items():
        got = _lab(colorizer.colorize(case.lines, dots, working_size=size, **kw).color)
        out[f"{name}/five_dot_cut"] = 1.0 - float(delta_e2000(got, target).mean()) / none
    return out


RULE_DELTA_E = 12.0


class RuleModel:
    """The hand rule as a part model: a region joins a hinted region's part when they touch and
    the network's colours there are within ``RULE_DELTA_E`` (the baseline to beat)."""

    features: tuple[str, ...] = ("touch", "dE")  # what it reads (no part embeddings)
    free = None  # no parts without hints
    head = None

    def head_for(self, generator_sha256: str) -> None:
        return None

    def same_part(self, x: np.ndarray) -> np.ndarray:
        from ganime_core.parts.features import MODEL_FEATURES

        touch, de = x[:, MODEL_FEATURES.index("touch")], x[:, MODEL_FEATURES.index("dE")]
        return ((touch > 0) & (de < RULE_DELTA_E)).astype(np.float32)


VARIANTS = {f"{mode}/{spread}": {"mode": mode, "spread": spread}
            for mode in ("plain", "locked") for spread in ("part", "region")}


def cases(data: str, limit: int, pairs: str | None) -> dict[str, list[Case]]:
    """Validation pictures (XDoG lines on a 256 canvas) and the real sketch/colour pairs."""
    from .datasets import place, read_item
    from .layouts import discover, split
    from .lineart import grey, xdog

    out: dict[str, list[Case]] = {}
    if data and Path(data).is_dir():
        _, items = discover(data)
        _, val = split(items, 0.2, 0)
        step = max(1, len(val) // limit) if limit else 1
        chosen = val[::step][:limit] if limit else val
        out["validation"] = []
        for item in chosen:
            rgb, _ = read_item(item)
            rgb = place(rgb, 256, 1.0, 0.5, 0.5, 255)
            out["validation"].append(Case(xdog(rgb), rgb))
    if pairs and Path(pairs).is_dir():
        import cv2

        out["pairs"] = []
        for sketch in sorted(Path(pairs).glob("*_sketch.png")):
            colour = sketch.with_name(sketch.name.replace("_sketch", "_color"))
            if colour.is_file():
                rgb = cv2.cvtColor(cv2.imread(str(colour)), cv2.COLOR_BGR2RGB)
                out["pairs"].append(Case(grey(cv2.imread(str(sketch), cv2.IMREAD_GRAYSCALE)), rgb))
    return out


def evaluate_parts(colorizer, sets: dict[str, list[Case]], rule: bool = True) -> dict[str, dict[str, float]]:
    """The mean of each measure per set (``rule``: the hand rule's numbers too, as ``rule/...``)."""
    results: dict[str, dict[str, float]] = {}
    model = colorizer.parts
    for name, items in sets.items():
        rows = []
        for case in tqdm(items, desc=name, unit="pic", file=sys.stderr, disable=None):
            colorizer.parts = model
            row = score_case(colorizer, case, VARIANTS)
            if row is None:
                continue
            if rule:
                colorizer.parts = RuleModel()
                ruled = score_case(colorizer, case, {k: v for k, v in VARIANTS.items() if k.endswith("/part")})
                row.update({f"rule:{k}": v for k, v in (ruled or {}).items() if "/" in k})
            rows.append(row)
        colorizer.parts = model
        keys = sorted({k for r in rows for k in r})
        results[name] = {k: float(np.nanmean([r[k] for r in rows if k in r])) for k in keys}
        results[name]["pictures"] = float(len(rows))
    return results


def to_markdown(results: dict[str, dict[str, float]]) -> str:
    lines = []
    for name, r in results.items():
        lines += [f"### {name} ({int(r.get('pictures', 0))} pictures)", "",
                  "| variant | coverage ↑ | leak ↓ | 5-dot cut ↑ |", "|---|---|---|---|"]
        for v in [*VARIANTS, *(f"rule:{k}" for k in VARIANTS if k.endswith("/part"))]:
            if f"{v}/coverage" in r:
                lines.append(f"| {v} | {100 * r[f'{v}/coverage']:.1f} % | {100 * r[f'{v}/leak']:.1f} % "
                             f"| {100 * r.get(f'{v}/five_dot_cut', float('nan')):.1f} % |")
        lines += ["", f"Within-part spread without hints (CIEDE2000): {r.get('spread', float('nan')):.2f}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.parts_eval", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data/train_color", help="colour pictures (validation split)")
    p.add_argument("--limit", type=int, default=200, help="validation pictures (default: %(default)s)")
    p.add_argument("--pairs", default="../shared/data/samples", help="real NNN_sketch/NNN_color pairs")
    p.add_argument("--parts", default=None, help="a part model file (default: the bundled one)")
    p.add_argument("--no-rule", action="store_true", help="leave out the hand rule's numbers")
    p.add_argument("--threshold", type=float, default=None, help="P(same part) to join a part (default: the API's)")
    p.add_argument("--apart", type=float, default=None, help="P(same part) to join a part without touching it")
    p.add_argument("--out", default="runs/parts-eval", help="folder for parts.json and parts.md")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from ganime_core.api import Colorizer
    from ganime_core.parts.model import load_part_model

    colorizer = Colorizer.load(device="cpu")
    if args.parts:
        colorizer.parts = load_part_model(args.parts)
    if args.threshold is not None:
        colorizer.part_threshold = args.threshold
    if args.apart is not None:
        colorizer.part_apart = args.apart
    results = evaluate_parts(colorizer, cases(args.data, args.limit, args.pairs), rule=not args.no_rule)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "parts.json").write_text(json.dumps(results, indent=1, sort_keys=True))
    (out / "parts.md").write_text(to_markdown(results))
    print(to_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
