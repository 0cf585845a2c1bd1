"""The Colorizer end to end, with a tiny random model."""

from pathlib import Path

import numpy as np
import pytest
import torch

from ganime_core.api import Colorizer, working_dims
from ganime_core.errors import DeviceError, GanimeError
from ganime_core.inputs.hints import HintSet, Stroke, rasterize
from ganime_core.io.imageio import save_png


def _sketch(w: int, h: int) -> np.ndarray:
    a = np.full((h, w), 255, np.uint8)
    a[h // 3, :] = 0
    a[:, w // 2] = 0
    a[::7, ::11] = 0
    return a


@pytest.fixture(scope="module")
def colorizer(tiny_weights: Path) -> Colorizer:
    return Colorizer.load(tiny_weights, device="cpu", precision="fp32")


def test_full_resolution_with_crisp_lines(colorizer: Colorizer) -> None:
    sk = _sketch(700, 333)  # larger than the working size, odd aspect
    r = colorizer.colorize(sk)
    assert r.image.shape == (333, 700, 3) and r.color.shape == (333, 700, 3)
    assert r.working_size == (128, 61)
    ink = sk == 0
    assert r.image[ink].max() == 0  # every 1-px input line is still black at full size
    assert r.image[~ink].mean() > 5  # colour elsewhere
    plain = colorizer.colorize(sk, lines="none")
    assert np.array_equal(plain.image, plain.color)


def test_small_input_is_not_upscaled(colorizer: Colorizer) -> None:
    r = colorizer.colorize(_sketch(50, 37))
    assert r.working_size == (50, 37) and r.image.shape == (37, 50, 3)
    assert working_dims(1000, 500, 512) == (512, 256)


def test_alpha_is_kept(colorizer: Colorizer, tmp_path: Path) -> None:
    rgba = np.zeros((90, 120, 4), np.uint8)
    rgba[40:43, :, 3] = 255
    rgba[:, 60, 3] = 200
    save_png(tmp_path / "a.png", rgba)
    r = colorizer.colorize(tmp_path / "a.png")
    assert r.image.shape == (90, 120, 4)
    assert np.array_equal(r.image[..., 3], rgba[..., 3])


def test_hints_change_the_hinted_area(colorizer: Colorizer) -> None:
    sk = _sketch(128, 128)
    base = colorizer.colorize(sk).color.astype(int)
    strokes = [Stroke(((20, 80), (100, 80)), (255, 0, 0), 12)]
    for hints in (strokes, HintSet(tuple(strokes), (128, 128)), rasterize(strokes, 128, 128),
                  rasterize(strokes, 128, 128).to_rgba()):
        hinted = colorizer.colorize(sk, hints).color.astype(int)
        diff = np.abs(hinted - base).sum(-1)
        assert diff[75:86, 25:95].mean() > 0.5, type(hints)
    # hints in a hint set drawn for a bigger canvas are scaled to this one
    big = HintSet((Stroke(((40, 160), (200, 160)), (255, 0, 0), 24),), (256, 256))
    assert np.array_equal(colorizer.colorize(sk, big).color,
                          colorizer.colorize(sk, HintSet(tuple(strokes), (128, 128))).color)


def test_empty_hints_equal_no_hints(colorizer: Colorizer) -> None:
    sk = _sketch(96, 64)
    assert np.array_equal(colorizer.colorize(sk, []).image, colorizer.colorize(sk).image)


def test_bf16_path_close_to_fp32(tiny_weights: Path) -> None:
    sk = _sketch(128, 96)
    a = Colorizer.load(tiny_weights, device="cpu", precision="fp32").colorize(sk).color
    b = Colorizer.load(tiny_weights, device="cpu", precision="bf16").colorize(sk).color
    assert np.abs(a.astype(int) - b.astype(int)).mean() < 3


def test_bad_arguments(colorizer: Colorizer, tiny_weights: Path) -> None:
    with pytest.raises(GanimeError, match="lines must be"):
        colorizer.colorize(_sketch(10, 10), lines="overlay")
    with pytest.raises(GanimeError, match="working_size must be between 16"):
        colorizer.colorize(_sketch(10, 10), working_size=4)
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="CUDA"):
            Colorizer.load(tiny_weights, device="cuda")
    with pytest.raises(DeviceError, match="Unknown device"):
        Colorizer.load(tiny_weights, device="tpu")


def test_cuda_oom_falls_back_to_cpu(tiny_weights: Path, caplog: pytest.LogCaptureFixture) -> None:
    c = Colorizer.load(tiny_weights, device="cpu")
    c.device = torch.device("meta")  # pretend an accelerator that then runs out of memory
    calls = []
    real = c._forward

    def forward(x: np.ndarray, code: np.ndarray | None, taps: dict | None = None) -> np.ndarray:
        calls.append(c.device.type)
        if c.device.type != "cpu":
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(x, code, taps)

    c._forward = forward  # type: ignore[method-assign]
    r = c.colorize(_sketch(64, 64))
    assert calls == ["meta", "cpu"] and r.device == "cpu"
    assert "falling back to the CPU" in caplog.text


def test_locked_mode_fills_the_hinted_region(colorizer: Colorizer) -> None:
    sk = np.full((128, 128), 255, np.uint8)
    sk[8:120, 8:10] = sk[8:120, 118:120] = sk[8:10, 8:120] = sk[118:120, 8:120] = 0  # a frame
    sk[8:120, 63:65] = 0  # two closed regions in it: left and right of a line
    hint = [Stroke(((20, 64), (40, 64)), (0, 200, 0), 6)]
    # the hint's regions only (with spread="part" the part model may judge the two one part)
    r = colorizer.colorize(sk, hint, mode="locked", spread="region")
    assert r.layers is not None and r.mode == "locked"
    left, right = r.layers.flats[12:116, 12:60], r.layers.flats[:, 68:]
    assert np.all(left == (0, 200, 0))  # the whole left region, not only under the stroke
    assert not np.any(np.all(right == (0, 200, 0), axis=-1))  # nothing past the line
    flats = colorizer.colorize(sk, hint, mode="flats", spread="region")
    assert np.array_equal(flats.color, flats.layers.flats)
    with pytest.raises(GanimeError, match="mode must be"):
        colorizer.colorize(sk, mode="sepia")
