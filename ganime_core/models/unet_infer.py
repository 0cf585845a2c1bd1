"""The U-Net's inference forward: the same numbers as ``UNetGenerator.forward`` (to float
rounding) in fewer passes over memory, which matters on the CPU, where much of the forward is
element-wise passes (measured in ``docs/colour.md`` §2.2).

Three identities make passes disappear:

- ``relu(leaky_relu(s)) == relu(s)``: each encoder output (a skip) gets its leaky ReLU *in place*
  for the next level; the decoder's ReLU of the skip gives the same result from it.
- The decoder's ``relu(cat(h, skip))`` is written in one pass into one buffer (``clamp_min`` with
  ``out=`` into each half), instead of a concatenation and then a ReLU of the copy.
- The FiLM scale and shift after an affine instance norm are folded into the norm's own affine
  parameters (one ``group_norm`` with one group per channel, no separate multiply and add).

Used by ``UNetGenerator.forward`` whenever no gradient is wanted and the model is in eval mode
(inference, validation grids); training takes the plain path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from ganime_core.runtime.calibration import (
    InstanceNormAsGroupNorm,  # the inference twin of InstanceNorm2d
)

if TYPE_CHECKING:
    from .unet import UNetGenerator


def _instance_affine(norm: nn.Module) -> tuple[torch.Tensor | None, torch.Tensor | None, float] | None:
    """(weight, bias, eps) of a running-stats-free instance norm (either class), else None."""
    if isinstance(norm, InstanceNormAsGroupNorm):
        return norm.weight, norm.bias, norm.eps
    if isinstance(norm, nn.InstanceNorm2d) and not norm.track_running_stats:
        return norm.weight, norm.bias, float(norm.eps)
    return None


def _norm_film(h: torch.Tensor, norm: nn.Module, film: tuple[torch.Tensor, torch.Tensor] | None) -> torch.Tensor:
    """``norm(h)`` then the FiLM ``* (1 + gamma) + beta``, fused into one pass where possible."""
    inst = _instance_affine(norm)
    if inst is None or h.shape[0] != 1:
        h = norm(h)
        if film is not None:
            gamma, beta = film
            h = h * (1.0 + gamma) + beta
        return h
    weight, bias, eps = inst
    c = h.shape[1]
    if film is not None:
        scale = 1.0 + film[0].reshape(c)
        shift = film[1].reshape(c)
        weight = scale if weight is None else weight * scale
        bias = shift if bias is None else bias * scale + shift
    return F.group_norm(h, c, weight, bias, eps)


def _relu_cat(h: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
    """``relu(cat([h, skip], 1))`` in one pass over one buffer (the memory format of ``h``)."""
    ch = h.shape[1]
    fmt = torch.channels_last if h.dim() == 4 and not h.is_contiguous() and h.is_contiguous(
        memory_format=torch.channels_last) else torch.contiguous_format
    out = torch.empty((h.shape[0], ch + skip.shape[1], *h.shape[2:]), dtype=torch.result_type(h, skip),
                      device=h.device, memory_format=fmt)
    torch.clamp_min(h, 0.0, out=out[:, :ch])
    torch.clamp_min(skip, 0.0, out=out[:, ch:])
    return out


def unet_inference(model: UNetGenerator, x: torch.Tensor, code: torch.Tensor | None,
                   taps: dict[int, torch.Tensor] | None = None) -> torch.Tensor:
    """``model(x, code)`` for a ``UNetGenerator`` in eval mode, without autograd.

    ``taps``: filled with the decoder's activations (after their ReLU) by level, 0 the innermost
    (what the part model's head reads, ``ganime_core.parts.embed``); the output is the same.
    """
    downs: list[nn.Sequential] = list(model.downs)  # type: ignore[arg-type]
    ups: list[nn.Sequential] = list(model.ups)  # type: ignore[arg-type]
    skips = [x := downs[0](x)]
    for down in downs[1:]:  # LeakyReLU in place: the stored skip becomes leaky (see above)
        act: nn.LeakyReLU = down[0]  # type: ignore[assignment]
        x = F.leaky_relu(x, act.negative_slope, inplace=True)
        skips.append(x := down[1:](x))
    skips.pop()  # the innermost output is not concatenated with itself
    film = model.film_params(x, code)
    x = torch.relu(x)
    for i, up in enumerate(ups[:-1]):
        layers = list(up)  # ReLU, up-convolution, norm (, dropout: identity in eval mode)
        h = _norm_film(layers[1](x), layers[2], None if film is None else film[i])
        x = _relu_cat(h, skips.pop())
        if taps is not None:
            taps[i] = x[:, :h.shape[1]]
    layers = list(ups[-1])  # ReLU (already applied in the buffer), up-convolution, tanh
    return layers[2](layers[1](x))
