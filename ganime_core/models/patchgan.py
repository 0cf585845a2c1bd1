"""The 70x70 PatchGAN discriminator (pix2pix ``basic`` D with ``n_layers=3``).

It sees the condition and an image concatenated (5 + 3 = 8 channels by default) and
outputs one logit per overlapping 70x70 patch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .layers import check_norm, init_weights, make_norm


@dataclass(frozen=True)
class PatchGANConfig:
    in_channels: int = 8
    base_width: int = 64
    n_layers: int = 3  # 3 gives the 70x70 receptive field
    norm: str = "batch"

    def __post_init__(self) -> None:
        check_norm(self.norm)

    @property
    def receptive_field(self) -> int:
        rf = 1
        for stride in reversed([2] * self.n_layers + [1, 1]):
            rf = (rf - 1) * stride + 4
        return rf


class PatchGANDiscriminator(nn.Module):
    def __init__(self, config: PatchGANConfig = PatchGANConfig()) -> None:
        super().__init__()
        self.config = config
        c, w = config, config.base_width
        bias = c.norm != "batch"
        layers: list[nn.Module] = [nn.Conv2d(c.in_channels, w, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, c.n_layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < c.n_layers else 1
            layers += [
                nn.Conv2d(w * prev, w * mult, 4, stride, 1, bias=bias),
                make_norm(c.norm, w * mult),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(w * mult, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, condition: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([condition, image], dim=1))
