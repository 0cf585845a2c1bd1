"""The pix2pix U-Net generator with skip connections (Isola et al. 2017, ``unet_256``).

Input: the spatial channels of ``ganime_core.inputs.encoding`` (``in_channels``: line art, hints,
dense hints) in [-1, 1] / {0, 1}; optionally a global colour code (``code_dim``, a palette from
a reference picture or a ``.gpl`` file) that modulates every decoder level by FiLM
(feature-wise scale and shift, zero-initialised so a new code starts as "no effect").
Output: RGB in [-1, 1] (tanh). Spatial size must be a multiple of ``stride``.

Upsampling: ``transpose`` (the paper's 4x4 stride-2 transposed convolution, which leaves a
checkerboard at the stride period), ``nearest`` / ``bilinear`` (resize-convolution: 2x resize
then 3x3 conv, Odena et al. 2016; 2.2x the decoder's cost) or ``smooth`` (3x3 conv at the low
resolution, then bilinear 2x: no checkerboard by construction, and cheaper than a transposed
convolution; the skip connections bring the fine detail back).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .layers import check_norm, init_weights, make_norm
from .unet_infer import unet_inference

UPSAMPLE = ("transpose", "nearest", "bilinear", "smooth")


@dataclass(frozen=True)
class UNetConfig:
    in_channels: int = 5
    out_channels: int = 3
    base_width: int = 64
    depth: int = 8  # number of stride-2 levels; 8 gives the paper's unet_256
    max_width_mult: int = 8
    norm: str = "instance"
    dropout: float = 0.5  # on the three innermost decoder levels, as in pix2pix
    upsample: str = "transpose"
    code_dim: int = 0  # length of the global colour code (0 = none)
    code_hidden: int = 128

    def __post_init__(self) -> None:
        check_norm(self.norm)
        if self.upsample not in UPSAMPLE:
            raise ValueError(f"upsample must be one of {UPSAMPLE}, got {self.upsample!r}")
        if not 2 <= self.depth <= 9:
            raise ValueError(f"depth must be in 2..9, got {self.depth}")
        if self.base_width < 1 or self.in_channels < 1 or self.out_channels < 1:
            raise ValueError("widths and channel counts must be positive")
        if self.code_dim < 0 or self.code_hidden < 1:
            raise ValueError("code_dim must be >= 0 and code_hidden >= 1")

    @property
    def stride(self) -> int:
        return 2**self.depth

    def width(self, level: int) -> int:
        return self.base_width * min(2**level, self.max_width_mult)


def _up_conv(cin: int, cout: int, mode: str, bias: bool) -> nn.Module:
    if mode == "transpose":
        return nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=bias)
    if mode == "smooth":
        return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1, bias=bias),
                             nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False))
    return nn.Sequential(nn.Upsample(scale_factor=2, mode=mode), nn.Conv2d(cin, cout, 3, 1, 1, bias=bias))


class FiLM(nn.Module):
    """Maps the colour code to a scale and shift per channel of each decoder level."""

    def __init__(self, code_dim: int, hidden: int, widths: list[int]) -> None:
        super().__init__()
        self.widths = widths
        self.body = nn.Sequential(nn.Linear(code_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, 2 * sum(widths))

    def reset(self) -> None:
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, code: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        params = self.head(self.body(code))
        out, start = [], 0
        for w in self.widths:
            gamma, beta = params[:, start:start + w], params[:, start + w:start + 2 * w]
            out.append((gamma[:, :, None, None], beta[:, :, None, None]))
            start += 2 * w
        return out


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
        #: eval mode without autograd runs ``unet_inference`` (False: layer by layer, as in training)
        self.fused_inference = True
        self.film: FiLM | None = None
        if c.code_dim:
            self.film = FiLM(c.code_dim, c.code_hidden, [c.width(i - 1) for i in reversed(range(1, d))])
            self.film.reset()

    @property
    def stride(self) -> int:
        return self.config.stride

    @property
    def in_channels(self) -> int:
        return self.config.in_channels

    def film_params(self, x: torch.Tensor, code: torch.Tensor | None) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
        """The FiLM (gamma, beta) of each decoder level for ``code`` (zeros: "no guide"), or None
        for a model without a colour input. ``x``: any activation (gives batch, dtype, device)."""
        if self.film is None:
            return None
        if code is None:
            code = x.new_zeros((x.shape[0], self.config.code_dim))
        return self.film(code.to(x.dtype))

    def forward(self, x: torch.Tensor, code: torch.Tensor | None = None) -> torch.Tensor:
        if self.fused_inference and not self.training and not torch.is_grad_enabled():
            return unet_inference(self, x, code)  # the same numbers, fewer passes over memory
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        skips.pop()  # the innermost output is not concatenated with itself
        film = self.film_params(x, code)
        for i, up in enumerate(self.ups[:-1]):
            h = up(x)
            if film is not None:
                gamma, beta = film[i]
                h = h * (1.0 + gamma) + beta
            x = torch.cat([h, skips.pop()], dim=1)
        return self.ups[-1](x)
