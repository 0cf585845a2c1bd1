"""Character colour memory, measured: ``python -m training.memory_eval``.

On the pairs of ``../shared/data/memory_dev`` (``training.memory_data``: a character's portrait
and another picture of it; the target's line art drawn from its colours by our own code), each
target is coloured

- ``none``: with nothing (plain mode, the CLI's default);
- ``reference``: with ``--reference`` = the portrait (the colour guide; plain mode);
- ``character``: with a character made from the portrait (``ganime_core.character``: regions
  matched, dense hints, locked mode, the portrait's colours as the guide);
- ``oracle``: perfect matching — every closed region of the target hinted, in locked mode, with
  the reference palette colour nearest its own colour in the target (the ceiling of hinting);

and scored on the figure (palette-hit, CIEDE2000). With ``--augmented N``, the per-region match
accuracy on N validation pictures against warped, cropped, flipped, rescaled copies of
themselves (``training.memory_augment``). Writes ``OUT/memory.json`` and ``OUT/memory.md``, and
with ``--sheet`` a contact sheet: reference | target line art | none | reference | character |
target.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ganime_core.character import colorize_with_character, create_character
from ganime_core.character.apply import character_hints, working_side
from ganime_core.character.describe import own_colours
from ganime_core.character.match import Matches, Reference
from ganime_core.options import ColorizeOptions

from .memory_data import Pair, load_pairs, nearest, scores

log = logging.getLogger("training.memory_eval")
METHODS = ("none", "reference", "character", "oracle")


def oracle(colorizer, pair: Pair) -> np.ndarray:
    """Every target region hinted with the palette colour nearest its own colour, locked mode."""
    opts = ColorizeOptions(mode="locked")
    side, regions, page = working_side(colorizer, pair.lines, opts)
    small = cv2.resize(pair.target, (page.w, page.h), interpolation=cv2.INTER_AREA)
    own = own_colours(side.labels, small, regions.ink_distance)
    idx = nearest(own.astype(np.float64), pair.palette)
    ref = Reference(side, np.zeros(side.n + 1, np.int64), np.vstack([[[100.0, 0.0, 0.0]], pair.palette]), (0, 0, 1, 1))
    every = Matches(np.r_[0, idx[1:] + 1], np.ones(side.n + 1, np.float32), np.zeros((0, 2), np.int64),
                    np.zeros((0, 0), np.float32), np.zeros(0, np.float32))
    raster, _ = character_hints(side, regions.line_mask, ref, every, 0.5)
    return colorizer.colorize(pair.lines, raster.resized(page.width, page.height), opts).image


def run_pair(colorizer, pair: Pair, methods: tuple[str, ...], threshold: float | None = None
             ) -> tuple[dict[str, dict[str, float]], dict[str, np.ndarray]]:
    """Scores and output pictures of one pair, per method."""
    out: dict[str, np.ndarray] = {}
    row: dict[str, dict[str, float]] = {}
    for m in methods:
        t0 = time.perf_counter()
        extra: dict[str, float] = {}
        if m == "none":
            out[m] = colorizer.colorize(pair.lines).image
        elif m == "reference":
            out[m] = colorizer.colorize(pair.lines, reference=pair.ref).image
        elif m.startswith("character"):
            character = create_character(colorizer, pair.ref, pair.name)
            kw = {} if threshold is None else {"threshold": threshold}
            if m == "character-plain":
                kw["options"] = ColorizeOptions(mode="plain")
            coloured = colorize_with_character(colorizer, pair.lines, character, guide=m != "character-noguide",
                                               **kw)
            out[m] = coloured.result.image
            extra = {"matched": float(coloured.matched[pair.figure].mean()),
                     "uncertain": float(coloured.uncertain[pair.figure].mean())}
        elif m == "oracle":
            out[m] = oracle(colorizer, pair)
        else:
            raise SystemExit(f"unknown method {m!r}")
        row[m] = {**scores(out[m][..., :3], pair), **extra, "seconds": time.perf_counter() - t0}
    return row, out


def summarise(rows: dict[str, dict[str, dict[str, float]]], pairs: list[Pair]) -> dict:
    """Means per method over all pairs, the aligned ones and the others, and the cuts."""
    groups = {"all": [p.name for p in pairs], "same pose": [p.name for p in pairs if p.aligned],
              "other pose": [p.name for p in pairs if not p.aligned]}
    out: dict = {}
    for g, names in groups.items():
        if not names:
            continue
        methods = rows[names[0]].keys()
        out[g] = {"pairs": len(names)}
        for m in methods:
            keys = rows[names[0]][m].keys()
            out[g][m] = {k: float(np.nanmean([rows[n][m][k] for n in names])) for k in keys}
        if "none" in out[g]:
            base = out[g]["none"]["ciede2000"]
            for m in methods:
                out[g][m]["cut"] = 1.0 - out[g][m]["ciede2000"] / base
    return out


def to_markdown(summary: dict, augmented: dict | None, cpu: str) -> str:
    lines = [f"Character colour memory ({cpu}).", ""]
    for g, s in summary.items():
        lines += [f"### memory_dev, {g} ({s['pairs']} pairs)", "",
                  "| method | palette-hit ↑ | figure CIEDE2000 ↓ | cut vs none ↑ | matched | s / picture |",
                  "|---|---|---|---|---|---|"]
        for m, r in s.items():
            if m == "pairs":
                continue
            matched = f"{100 * r['matched']:.0f} %" if "matched" in r else ""
            cut = f"{100 * r['cut']:.1f} %" if "cut" in r else ""
            lines.append(f"| {m} | {r['palette_hit']:.3f} | {r['ciede2000']:.1f} | {cut} "
                         f"| {matched} | {r['seconds']:.2f} |")
        lines.append("")
    if augmented:
        lines += [f"### augmented-self pairs ({augmented['pictures']} validation pictures)", "",
                  "| measure | value |", "|---|---|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in augmented.items() if k != "pictures"]
        lines.append("")
    return "\n".join(lines)


def contact_sheet(pairs: list[Pair], outputs: dict[str, dict[str, np.ndarray]], path: Path, tile: int = 256) -> None:
    """reference | target line art | none | reference | character | target, one row per pair."""
    def fit(img: np.ndarray) -> np.ndarray:
        img = img[..., :3] if img.ndim == 3 else np.dstack([img] * 3)
        s = tile / max(img.shape[:2])
        small = cv2.resize(img, (max(1, round(img.shape[1] * s)), max(1, round(img.shape[0] * s))),
                           interpolation=cv2.INTER_AREA)
        canvas = np.full((tile, tile, 3), 255, np.uint8)
        y, x = (tile - small.shape[0]) // 2, (tile - small.shape[1]) // 2
        canvas[y:y + small.shape[0], x:x + small.shape[1]] = small
        return canvas

    rows = []
    for p in pairs:
        o = outputs[p.name]
        lines = np.clip(p.lines * 255.0, 0, 255).astype(np.uint8)
        cells = [p.ref, lines, o.get("none"), o.get("reference"), o.get("character"), p.target]
        rows.append(np.hstack([fit(c) if c is not None else np.full((tile, tile, 3), 255, np.uint8) for c in cells]))
    sheet = np.vstack(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.memory_eval", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pairs", default="../shared/data/memory_dev", help="the <name>_ref/_target pairs")
    p.add_argument("--names", default="", help="only these pairs (comma-separated)")
    p.add_argument("--limit", type=int, default=0, help="at most this many pairs (0: all)")
    p.add_argument("--methods", default=",".join(METHODS),
                   help="of none, reference, character, character-noguide, character-plain, oracle")
    p.add_argument("--threshold", type=float, default=None, help="match confidence to hint (default: the API's)")
    p.add_argument("--augmented", type=int, default=0, help="validation pictures for the augmented-self accuracy")
    p.add_argument("--data", default="../shared/data/train_color", help="colour pictures (validation split)")
    p.add_argument("--sheet", default="", help="write the contact sheet here (.jpg)")
    p.add_argument("--sheet-names", default="", help="the sheet's pairs (default: all scored)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="runs/memory-eval", help="folder for memory.json and memory.md")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import torch

    from ganime_core.api import Colorizer

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    colorizer = Colorizer.load(device="cpu")
    methods = tuple(m for m in args.methods.split(",") if m)
    names = [n for n in args.names.split(",") if n] or None
    pairs = load_pairs(args.pairs, args.limit, names)
    rows: dict[str, dict[str, dict[str, float]]] = {}
    outputs: dict[str, dict[str, np.ndarray]] = {}
    keep = set(args.sheet_names.split(",")) if args.sheet_names else None
    for pair in tqdm(pairs, desc="memory_dev", unit="pair", file=sys.stderr, disable=None):
        rows[pair.name], out = run_pair(colorizer, pair, methods, args.threshold)
        if args.sheet and (keep is None or pair.name in keep):
            outputs[pair.name] = out
    summary = summarise(rows, pairs)
    augmented = None
    if args.augmented:
        from .memory_augment import augmented_accuracy

        augmented = augmented_accuracy(colorizer, args.data, args.augmented)
    cpu = f"{platform.processor() or platform.machine()}, {args.threads} threads"
    outdir = Path(args.out)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "memory.json").write_text(json.dumps({"summary": summary, "pairs": rows, "augmented": augmented,
                                                    "cpu": cpu, "methods": methods}, indent=1, sort_keys=True))
    md = to_markdown(summary, augmented, cpu)
    (outdir / "memory.md").write_text(md)
    if args.sheet:
        contact_sheet([q for q in pairs if q.name in outputs], outputs, Path(args.sheet))
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
