"""Direct tests of the losses and of growing a shipped generator into the new design."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from ganime_core.inputs.encoding import CODE_DIM
from ganime_core.models.unet import UNetConfig, UNetGenerator
from training import losses
from training.convert import adapt_generator, transpose_to_resize_conv


def test_masked_l1_is_the_mean_inside_the_mask_and_zero_when_empty() -> None:
    fake, real = torch.zeros(1, 3, 4, 4), torch.ones(1, 3, 4, 4)
    real[..., 2:, :] = 3.0
    mask = torch.zeros(1, 1, 4, 4)
    assert float(losses.masked_l1(fake, real, mask)) == 0.0
    mask[..., 2:, :] = 1.0
    assert float(losses.masked_l1(fake, real, mask)) == pytest.approx(3.0)
    mask[..., 0, :] = 1.0
    assert float(losses.masked_l1(fake, real, mask)) == pytest.approx((8 * 3 + 4 * 1) / 12)


def test_hint_loss_pulls_towards_the_hint_colour() -> None:
    fake = torch.zeros(1, 3, 4, 4, requires_grad=True)
    hint = torch.full((1, 3, 4, 4), 0.5)
    mask = torch.zeros(1, 1, 4, 4)
    mask[..., 1, 1] = 1
    loss = losses.hint_loss(fake, hint, mask)
    loss.backward()
    assert float(loss.detach()) == pytest.approx(0.5)
    assert fake.grad[..., 1, 1].lt(0).all() and fake.grad[..., 0, 0].eq(0).all()


def test_colourfulness_loss_is_one_sided() -> None:
    grey = torch.zeros(2, 3, 8, 8)
    vivid = torch.zeros(2, 3, 8, 8)
    vivid[:, 0, :, :4] = 0.9
    vivid[:, 2, :, 4:] = 0.9
    assert float(losses.colourfulness(grey).max()) < 0.01
    assert float(losses.colourfulness(vivid).min()) > 50
    assert float(losses.colourfulness_loss(grey, vivid)) > 0.5
    assert float(losses.colourfulness_loss(vivid, grey)) == 0.0  # more colour is never punished


def test_tv_and_gan_losses() -> None:
    assert float(losses.tv_loss(torch.ones(2, 3, 5, 5))) == 0.0
    step = torch.zeros(1, 1, 2, 2)
    step[..., 1] = 1.0
    assert float(losses.tv_loss(step)) == pytest.approx(2.0)
    logits = torch.ones(3, 1, 2, 2)
    assert float(losses.gan_loss(logits, True, "lsgan")) == 0.0
    assert float(losses.gan_loss(logits, False, "lsgan")) == pytest.approx(1.0)
    assert float(losses.gan_loss(torch.full((1,), 20.0), True, "bce")) < 1e-6
    with pytest.raises(ValueError):
        losses.gan_loss(logits, True, "hinge")


def _old() -> UNetGenerator:
    torch.manual_seed(0)
    return UNetGenerator(UNetConfig(base_width=8, depth=4, dropout=0.0)).eval()


def test_adapting_to_new_inputs_and_a_colour_code_keeps_the_output() -> None:
    old = _old()
    new = UNetGenerator(dataclasses.replace(old.config, in_channels=9, code_dim=CODE_DIM)).eval()
    adapt_generator(old, new)
    x = torch.randn(2, 5, 32, 32)
    with torch.no_grad():
        want = old(x)
        got = new(torch.cat([x, torch.randn(2, 4, 32, 32)], 1), torch.zeros(2, CODE_DIM))
    torch.testing.assert_close(got, want)  # new channels and the code start with no effect


def test_adapting_to_smooth_upsampling_converts_every_transposed_convolution() -> None:
    old = _old()
    new = UNetGenerator(dataclasses.replace(old.config, upsample="smooth")).eval()
    converted = adapt_generator(old, new)
    assert len([k for k in converted if k.startswith("ups.")]) == old.config.depth
    with pytest.raises(ValueError, match="base_width"):
        adapt_generator(old, UNetGenerator(dataclasses.replace(old.config, base_width=16)))


def test_the_smooth_kernel_is_the_transposed_kernel_averaged_over_its_phases() -> None:
    torch.manual_seed(1)
    t = nn.ConvTranspose2d(1, 1, 4, 2, 1, bias=False)
    x = torch.ones(1, 1, 8, 8)
    phases = t(x)[0, 0, 4:8, 4:8]  # away from the border: one value per phase
    mean_phase = phases.reshape(2, 2, 2, 2).mean(dim=(0, 2)).mean()
    w = transpose_to_resize_conv(t.weight.detach(), smooth=True)
    conv = nn.functional.conv2d(x, w, padding=1)[0, 0, 4, 4]
    assert float(conv) == pytest.approx(float(mean_phase), abs=1e-6)


def test_smooth_upsampling_leaves_no_checkerboard() -> None:
    torch.manual_seed(2)
    for mode, flat in (("transpose", False), ("smooth", True)):
        g = UNetGenerator(UNetConfig(base_width=8, depth=3, dropout=0.0, upsample=mode, norm="none")).eval()
        with torch.no_grad():
            y = g.ups[-1][1](torch.ones(1, 16, 8, 8))[0, 0, 4:12, 4:12]  # the last upsampling, constant input
        spread = float(y.max() - y.min())
        assert (spread < 1e-5) == flat, (mode, spread)
