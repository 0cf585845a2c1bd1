"""The pix2pix U-Net generator with skip connections (Isola et al. 2017, ``unet_256``).

Input: line art (1) + hint RGB (3) + hint mask (1) = 5 channels in [-1, 1] / {0, 1};
output: RGB in [-1, 1] (tanh). Spatial size must be a multiple of ``stride``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .layers import NORMS, init_weights, make_norm


@dataclass(frozen=True)
class UNetConfig:
    in_channels: int = 5
    out_channels: int = 3
    base_width: int = 64
    depth: int = 8  # number of stride-2 levels; 8 gives the paper's unet_256
    max_width_mult: int = 8
    norm: str = "instance"
    dropout: float = 0.5  # on the three innermost decoder levels, as in pix2pix
    upsample: str = "transpose"  # "transpose" (paper) or "bilinear" (+3x3 conv, no checkerboard)

    def __post_init__(self) -> None:
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {self.norm!r}")
        if self.upsample not in ("transpose", "bilinear"):
            raise ValueError(f"upsample must be 'transpose' or 'bilinear', got {self.upsample!r}")
        if not 2 <= self.depth <= 9:
            raise ValueError(f"depth must be in 2..9, got {self.depth}")
        if self.base_width < 1 or self.in_channels < 1 or self.out_channels < 1:
            raise ValueError("widths and channel counts must be positive")

    @property
    def stride(self) -> int:
        return 2**self.depth

    def width(self, level: int) -> int:
        return self.base_width * min(2**level, self.max_width_mult)


def _up_conv(cin: int, cout: int, mode: str, bias: bool) -> nn.Module:
    if mode == "transpose":
        return nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=bias)
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
        nn.Conv2d(cin, cout, 3, 1, 1, bias=bias),
    )


class UNetGenerator(nn.Module):
    def __init__(self, config: UNetConfig = UNetConfig()) -> None:
        super().__init__()
        self.config = config
        c, d = config, config.depth
        bias = c.norm != "batch"
        downs = []
        for i in range(d):
            cin = c.in_channels if i == 0 else c.width(i - 1)
            layers: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2, inplace=False)]
            layers.append(nn.Conv2d(cin, c.width(i), 4, 2, 1, bias=bias))
            if 0 < i < d - 1:
                layers.append(make_norm(c.norm, c.width(i)))
            downs.append(nn.Sequential(*layers))
        self.downs = nn.ModuleList(downs)
        ups = []
        for i in reversed(range(d)):
            cin = c.width(i) if i == d - 1 else 2 * c.width(i)
            if i == 0:
                ups.append(nn.Sequential(nn.ReLU(), _up_conv(cin, c.out_channels, c.upsample, True), nn.Tanh()))
                continue
            layers = [nn.ReLU(), _up_conv(cin, c.width(i - 1), c.upsample, bias), make_norm(c.norm, c.width(i - 1))]
            if c.dropout > 0 and i >= d - 3 and d > 4:
                layers.append(nn.Dropout(c.dropout))
            ups.append(nn.Sequential(*layers))
        self.ups = nn.ModuleList(ups)
        init_weights(self)

    @property
    def stride(self) -> int:
        return self.config.stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        skips.pop()  # the innermost output is not concatenated with itself
        for up in self.ups[:-1]:
            x = torch.cat([up(x), skips.pop()], dim=1)
        return self.ups[-1](x)
