"""The model's input encoding, shared by inference and training.

Channels: line art (1, paper = +1, ink = -1), hint RGB (3, in [-1, 1], zero where no hint),
hint mask (1, 0 or 1). Output: RGB in [-1, 1].
"""

from __future__ import annotations

import numpy as np

IN_CHANNELS = 5


def encode_input(lines: np.ndarray, hint_rgb: np.ndarray | None = None,
                 hint_mask: np.ndarray | None = None) -> np.ndarray:
    """``lines`` float HxW in [0, 1]; ``hint_rgb`` uint8 HxWx3; ``hint_mask`` bool HxW -> 5xHxW float32."""
    h, w = lines.shape
    out = np.zeros((IN_CHANNELS, h, w), np.float32)
    out[0] = lines.astype(np.float32) * 2.0 - 1.0
    if hint_rgb is not None and hint_mask is not None:
        m = hint_mask.astype(np.float32)
        out[1:4] = (hint_rgb.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0) * m
        out[4] = m
    return out


def decode_output(rgb: np.ndarray) -> np.ndarray:
    """3xHxW float in [-1, 1] -> HxWx3 float32 in [0, 1]."""
    return np.clip((rgb.transpose(1, 2, 0).astype(np.float32) + 1.0) * 0.5, 0.0, 1.0)
