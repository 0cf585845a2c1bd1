"""The study runner: every method trains, is evaluated and lands in the report; memory; ranking."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
import torch

from training.baselines.report import agreement
from training.baselines.variants import measure_step_memory, variants
from training.study import build_parser, main


@pytest.fixture(autouse=True)
def _one_thread():  # noqa: ANN202 - polite on a shared 2-core machine
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_study_end_to_end(color_data: Path, samples_dir: Path, tmp_path: Path) -> None:
    doc = tmp_path / "docs" / "results.md"
    rc = main(["--data", str(color_data), "--out", str(tmp_path / "study"), "--doc", str(doc),
               "--samples", str(samples_dir), "--variants", "nst,cyclegan,pix2pix,pix2pix_tv,hints",
               "--max-steps", "2", "--budget-minutes", "5", "--canvas", "32", "--crop", "32",
               "--batch-size", "2", "--unet-gen", "base_width=4,depth=3,dropout=0.0",
               "--resnet-gen", "base_width=4,n_blocks=1", "--d-width", "4", "--eval-limit", "2",
               "--sheet-rows", "1", "--hires-size", "64", "--memory-sizes", "", "--no-fid",
               "--nst-steps", "2", "--threads", "1", "--no-progress"])
    assert rc == 0
    study = json.loads((tmp_path / "study" / "study.json").read_text())
    rows = study["rows"]
    # no VGG-19 weights: style transfer runs on the bundled Inception-v3, and says so
    assert "skipped" not in rows["nst"] and set(rows["nst"]["eval"]) == {"val", "samples"}
    assert rows["nst"]["label"] == "Neural style transfer (Gatys, Inception-v3 features)"
    assert "2 loss evaluations per picture" in rows["nst"]["about"]
    assert "s per picture, scoring included (6 pictures" in rows["nst"]["about"]
    for name in ("cyclegan", "pix2pix", "pix2pix_tv", "hints"):
        assert rows[name]["train"]["steps"] == 2
        assert set(rows[name]["eval"]) == {"val", "samples"}
        assert rows[name]["eval"]["samples"]["n_images"] == 4  # the real pairs
    assert rows["cyclegan"]["train"]["images_seen"] == 2 * 2 * 2  # two domains
    best = study["hires"]["base"]
    assert rows[f"{best}_64"]["train"]["config"]["canvas"] == 64
    assert (tmp_path / "study" / f"{best}_64" / "model.safetensors").is_file()
    text = doc.read_text()
    assert "| Neural style transfer (Gatys, Inception-v3 features) † | 345.5 |" in text and "220.5" in text
    assert "† Neural style transfer (Gatys, Inception-v3 features): FID is computed with this same" in text
    assert "cannot be compared" in text and "## Higher resolution" in text and "64²" in text
    assert "Does our ranking agree" in text and "results_sheet.png" in text
    sheet = cv2.imread(str(doc.parent / "results_sheet.png"))
    # sketch, hints, NST, 4 trained methods + the 64² run, target; header + 1 val row + 4 real pairs
    assert sheet.shape[1] == 9 * 160 and sheet.shape[0] == 50 + 5 * 160


def test_reuse_skips_training(color_data: Path, tmp_path: Path) -> None:
    args = ["--data", str(color_data), "--out", str(tmp_path / "s"), "--doc", str(tmp_path / "r.md"),
            "--samples", "", "--variants", "pix2pix", "--max-steps", "1", "--canvas", "32", "--crop", "32",
            "--batch-size", "2", "--unet-gen", "base_width=4,depth=3", "--d-width", "4", "--eval-limit", "2",
            "--hires-size", "0", "--memory-sizes", "", "--no-fid", "--threads", "1", "--no-progress"]
    assert main(args) == 0
    stamp = (tmp_path / "s" / "pix2pix" / "model.safetensors").stat().st_mtime_ns
    assert main(args + ["--reuse"]) == 0
    assert (tmp_path / "s" / "pix2pix" / "model.safetensors").stat().st_mtime_ns == stamp
    assert main(args + ["--report-only", "--note", "Ran beside another job."]) == 0
    text = (tmp_path / "r.md").read_text()
    assert "Ran beside another job." in text and "Pix2Pix (U-Net" in text


def test_step_memory_is_measured(color_data: Path, tmp_path: Path, make_config) -> None:
    by_name = {v.name: v for v in variants("base_width=4,n_blocks=1")}
    cfg = make_config(color_data, tmp_path / "m", threads=1)
    for name in ("pix2pix", "nst"):
        m = measure_step_memory(by_name[name], cfg, 32)
        assert m["peak_mb"] >= 0 and m["seconds"] > 0 and "CPU" in m["kind"]


def test_ranking_agreement_is_stated() -> None:
    def row(label: str, paper: tuple[float, float], fid: float, ssim: float) -> dict:
        return {"label": label, "paper": paper, "eval": {"val": {"model": {"fid": fid, "ssim": ssim}}}}

    rows = {"cyclegan": row("CycleGAN", (272.6, 0.724), 300.0, 0.60),
            "pix2pix": row("Pix2Pix", (227.9, 0.747), 250.0, 0.70),
            "pix2pix_tv": row("Pix2Pix+TV", (220.5, 0.756), 260.0, 0.71)}
    fid_line, ssim_line = agreement(rows, {k: r["label"] for k, r in rows.items()})
    assert "**differs**" in fid_line and "ours: Pix2Pix > Pix2Pix+TV > CycleGAN" in fid_line
    assert "**agrees**" in ssim_line


def test_help_describes_the_study() -> None:
    text = build_parser().format_help()
    for flag in ("--budget-minutes", "--vgg-weights", "--hires-size", "--reuse", "--samples"):
        assert flag in text
