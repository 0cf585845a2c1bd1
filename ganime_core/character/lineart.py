"""Line art from a coloured picture, at run time: a character's reference picture is coloured,
so its regions come from lines drawn out of its colours.

:func:`picture_lines` is XDoG (eXtended Difference of Gaussians, Winnemöller) with the
parameters ``training.lineart.xdog`` uses to make the training and evaluation line art from
colour pictures, copied here because the core never imports ``training`` (the two must stay
equal: ``tests/core/test_character_lines.py`` compares them).
"""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.io.imageio import LoadedImage, composite_on_white


def picture_lines(picture: LoadedImage | np.ndarray, sigma: float = 0.6, k: float = 1.6, tau: float = 0.98,
                  eps: float = -0.005, phi: float = 200.0) -> np.ndarray:
    """A colour picture (uint8 RGB, grey or a loaded image) -> float32 HxW line art in [0, 1]
    (1 = paper): ``1`` where ``G_sigma - tau * G_k*sigma >= eps``, else a soft tanh ramp to ink."""
    if isinstance(picture, LoadedImage):
        rgb = composite_on_white(picture.rgb, picture.alpha)
    else:
        rgb = np.asarray(picture)
    if rgb.ndim == 2:
        g = rgb.astype(np.float32) / (255.0 if rgb.dtype == np.uint8 else 1.0)
    else:
        g = cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    g1 = cv2.GaussianBlur(g, (0, 0), sigma)
    g2 = cv2.GaussianBlur(g, (0, 0), sigma * k)
    d = g1 - tau * g2
    out = np.where(d >= eps, 1.0, 1.0 + np.tanh(phi * (d - eps)))
    return np.clip(out, 0.0, 1.0).astype(np.float32)
