"""The paper's baselines: style transfer and CycleGAN train/optimise for real and evaluate on tiny images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from training.baselines.cyclegan import WEIGHTS, CycleGANTrainer, ImagePool, load_colorizer
from training.baselines.nst import (
    STYLE_LAYERS,
    NSTColorizer,
    NSTConfig,
    StyleTransfer,
    gram,
    vgg19_features,
)
from training.evaluate import evaluate, evaluation_set


@pytest.fixture(autouse=True)
def _one_thread():  # noqa: ANN202 - polite on a shared 2-core machine
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def vgg() -> torch.nn.Sequential:
    torch.manual_seed(0)
    return vgg19_features(None)


def _sketch(size: int = 32) -> np.ndarray:
    s = np.ones((size, size), np.float32)
    s[size // 4, :] = 0.0
    s[:, size // 2] = 0.0
    return s


def test_style_transfer_pulls_grams_toward_the_style(vgg: torch.nn.Sequential) -> None:
    transfer = StyleTransfer(vgg, NSTConfig(steps=0, lr=0.05, size=32))
    style = np.zeros((32, 32, 3), np.uint8)
    style[..., 0] = 220
    style[::4, :, 1] = 180
    sketch = _sketch()

    def style_loss(img: np.ndarray) -> float:
        t = transfer._tensor(img, (32, 32))
        s = transfer._tensor(style, (32, 32))
        taps, ref = transfer._taps(t), transfer._taps(s)
        return float(sum(torch.nn.functional.mse_loss(gram(taps[i]), gram(ref[i])) for i in STYLE_LAYERS.values()))

    start = transfer.run(sketch, style, steps=0)
    assert start.shape == (32, 32, 3) and abs(int(start[0, 0, 0]) - 255) <= 1  # starts as the sketch
    out = transfer.run(sketch, style, steps=25)
    assert style_loss(out) < 0.5 * style_loss(start)
    assert out[..., 0].mean() > out[..., 2].mean()  # redder, like the style


def test_nst_colorizer_caches_and_multiplies_lines(vgg: torch.nn.Sequential, color_data: Path) -> None:
    transfer = StyleTransfer(vgg, NSTConfig(steps=3, size=32))
    styles = [np.full((32, 32, 3), (200, 80, 40), np.uint8)]
    colorizer = NSTColorizer(transfer, styles)
    _, ds, train = evaluation_set(str(color_data), "val", 32, 0, 0.2, 2)
    result = evaluate(colorizer, ds, [200.0, 180.0, 170.0], fid=False)
    model = result["methods"]["model"]
    assert result["n_images"] == 2 and {"ssim", "psnr", "hint_de_with"} <= set(model)
    assert len(colorizer._cache) == 2  # evaluate asks twice per picture; optimised once
    lines = (_sketch() * 255).astype(np.uint8)
    out = colorizer.colorize(lines).image
    assert out.shape == (32, 32, 3) and out[lines == 0].max() == 0  # ink stays ink


def test_vgg_weights_file_is_loaded_and_checked(vgg: torch.nn.Sequential, tmp_path: Path) -> None:
    state = {f"features.{k}": v + 1.0 for k, v in vgg.state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(2, 2)
    torch.save(state, tmp_path / "vgg19.pth")
    loaded = vgg19_features(tmp_path / "vgg19.pth")
    assert torch.equal(loaded[0].weight, vgg[0].weight + 1.0)
    assert not any(p.requires_grad for p in loaded.parameters())
    torch.save({"features.0.weight": torch.zeros(1)}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="not VGG-19"):
        vgg19_features(tmp_path / "bad.pth")
    with pytest.raises(FileNotFoundError):
        vgg19_features(tmp_path / "missing.pth")


def test_image_pool_keeps_history() -> None:
    pool = ImagePool(2, seed=0)
    first = pool.query(torch.zeros(2, 3, 4, 4))
    assert torch.equal(first, torch.zeros(2, 3, 4, 4)) and len(pool.images) == 2
    mixed = torch.cat([pool.query(torch.ones(1, 3, 4, 4)) for _ in range(20)])
    assert 0 < float(mixed.mean()) < 1  # some old fakes came back
    assert torch.equal(ImagePool(0).query(torch.ones(1, 3, 2, 2)), torch.ones(1, 3, 2, 2))


def test_cyclegan_trains_saves_and_evaluates(color_data: Path, tmp_path: Path, make_config) -> None:
    cfg = make_config(color_data, tmp_path / "cyc", arch="resnet", gen="base_width=4,n_blocks=1",
                      max_steps=12, lr_g=2e-3, lr_d=2e-3)
    trainer = CycleGANTrainer(cfg)
    before = {k: v.clone() for k, v in trainer.D_a.state_dict().items()}
    summary = trainer.fit()
    cyc = [h["cycle_a"] + h["cycle_b"] for h in trainer.history]
    assert summary["step"] == 12 and summary["images_seen"] == 12 * 4
    assert {"g_ab", "g_ba", "idt_a", "idt_b", "loss_d"} <= set(trainer.history[-1])
    assert np.mean(cyc[-4:]) < np.mean(cyc[:2])
    assert any(not torch.equal(before[k], v) for k, v in trainer.D_a.state_dict().items())
    assert (tmp_path / "cyc" / "stats.jsonl").is_file()
    colorizer = load_colorizer(tmp_path / "cyc" / WEIGHTS)
    _, ds, _ = evaluation_set(str(color_data), "val", 32, 0, 0.2, 2)
    result = evaluate(colorizer, ds, [200.0, 180.0, 170.0], fid=False)
    assert 0.0 < result["methods"]["model"]["ssim"] <= 1.0
    # the wrapped generator reads only the line channel: hints change nothing
    x = torch.zeros(1, 5, 32, 32)
    y = torch.zeros(1, 5, 32, 32)
    y[:, 1:] = 1.0
    with torch.no_grad():
        assert torch.equal(colorizer.model(x), colorizer.model(y))


def test_study_runs_style_transfer_on_vgg_with_weights(vgg: torch.nn.Sequential, color_data: Path,
                                                       tmp_path: Path, make_config) -> None:
    """With --vgg-weights the paper's VGG-19 (without: the bundled Inception, test_nst_inception.py)."""
    from training.baselines.nst import VGGFeatures
    from training.baselines.variants import train_variant, variants

    nst = {v.name: v for v in variants("base_width=4,n_blocks=1")}["nst"]
    cfg = make_config(color_data, tmp_path / "nst")
    torch.save({f"features.{k}": v for k, v in vgg.state_dict().items()}, tmp_path / "vgg19.pth")
    colorizer, summary = train_variant(nst, cfg, vgg_weights=str(tmp_path / "vgg19.pth"),
                                       nst=NSTConfig(steps=2))
    assert len(colorizer.styles) == 8 and colorizer.styles[0].shape == (32, 32, 3)
    assert isinstance(colorizer.transfer.net, VGGFeatures) and summary["backbone"] == "vgg19"
    assert "label" not in summary  # the row keeps the paper's name and description
    out = colorizer.colorize((_sketch() * 255).astype(np.uint8)).image
    assert out.shape == (32, 32, 3)
