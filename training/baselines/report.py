"""The study's outputs: a contact sheet (sketch | hints | each method | target) and ``results.md``."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ganime_core.inputs.hints import HintRaster
from ganime_core.io.imageio import save_png

from ..visualize import hint_view, to_uint8

PAPER_ORDER = ("nst", "cyclegan", "pix2pix", "pix2pix_tv")


@dataclass
class SheetImage:
    """One contact-sheet row: the line art, hints and target of one picture."""

    lines: np.ndarray  # uint8 HxW
    hints: HintRaster
    target: np.ndarray  # uint8 HxWx3
    hint_view: np.ndarray  # uint8 HxWx3

    @classmethod
    def from_sample(cls, sample: dict[str, Any]) -> SheetImage:
        x = sample["x"].numpy()
        lines = ((x[0] + 1) * 0.5 * 255 + 0.5).astype(np.uint8)
        return cls(lines, HintRaster(to_uint8(x[1:4]), x[4] > 0.5), to_uint8(sample["y"]), hint_view(x))


def sheet_column(colorizer: Any, images: list[SheetImage], hints: bool) -> list[np.ndarray]:
    """One method's outputs for the sheet's pictures (with their hints when it takes hints)."""
    out = []
    for im in images:
        h = im.hints if hints and im.hints.mask.any() else None
        out.append(colorizer.colorize(im.lines, hints=h, working_size=max(im.lines.shape)).image[..., :3])
    return out


def _cell(img: np.ndarray, size: int) -> np.ndarray:
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)


def _header(text: str, width: int, height: int = 50) -> np.ndarray:
    cell = np.full((height, width, 3), 255, np.uint8)
    scale = 0.42
    for i, line in enumerate(_wrap(text, max(6, width // 9))[:3]):
        cv2.putText(cell, line, (4, 14 + 15 * i), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1, cv2.LINE_AA)
    return cell


def _ascii(text: str) -> str:
    """OpenCV's Hershey fonts have no Greek or superscripts."""
    return text.replace("λ_tv", "TV weight").replace("²", "px").replace("×", "x")


def _wrap(text: str, width: int) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}".strip()
    return lines + [cur] if cur else lines


def contact_sheet(path: Path, images: list[SheetImage], columns: list[tuple[str, list[np.ndarray]]],
                  cell: int = 160) -> Path:
    """Rows = pictures; columns = sketch | hints | each method | target, with a header row."""
    names = ["sketch", "hints (given to hint models)"] + [_ascii(n) for n, _ in columns] + ["ground truth"]
    header = np.concatenate([_header(n, cell) for n in names], axis=1)
    rows = [header]
    for i, im in enumerate(images):
        cells = [im.lines, im.hint_view] + [col[i] for _, col in columns] + [im.target]
        rows.append(np.concatenate([_cell(c, cell) for c in cells], axis=1))
    return save_png(path, np.concatenate(rows, axis=0))


# -- markdown ----------------------------------------------------------------------------------------

def _f(v: Any, fmt: str = "{:.3g}") -> str:
    return "–" if v is None else fmt.format(v)


def _m(row: dict[str, Any], split: str, key: str, fmt: str = "{:.3g}") -> str:
    return _f(row.get("eval", {}).get(split, {}).get("model", {}).get(key), fmt)


def ranking(rows: dict[str, dict[str, Any]], key: str, names: tuple[str, ...]) -> list[str]:
    """Names ordered best first by our validation ``key`` (FID: lower, SSIM: higher)."""
    have = [n for n in names if rows.get(n, {}).get("eval", {}).get("val", {}).get("model", {}).get(key)
            is not None]
    sign = 1 if key == "fid" else -1
    return sorted(have, key=lambda n: sign * rows[n]["eval"]["val"]["model"][key])


def paper_ranking(rows: dict[str, dict[str, Any]], key: str, names: tuple[str, ...]) -> list[str]:
    i = 0 if key == "fid" else 1
    sign = 1 if key == "fid" else -1
    return sorted([n for n in names if rows.get(n, {}).get("paper")], key=lambda n: sign * rows[n]["paper"][i])


def agreement(rows: dict[str, dict[str, Any]], labels: dict[str, str]) -> list[str]:
    out = []
    for key, name in (("fid", "FID"), ("ssim", "SSIM")):
        ours = ranking(rows, key, PAPER_ORDER)
        paper = [n for n in paper_ranking(rows, key, PAPER_ORDER) if n in ours]
        if len(ours) < 2:
            out.append(f"- {name}: fewer than two of the paper's methods were measured; no ranking.")
            continue
        verdict = "**agrees**" if ours == paper else "**differs**"
        out.append(f"- {name}, best first — ours: {' > '.join(labels[n] for n in ours)}; "
                   f"paper: {' > '.join(labels[n] for n in paper)}. Our ranking {verdict}.")
    return out


def _budget(a: dict[str, Any]) -> str:
    if a.get("max_steps"):
        return (f"the same budget of **{a['max_steps']} optimiser steps of {a['batch_size']} images** "
                f"(capped at {a['budget_minutes']:g} minutes of training)")
    return f"the same wall-clock budget of **{a['budget_minutes']:g} minute(s)** of training"


def _groups(study: dict[str, Any]) -> str:
    groups = study.get("train_groups") or {}
    if len(groups) < 2:
        return ""
    return ": " + ", ".join(f"{g or '(top level)'} {n}" for g, n in sorted(groups.items(), key=lambda kv: -kv[1]))


def markdown(study: dict[str, Any], sheet: str | None) -> str:
    a = study["args"]
    rows: dict[str, dict[str, Any]] = study["rows"]
    labels = {n: r["label"] for n, r in rows.items()}
    base = study.get("baselines", {})
    md = [
        "# GANime: our rerun of the paper's comparison", "",
        f"Generated by `python -m training.study` on {study['date']} "
        f"({platform.machine()}, {study['cpu_threads']} CPU thread(s), device `{study['device']}`).", "",
        "**Read this first: our numbers are not the paper's and cannot be compared with them "
        "directly.** The paper trained each model for 150 epochs on the Kaggle \"Anime Sketch "
        "Colorization Pair\" set (thousands of pairs with sketchKeras line art) and scored FID over "
        f"its whole 20 % test split. Here every method got {_budget(a)} on this machine, trained on "
        f"`{a['data']}` "
        f"({study.get('train_files', '?')} training files{_groups(study)}; where a folder has colour "
        "images only, line art is extracted by `training.lineart`) with a seed-fixed 80/20 split, "
        f"{a['canvas']}² canvases and {a['crop']}² crops. FID over "
        f"{study.get('n_val', '?')} validation pictures is dominated by small-sample bias (it falls "
        "as the number of pictures grows), so absolute FIDs here are far larger than the paper's; "
        "only the order of rows within one table means anything, and a few minutes of training "
        "ranks how fast each method learns, not where it ends up.", "",
        *[line for note in study.get("notes", []) for line in (note, "")],
        f"## Results beside the paper ({a['canvas']}² unless noted)", "",
        f"*val*: {study.get('n_val', '?')} held-out pictures of the training split (XDoG line art, "
        f"evaluated at {a['canvas']}²); *real pairs*: the {study.get('n_samples', 0)} real "
        "sketch/colour pairs in `../shared/data/samples` (never trained on). FID/SSIM/PSNR without "
        "hints; \"SSIM hinted\" and \"hint ΔE\" with simulated hint strokes (ΔE2000 inside the "
        "strokes, lower is better). All outputs go through `ganime_core.Colorizer` (lines multiplied "
        "over the colour, as the app does). *train min*: wall-clock training time including data "
        "loading; *eval min*: scoring both sets (for style transfer this is where its per-picture "
        "optimisation happens).", "",
        "| method | paper FID ↓ | paper SSIM ↑ | FID val ↓ | SSIM val ↑ | PSNR val | SSIM hinted | "
        "hint ΔE (no hints → hints) | FID real pairs | SSIM real pairs | train min | images seen | eval min |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows.values():
        paper = r.get("paper") or (None, None)
        if r.get("skipped"):
            md.append(f"| {r['label']} | {_f(paper[0], '{:.1f}')} | {_f(paper[1], '{:.3f}')} | {r['skipped']} ||||||||||")
            continue
        t = r.get("train", {})
        de = f"{_m(r, 'val', 'hint_de_without')} → {_m(r, 'val', 'hint_de_with')}"
        md.append(f"| {r['label']}{' †' if r.get('caveat') else ''} | {_f(paper[0], '{:.1f}')} | {_f(paper[1], '{:.3f}')} | {_m(r, 'val', 'fid', '{:.1f}')} | "
                  f"{_m(r, 'val', 'ssim')} | {_m(r, 'val', 'psnr', '{:.2f}')} | {_m(r, 'val', 'ssim_hinted')} | "
                  f"{de} | {_m(r, 'samples', 'fid', '{:.1f}')} | {_m(r, 'samples', 'ssim')} | "
                  f"{_f(t.get('wall_seconds', 0) / 60, '{:.1f}')} | {t.get('images_seen', '–')} | "
                  f"{_f(r.get('eval_seconds', 0) / 60, '{:.1f}')} |")
    for key, label in (("sketch", "baseline: the sketch itself"), ("mean_color", "baseline: sketch × mean colour")):
        v, s = base.get("val", {}).get(key, {}), base.get("samples", {}).get(key, {})
        md.append(f"| {label} | | | {_f(v.get('fid'), '{:.1f}')} | {_f(v.get('ssim'))} | "
                  f"{_f(v.get('psnr'), '{:.2f}')} | | | {_f(s.get('fid'), '{:.1f}')} | {_f(s.get('ssim'))} | 0 | 0 | |")
    caveats = [f"† {r['label']}: {r['caveat']}" for r in rows.values() if r.get("caveat")]
    md += ["", *[line for c in caveats for line in (c, "")]]
    md += ["## Does our ranking agree with the paper's?", "", *agreement(rows, labels), ""]
    md += ["## What each row is", "", f"Shared by every trained row: data, split and augmentation of "
           f"`training.datasets`; batch {a['batch_size']}; Adam (β1 0.5), G 2e-4, D 1e-4 (CycleGAN 2e-4); "
           f"PatchGAN 70×70 (width {a['d_width']}), LSGAN loss; constant learning rate (no decay within the "
           f"budget). U-Net: `{a['unet_gen']}`; ResNet: `{a['resnet_gen']}`.", ""]
    md += [f"- **{r['label']}**: {r.get('about', '')}" for r in rows.values() if r.get("about")]
    md.append("")
    hires = study.get("hires")
    if hires:
        size = hires["size"]
        md += [f"## Higher resolution: {hires['label']}", "",
               f"The best pix2pix variant on the validation set (`{hires['base']}`) evaluated at {size}², "
               f"as trained at {a['canvas']}² and retrained on {size}² canvases (same crop size, same "
               "budget).", "",
               "| model | FID val ↓ | SSIM val ↑ | PSNR val | hint ΔE with hints | FID real pairs | SSIM real pairs |",
               "|---|---|---|---|---|---|---|"]
        for label, r in hires["rows"]:
            md.append(f"| {label} | {_m(r, 'val', 'fid', '{:.1f}')} | {_m(r, 'val', 'ssim')} | "
                      f"{_m(r, 'val', 'psnr', '{:.2f}')} | {_m(r, 'val', 'hint_de_with')} | "
                      f"{_m(r, 'samples', 'fid', '{:.1f}')} | {_m(r, 'samples', 'ssim')} |")
        md.append("")
    mem = study.get("memory", {})
    if mem:
        sizes = sorted({int(s) for m in mem.values() for s in m})
        md += ["## Peak memory of one training step (one image)", "",
               "Measured in a fresh process: building the networks and optimisers plus one training "
               "step on one image of the given size (NST: one optimisation step of the network it ran "
               "on; a VGG-19 is the same size with or without pretrained weights). On CPU this is the rise of the process's peak "
               "resident memory, on CUDA `max_memory_allocated`.", "",
               "| method | " + " | ".join(f"{s}² MiB" for s in sizes) + " | " + " | ".join(f"{s}² s" for s in sizes) + " |",
               "|---|" + "---|" * (2 * len(sizes))]
        for name, m in mem.items():
            cells = [_f(m.get(str(s), {}).get("peak_mb"), "{:.0f}") for s in sizes]
            secs = [_f(m.get(str(s), {}).get("seconds"), "{:.2f}") for s in sizes]
            md.append(f"| {labels.get(name, name)} | " + " | ".join(cells + secs) + " |")
        md.append("")
    if sheet:
        md += ["## Contact sheet", "",
               "The same validation pictures (top) and real pairs (bottom) for every method: sketch | "
               "hints | each method (hint models are given the hints; the others cannot take them) | "
               "ground truth.", "", f"![contact sheet]({sheet})", ""]
    md += ["## Rerun", "", "```", study["command"], "```", "",
           "Per-run folders (checkpoints, `stats.jsonl`, sample grids, `result.json`) are under "
           f"`{a['out']}`; `{a['out']}/study.json` holds every number above.", ""]
    return "\n".join(md)
