"""Losses: adversarial (vanilla BCE or LSGAN), L1, total variation, masked L1 (hints, the
ground-truth segments the hints were drawn in, paper that should stay white)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

GAN_MODES = ("bce", "lsgan", "none")


def gan_loss(logits: torch.Tensor, real: bool, mode: str) -> torch.Tensor:
    """The discriminator/generator loss for patch logits that should read ``real``."""
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    if mode == "bce":
        return F.binary_cross_entropy_with_logits(logits, target)
    if mode == "lsgan":
        return F.mse_loss(logits, target)
    raise ValueError(f"gan mode must be one of {GAN_MODES}, got {mode!r}")


def l1_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    return (fake - real).abs().mean()


def tv_loss(img: torch.Tensor) -> torch.Tensor:
    """Anisotropic total variation, summed over the image and averaged over the batch (as the paper)."""
    dh = (img[:, :, 1:, :] - img[:, :, :-1, :]).abs().sum()
    dw = (img[:, :, :, 1:] - img[:, :, :, :-1]).abs().sum()
    return (dh + dw) / img.shape[0]


def masked_l1(fake: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean L1 between ``fake`` and ``target`` over the pixels of ``mask`` (Nx1xHxW; 0 when empty)."""
    denom = mask.sum() * fake.shape[1]
    if float(denom) == 0.0:
        return fake.sum() * 0.0
    return ((fake - target).abs() * mask).sum() / denom


def hint_loss(fake: torch.Tensor, hint_rgb: torch.Tensor, hint_mask: torch.Tensor) -> torch.Tensor:
    """Mean L1 between the output and the hint colour inside the hint masks (0 without hints)."""
    return masked_l1(fake, hint_rgb, hint_mask)


def colourfulness(img: torch.Tensor) -> torch.Tensor:
    """Hasler–Süsstrunk colourfulness per image of an Nx3xHxW batch in [-1, 1] (0..255 scale)."""
    rgb = (img.float() + 1.0) * 127.5
    rg = rgb[:, 0] - rgb[:, 1]
    yb = 0.5 * (rgb[:, 0] + rgb[:, 1]) - rgb[:, 2]
    std = torch.sqrt(rg.flatten(1).var(dim=1) + yb.flatten(1).var(dim=1) + 1e-6)
    mean = torch.sqrt(rg.flatten(1).mean(dim=1) ** 2 + yb.flatten(1).mean(dim=1) ** 2 + 1e-6)
    return std + 0.3 * mean


def colourfulness_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """One-sided: how much duller than the ground truth the output is (per image, /100, mean).

    L1 alone pulls an unsure network to muted average colours; this asks for as much colour as
    the ground truth has without saying where it goes.
    """
    return torch.relu(colourfulness(real) - colourfulness(fake)).mean() / 100.0


def mean_chroma(img: torch.Tensor) -> torch.Tensor:
    """Mean opponent-colour chroma sqrt(rg² + yb²) per image of an Nx3xHxW batch in [-1, 1]."""
    rgb = (img.float() + 1.0) * 127.5
    rg = rgb[:, 0] - rgb[:, 1]
    yb = 0.5 * (rgb[:, 0] + rgb[:, 1]) - rgb[:, 2]
    return torch.sqrt(rg * rg + yb * yb + 1e-6).flatten(1).mean(dim=1)


def chroma_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """One-sided: how much less chroma than the ground truth the output has on average (/100).

    Unlike Hasler–Süsstrunk colourfulness, whose spread term also rewards a white or grey blot
    in a coloured area (it adds variance), an output can only raise its mean chroma by colouring
    more — so this asks for colour without paying for patches of paper in hair and faces.
    """
    return torch.relu(mean_chroma(real) - mean_chroma(fake)).mean() / 100.0
