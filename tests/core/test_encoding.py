"""The named model input: encoding, named views, neutral defaults, the colour code, old models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from ganime_core.api import Colorizer
from ganime_core.inputs.encoding import (
    CHANNELS_V1,
    CHANNELS_V2,
    CODE_DIM,
    ModelInput,
    check_channels,
    decode_palette,
    default_channels,
    encode,
    encode_input,
    encode_palette,
    palette_from_colors,
    palette_from_image,
    split,
)
from ganime_core.models import build_generator
from ganime_core.runtime.weights import load_weights, read_info, save_weights


def _inputs(h: int = 16, w: int = 20) -> ModelInput:
    rng = np.random.default_rng(0)
    lines = rng.random((h, w)).astype(np.float32)
    hint_rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    hint_mask = rng.random((h, w)) > 0.7
    dense_rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    dense_mask = rng.random((h, w)) > 0.5
    return ModelInput(lines, hint_rgb, hint_mask, dense_rgb, dense_mask)


def test_encode_and_split_round_trip_every_plane() -> None:
    inp = _inputs()
    x = encode(inp, CHANNELS_V2)
    assert x.shape == (9, 16, 20) and x.dtype == np.float32
    named = split(x, CHANNELS_V2)
    np.testing.assert_allclose((named["line"][0] + 1) / 2, inp.lines, atol=1e-6)
    for prefix, rgb, mask in (("hint", inp.hint_rgb, inp.hint_mask), ("dense", inp.dense_rgb, inp.dense_mask)):
        np.testing.assert_array_equal(named[f"{prefix}_mask"][0] > 0.5, mask)
        back = np.round((named[f"{prefix}_rgb"].transpose(1, 2, 0) + 1) * 127.5)
        np.testing.assert_array_equal(back[mask], rgb[mask])
        assert not named[f"{prefix}_rgb"][:, ~mask].any()  # zero where there is no hint


def test_the_first_layout_is_unchanged() -> None:
    inp = _inputs()
    x = encode_input(inp.lines, inp.hint_rgb, inp.hint_mask)
    np.testing.assert_array_equal(x, encode(inp, CHANNELS_V1))
    np.testing.assert_allclose(x[0], inp.lines * 2 - 1, atol=1e-6)
    np.testing.assert_array_equal(x[4], inp.hint_mask.astype(np.float32))


def test_inputs_the_caller_did_not_give_are_neutral() -> None:
    x = encode(ModelInput(np.ones((8, 8), np.float32)), CHANNELS_V2)
    assert (x[0] == 1).all() and not x[1:].any()


def test_split_works_on_torch_batches() -> None:
    x = torch.from_numpy(encode(_inputs(), CHANNELS_V2))[None].repeat(2, 1, 1, 1)
    named = split(x, CHANNELS_V2)
    assert named["dense_rgb"].shape == (2, 3, 16, 20) and named["hint_mask"].shape == (2, 1, 16, 20)


def test_channel_lists_are_checked() -> None:
    assert default_channels(5) == CHANNELS_V1 and default_channels(9) == CHANNELS_V2
    with pytest.raises(ValueError, match="unknown"):
        check_channels(["line", "depth"])
    with pytest.raises(ValueError):
        check_channels(["line", "line"])
    with pytest.raises(ValueError):
        default_channels(7)


def test_palette_code_round_trip_and_none_is_zero() -> None:
    assert not encode_palette(None).any() and encode_palette(None).shape == (CODE_DIM,)
    pal = palette_from_colors([(230, 40, 40), (40, 40, 230)], [3, 1])
    code = encode_palette(pal)
    assert code[-1] == 1.0
    np.testing.assert_allclose(decode_palette(code), pal, atol=1e-4)
    assert pal[0, 3] == pytest.approx(0.75)
    assert pal[0, 1] > 40 and pal[1, 2] < -40  # red has a high a*, blue a low b*


def test_palette_from_image_finds_the_main_colours_and_skips_paper() -> None:
    img = np.full((60, 60, 3), 255, np.uint8)
    img[:, :30] = (200, 30, 30)
    img[:20, 30:] = (30, 30, 200)
    pal = palette_from_image(img, 4)
    assert pal[:, 3].sum() == pytest.approx(1.0)
    assert pal[0, 1] > 40  # the red half is the largest colour; the white paper is left out
    assert (pal[:, 0] < 90).all()


def _legacy_file(tmp_path: Path) -> Path:
    """A 5-channel model file as the first releases wrote it (no 'inputs' in its metadata)."""
    torch.manual_seed(1)
    model = build_generator("unet", {"base_width": 8, "depth": 4})
    path = save_weights(tmp_path / "new.safetensors", model, working_size=64, write_sha256=False)
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        meta = dict(f.metadata())
    del meta["inputs"]
    old = tmp_path / "old.safetensors"
    save_file(load_file(str(path)), str(old), metadata=meta)
    return old


def test_old_models_load_and_give_the_same_output(tmp_path: Path) -> None:
    old = _legacy_file(tmp_path)
    info = read_info(old)
    assert info.inputs == CHANNELS_V1
    model, _ = load_weights(old)
    col = Colorizer.load(old, device="cpu", precision="fp32")
    lines = np.full((64, 64), 255, np.uint8)
    lines[10:50, 30] = 0
    hint = np.zeros((64, 64, 4), np.uint8)
    hint[20:24, 10:14] = (200, 40, 40, 255)
    got = col.colorize(lines, hints=hint, lines="none").color
    x = encode_input(lines.astype(np.float32) / 255, hint[..., :3], hint[..., 3] > 0)
    with torch.inference_mode():
        ref = model(torch.from_numpy(x)[None])[0].numpy()
    want = (np.clip((ref.transpose(1, 2, 0) + 1) * 0.5, 0, 1) * 255 + 0.5).astype(np.uint8)
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1


def test_a_model_file_records_its_channels(tmp_path: Path) -> None:
    model = build_generator("unet", {"base_width": 8, "depth": 4, "in_channels": 9, "code_dim": CODE_DIM})
    path = save_weights(tmp_path / "v2.safetensors", model, write_sha256=False)
    assert read_info(path).inputs == CHANNELS_V2
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        assert json.loads(f.metadata()["inputs"]) == list(CHANNELS_V2)


def test_a_palette_is_ignored_by_a_model_without_a_colour_input(tiny_weights_v1: Path) -> None:
    col = Colorizer.load(tiny_weights_v1, device="cpu")
    lines = np.full((64, 64), 255, np.uint8)
    a = col.colorize(lines).image
    b = col.colorize(lines, palette=[(250, 0, 0)]).image
    np.testing.assert_array_equal(a, b)


def test_decode_output_u8_rounds_saturates_and_crops() -> None:
    """x * 127.5 + 127.5, rounded half to even and saturated to 0..255 (values below -1 give 0,
    not their mirror image), cropped to the picture, HxWx3 C-contiguous."""
    from ganime_core.inputs.encoding import decode_output_u8

    rng = np.random.default_rng(0)
    x = rng.uniform(-1.4, 1.4, (3, 64, 48)).astype(np.float32)
    x[:, 0, :4] = [-3.0, -1.0, 1.0, 3.0]
    expected = np.clip(np.rint(x.transpose(1, 2, 0).astype(np.float64) * 127.5 + 127.5), 0, 255).astype(np.uint8)
    for h, w in ((None, None), (50, 47), (1, 1), (1, 9)):
        out = decode_output_u8(x, h, w)
        assert out.dtype == np.uint8 and out.flags.c_contiguous
        assert np.array_equal(out, expected[:h, :w])
    assert list(decode_output_u8(x)[0, :4, 0]) == [0, 0, 255, 255]
    # a channels-last forward's output: the same numbers from interleaved memory
    interleaved = np.ascontiguousarray(x.transpose(1, 2, 0)).transpose(2, 0, 1)
    for h, w in ((None, None), (50, 47), (1, 1)):
        out = decode_output_u8(interleaved, h, w)
        assert out.flags.c_contiguous and np.array_equal(out, expected[:h, :w])
