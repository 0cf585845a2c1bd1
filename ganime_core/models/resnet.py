"""A ResNet generator (Johnson et al. / CycleGAN ``resnet_9blocks``): the paper's open question.

Two stride-2 downsamplings, ``n_blocks`` residual blocks, two upsamplings; reflection padding.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .layers import check_norm, init_weights, make_norm


@dataclass(frozen=True)
class ResNetConfig:
    in_channels: int = 5
    out_channels: int = 3
    base_width: int = 64
    n_blocks: int = 9
    n_down: int = 2
    norm: str = "instance"
    dropout: float = 0.0

    def __post_init__(self) -> None:
        check_norm(self.norm)
        if self.n_blocks < 0 or not 1 <= self.n_down <= 4:
            raise ValueError("n_blocks must be >= 0 and n_down in 1..4")

    @property
    def stride(self) -> int:
        return 2**self.n_down


class ResBlock(nn.Module):
    def __init__(self, width: int, norm: str, dropout: float) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(1), nn.Conv2d(width, width, 3), make_norm(norm, width), nn.ReLU(True),
        ]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(width, width, 3), make_norm(norm, width)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResNetGenerator(nn.Module):
    def __init__(self, config: ResNetConfig = ResNetConfig()) -> None:
        super().__init__()
        self.config = config
        c, w = config, config.base_width
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3), nn.Conv2d(c.in_channels, w, 7), make_norm(c.norm, w), nn.ReLU(True),
        ]
        for i in range(c.n_down):
            cin, cout = w * 2**i, w * 2 ** (i + 1)
            layers += [nn.Conv2d(cin, cout, 3, 2, 1), make_norm(c.norm, cout), nn.ReLU(True)]
        width = w * 2**c.n_down
        layers += [ResBlock(width, c.norm, c.dropout) for _ in range(c.n_blocks)]
        for i in reversed(range(c.n_down)):
            cin, cout = w * 2 ** (i + 1), w * 2**i
            layers += [
                nn.ConvTranspose2d(cin, cout, 3, 2, 1, output_padding=1),
                make_norm(c.norm, cout), nn.ReLU(True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(w, c.out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        init_weights(self)

    @property
    def stride(self) -> int:
        return self.config.stride

    def forward(self, x: torch.Tensor, code: torch.Tensor | None = None) -> torch.Tensor:
        """``code`` (a colour code) is accepted for a uniform interface; this generator ignores it."""
        return self.net(x)
