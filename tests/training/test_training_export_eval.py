"""Export (checkpoint -> .safetensors the app loads) and evaluation through the Colorizer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ganime_core.api import Colorizer
from ganime_core.inputs.encoding import decode_output, encode_input
from ganime_core.inputs.hints import Stroke, rasterize
from ganime_core.runtime.weights import read_info
from training.evaluate import evaluate, evaluation_set, to_markdown
from training.evaluate import main as evaluate_main
from training.export import generator_from_checkpoint
from training.export import main as export_main
from training.metrics import FID, frechet_distance


def test_export_round_trip(trained_run: tuple[Path, Path], tmp_path: Path) -> None:
    _, ckpt = trained_run
    card = tmp_path / "card.md"
    card.write_text("# tiny model\n")
    metrics = tmp_path / "eval.json"
    metrics.write_text(json.dumps({"methods": {"model": {"ssim": 0.5}}}))
    out = tmp_path / "m.safetensors"
    assert export_main([str(ckpt), "-o", str(out), "--working-size", "64", "--metrics", str(metrics),
                        "--model-card", str(card), "--precision", "fp16"]) == 0
    assert Path(str(out) + ".sha256").is_file()
    info = read_info(out)
    assert info.arch == "unet" and info.working_size == 64 and info.model_card == "# tiny model\n"
    assert info.training["steps"] == 3 and len(info.training["mean_color"]) == 3
    assert info.metrics["methods"]["model"]["ssim"] == 0.5

    model, _ = generator_from_checkpoint(ckpt)
    rng = np.random.default_rng(0)
    lines = (rng.random((64, 64)) > 0.1).astype(np.float32)
    raster = rasterize([Stroke(points=((10.0, 10.0), (30.0, 20.0)), color=(200, 30, 30), width=6)], 64, 64)
    with torch.no_grad():
        ref = model(torch.from_numpy(encode_input(lines, raster.rgb, raster.mask))[None])[0].numpy()
    expected = (decode_output(ref) * lines[..., None] * 255 + 0.5).astype(np.uint8)
    got = Colorizer.load(out, device="cpu", precision="fp32").colorize(
        (lines * 255).astype(np.uint8), hints=raster, working_size=64).image
    assert got.shape == (64, 64, 3)
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 3  # fp16 weights, uint8 rounding


def test_evaluate_reports_model_and_both_baselines(trained_run: tuple[Path, Path], tmp_path: Path) -> None:
    data, ckpt = trained_run
    weights = tmp_path / "m.safetensors"
    assert export_main([str(ckpt), "-o", str(weights), "--working-size", "64"]) == 0
    out = tmp_path / "eval"
    assert evaluate_main(["--weights", str(weights), "--data", str(data), "--out", str(out),
                          "--canvas", "64", "--no-fid", "--precision", "fp32"]) == 0
    res = json.loads((out / "eval.json").read_text())
    assert res["n_images"] == 4 and set(res["methods"]) == {"model", "sketch", "mean_color"}
    model = res["methods"]["model"]
    assert {"ssim", "psnr", "ssim_hinted", "hint_de_with", "hint_de_without"} <= set(model)
    assert 0 < res["methods"]["sketch"]["ssim"] <= 1
    assert (out / "contact_sheet.png").is_file()
    md = (out / "eval.md").read_text()
    assert "baseline: the sketch itself" in md and "hint ΔE" in md


def test_fid_ranks_a_copy_above_noise(trained_run: tuple[Path, Path]) -> None:
    data, ckpt = trained_run
    _, ds, _ = evaluation_set(str(data), "all", 64, 0, 0.2, 3)
    targets = [((ds[i]["y"].numpy().transpose(1, 2, 0) + 1) * 127.5).astype(np.uint8) for i in range(len(ds))]
    fid = FID()
    fid.set_reference(targets)
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 256, t.shape, dtype=np.uint8) for t in targets]
    assert abs(fid.score(targets)) < 1e-3 < 10.0 < fid.score(noise)


def test_frechet_distance_matches_the_textbook_formula() -> None:
    import scipy.linalg

    rng = np.random.default_rng(0)
    f1, f2 = rng.normal(size=(12, 20)), rng.normal(0.3, 1.5, size=(9, 20))
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    ref = ((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * np.real(scipy.linalg.sqrtm(s1 @ s2)))
    assert frechet_distance(f1, f2) == pytest.approx(ref, rel=1e-6)


def test_evaluate_function_with_in_memory_model(trained_run: tuple[Path, Path]) -> None:
    from ganime_core.runtime.weights import ModelInfo

    data, ckpt = trained_run
    model, state = generator_from_checkpoint(ckpt)
    col = Colorizer(model, ModelInfo(arch="unet", config=model.config, working_size=64), "cpu",
                    precision="fp32")
    _, ds, _ = evaluation_set(str(data), "val", 64, 0, 0.2, 2)
    res = evaluate(col, ds, state["mean_color"], fid=False)
    assert res["n_images"] == 2
    assert "| model |" in to_markdown(res, "tiny")
