"""Sample grids: one row per image, columns sketch | hints | output | target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganime_core.imageops import chw_to_u8, to_u8
from ganime_core.inputs.encoding import CHANNELS_V1, split
from ganime_core.io.imageio import save_png


def to_uint8(t: torch.Tensor | np.ndarray) -> np.ndarray:
    """3xHxW in [-1, 1] -> HxWx3 uint8."""
    a = t.detach().float().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t, np.float32)
    return chw_to_u8(a)


def hint_view(x: torch.Tensor | np.ndarray, channels: tuple[str, ...] = CHANNELS_V1) -> np.ndarray:
    """The hint strokes of an encoded input over a faint copy of its lines, HxWx3 uint8.

    Dense hints (when the layout has them) show at half strength under the strokes.
    """
    a = x.detach().float().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, np.float32)
    named = split(a, channels)
    lines = (named["line"][0] + 1.0) * 0.5
    rgb = np.repeat((1.0 - 0.25 * (1.0 - lines))[None], 3, axis=0)
    if "dense_mask" in named:
        m = 0.5 * named["dense_mask"]
        rgb = (named["dense_rgb"] + 1.0) * 0.5 * m + rgb * (1 - m)
    m = named["hint_mask"]
    rgb = (named["hint_rgb"] + 1.0) * 0.5 * m + rgb * (1 - m)
    return to_u8(rgb.transpose(1, 2, 0))


def grid_rows(x: torch.Tensor, fake: torch.Tensor, y: torch.Tensor,
              channels: tuple[str, ...] = CHANNELS_V1) -> np.ndarray:
    rows = []
    for i in range(x.shape[0]):
        sketch = to_uint8(x[i, :1].repeat(3, 1, 1))
        rows.append(np.concatenate([sketch, hint_view(x[i], channels), to_uint8(fake[i]), to_uint8(y[i])], axis=1))
    return np.concatenate(rows, axis=0)


def save_grid(path: str | Path, x: torch.Tensor, fake: torch.Tensor, y: torch.Tensor,
              channels: tuple[str, ...] = CHANNELS_V1) -> Path:
    return save_png(path, grid_rows(x, fake, y, channels))
