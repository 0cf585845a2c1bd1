"""training/losses.py on tiny tensors whose values are worked out by hand.

Each loss term the trainer adds up (``l1``, ``tv``, ``hint``, ``segment`` and ``paper`` = masked
L1 over the hint's ground-truth segment and over open paper, ``colourful``, the GAN terms) is
checked against its formula, including which pixels it may pull on (its gradient).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from training import losses


def _two_pixels(a: tuple[float, float, float], b: tuple[float, float, float]) -> torch.Tensor:
    """A 1x3x1x2 image in [-1, 1] with pixels ``a`` and ``b``."""
    return torch.tensor([[a, b]], dtype=torch.float32).permute(2, 0, 1)[None]


def test_l1_is_the_mean_absolute_difference() -> None:
    fake = torch.tensor([[[[0.0, 1.0], [2.0, -1.0]]]])
    real = torch.tensor([[[[1.0, 1.0], [0.0, 1.0]]]])
    assert float(losses.l1_loss(fake, real)) == pytest.approx((1 + 0 + 2 + 2) / 4)


def test_masked_l1_weights_each_batch_item_by_its_own_mask() -> None:
    fake = torch.zeros(2, 3, 2, 2)
    real = torch.zeros(2, 3, 2, 2)
    real[0] = 1.0  # item 0 is off by 1 everywhere, item 1 by 4 everywhere
    real[1] = 4.0
    mask = torch.zeros(2, 1, 2, 2)
    mask[0, 0, 0, 0] = 1.0  # one pixel of item 0
    mask[1, 0, :, :] = 1.0  # all four pixels of item 1
    # mean over the 5 masked pixels x 3 channels: (1*3 + 4*3*4) / 15
    assert float(losses.masked_l1(fake, real, mask)) == pytest.approx((3 + 48) / 15)


@pytest.mark.parametrize("term", ["segment", "paper"])
def test_segment_and_paper_terms_pull_only_inside_their_mask(term: str) -> None:
    """The trainer's ``segment`` term (the rest of each hint's ground-truth segment) and ``paper``
    term (open paper far from lines, white in the target) are masked L1 over their masks."""
    fake = torch.zeros(1, 3, 3, 3, requires_grad=True)
    target = torch.full((1, 3, 3, 3), 1.0 if term == "paper" else 0.5)  # white paper / segment colour
    target[..., 2, 2] = -1.0  # outside the mask: ignored however wrong
    mask = torch.zeros(1, 1, 3, 3)
    mask[..., :2, :] = 1.0
    loss = losses.masked_l1(fake, target, mask)
    loss.backward()
    assert float(loss.detach()) == pytest.approx(1.0 if term == "paper" else 0.5)
    grad = fake.grad[0]
    # d mean|f - t| / df = sign(f - t) / (6 px x 3 channels) inside, nothing outside
    assert torch.allclose(grad[:, :2, :], torch.full((3, 2, 3), -1 / 18))
    assert not grad[:, 2, :].any()


def test_an_empty_mask_gives_zero_and_a_zero_gradient() -> None:
    fake = torch.randn(1, 3, 4, 4, requires_grad=True)
    loss = losses.masked_l1(fake, torch.ones(1, 3, 4, 4), torch.zeros(1, 1, 4, 4))
    loss.backward()
    assert float(loss.detach()) == 0.0 and fake.grad is not None and not fake.grad.any()


def test_tv_sums_both_directions_and_averages_the_batch() -> None:
    img = torch.zeros(2, 1, 3, 3)
    img[0, 0, :, 1] = 1.0  # a vertical line: 2 horizontal steps per row x 3 rows = 6
    img[1, 0, 1, :] = 2.0  # a horizontal line of 2: 2 vertical steps x 2 per column x 3 columns = 12
    assert float(losses.tv_loss(img)) == pytest.approx((6 + 12) / 2)
    assert float(losses.tv_loss(img[:1])) == pytest.approx(6.0)


def test_colourfulness_is_hasler_susstrunk_on_a_worked_example() -> None:
    # pixels (255, 0, 0) and (0, 0, 0): rg = [255, 0], yb = 0.5 (R + G) - B = [127.5, 0]
    img = _two_pixels((1.0, -1.0, -1.0), (-1.0, -1.0, -1.0))
    var = lambda a, b: ((a - b) ** 2) / 2  # noqa: E731 - torch.var's unbiased two-sample variance
    std = math.sqrt(var(255.0, 0.0) + var(127.5, 0.0) + 1e-6)
    mean = math.sqrt(127.5 ** 2 + 63.75 ** 2 + 1e-6)
    assert float(losses.colourfulness(img)[0]) == pytest.approx(std + 0.3 * mean, rel=1e-5)
    grey = _two_pixels((0.2, 0.2, 0.2), (-0.6, -0.6, -0.6))
    # no colour at all: only the two 1e-6 guards under the square roots are left
    assert float(losses.colourfulness(grey)[0]) == pytest.approx(1e-3 + 0.3e-3, rel=1e-3)


def test_colourfulness_loss_is_one_sided_with_the_exact_shortfall() -> None:
    vivid = _two_pixels((1.0, -1.0, -1.0), (-1.0, -1.0, -1.0))
    dull = _two_pixels((0.0, -1.0, -1.0), (-1.0, -1.0, -1.0))  # half the red
    shortfall = float(losses.colourfulness(vivid)[0] - losses.colourfulness(dull)[0])
    assert shortfall > 0
    assert float(losses.colourfulness_loss(dull, vivid)) == pytest.approx(shortfall / 100, rel=1e-5)
    assert float(losses.colourfulness_loss(vivid, dull)) == 0.0  # more colour than the truth: free
    batch_fake, batch_real = torch.cat([dull, vivid]), torch.cat([vivid, vivid])
    assert float(losses.colourfulness_loss(batch_fake, batch_real)) == pytest.approx(
        shortfall / 100 / 2, rel=1e-5)  # the mean over the batch


def test_gan_losses_on_known_logits() -> None:
    logits = torch.tensor([0.0, 2.0])
    assert float(losses.gan_loss(logits, True, "lsgan")) == pytest.approx(((0 - 1) ** 2 + (2 - 1) ** 2) / 2)
    assert float(losses.gan_loss(logits, False, "lsgan")) == pytest.approx((0 + 4) / 2)
    bce_real = (math.log(2) + math.log(1 + math.exp(-2))) / 2  # -log sigmoid(x)
    bce_fake = (math.log(2) + math.log(1 + math.exp(2))) / 2  # -log (1 - sigmoid(x))
    assert float(losses.gan_loss(logits, True, "bce")) == pytest.approx(bce_real)
    assert float(losses.gan_loss(logits, False, "bce")) == pytest.approx(bce_fake)


def test_chroma_loss_is_not_raised_by_a_white_blot_where_hasler_colourfulness_is() -> None:
    from training.losses import chroma_loss, colourfulness, mean_chroma

    skin = torch.zeros(1, 3, 32, 32)
    skin[:, 0], skin[:, 1], skin[:, 2] = 0.8, 0.4, 0.2  # a flat warm colour in [-1, 1]
    blot = skin.clone()
    blot[:, :, 8:24, 8:24] = 1.0  # a white patch in the middle
    assert colourfulness(blot) > colourfulness(skin)  # the spread term rewards the blot...
    assert mean_chroma(blot) < mean_chroma(skin)  # ...mean chroma does not
    assert chroma_loss(blot, skin) > 0 and chroma_loss(skin, skin) == 0
    assert chroma_loss(skin, blot) == 0  # one-sided: more colour than the ground truth is free


def test_paper_term_covers_the_page_not_the_pale_middle_of_a_figure() -> None:
    """The paper term's mask: white ground truth far from lines in a border region that is
    mostly white (the page). A face cut by the crop, whose middle is near-white, is not paper."""
    from ganime_core.regions.segment import segment
    from training.palette_sampling import paper_mask

    lines = np.ones((96, 96), np.float32)
    lines[:, 48] = 0.0  # two border regions: a page on the left, a "face" cut by the frame on the right
    rgb = np.full((96, 96, 3), 255, np.uint8)
    rgb[:, 49:] = (250, 205, 180)  # skin ...
    rgb[40:56, 70:86] = 252  # ... with a near-white middle, far from any line
    mask = paper_mask(rgb, segment(lines))
    assert mask[:, :40].mean() > 0.9  # the page, away from the line
    assert not mask[:, 49:].any()  # the pale middle of the face is not paper
    rgb[:, 49:] = 255  # a white region at the border *is* page
    assert paper_mask(rgb, segment(lines))[40:56, 70:86].all()
