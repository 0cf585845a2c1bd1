"""Line art extracted from colour images, so colour-only data can train the model.

``xdog`` (eXtended Difference of Gaussians) with a small sigma resembles the sketchKeras
lines of the Kaggle pairs (F-score 0.91 on the real pairs, see ``docs/training.md``);
``highpass`` gives the softer grey look. ``random_lines`` randomises method, line weight,
contrast, gaps and blur so the model also copes with hand-drawn ink and pencil.
All functions return float32 HxW in [0, 1] (1 = paper, 0 = ink), the form that
``ganime_core.inputs.encoding.encode_input`` takes.
"""

from __future__ import annotations

import cv2
import numpy as np


def grey(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB (or grey) -> float32 luminance in [0, 1]."""
    if rgb.ndim == 2:
        return rgb.astype(np.float32) / (255.0 if rgb.dtype == np.uint8 else 1.0)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0


def xdog(rgb: np.ndarray, sigma: float = 0.6, k: float = 1.6, tau: float = 0.98,
         eps: float = -0.005, phi: float = 200.0) -> np.ndarray:
    """Winnemöller's XDoG: ``1`` where ``G_s - tau * G_ks >= eps``, else a soft tanh ramp to ink."""
    g = grey(rgb)
    g1 = cv2.GaussianBlur(g, (0, 0), sigma)
    g2 = cv2.GaussianBlur(g, (0, 0), sigma * k)
    d = g1 - tau * g2
    out = np.where(d >= eps, 1.0, 1.0 + np.tanh(phi * (d - eps)))
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def highpass(rgb: np.ndarray, gain: float = 4.0) -> np.ndarray:
    """A dilation high-pass (3x3 max filter minus grey, times ``gain``): soft grey lines."""
    g = grey(rgb)
    d = cv2.dilate(g, np.ones((3, 3), np.uint8)) - g
    return np.clip(1.0 - gain * d, 0.0, 1.0).astype(np.float32)


def random_lines(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sketch-like lines with randomised method, weight, contrast, gaps and blur."""
    if rng.random() < 0.75:
        lines = xdog(rgb, sigma=float(rng.uniform(0.5, 1.0)), tau=float(rng.uniform(0.97, 0.99)),
                     phi=float(rng.uniform(100.0, 300.0)))
    else:
        lines = highpass(rgb, gain=float(rng.uniform(3.0, 6.0)))
    return jitter_lines(lines, rng)


def jitter_lines(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random line weight, contrast (pencil vs ink), gaps and softness; also used on real sketches."""
    out = lines
    r = rng.random()
    if r < 0.15:  # heavier ink
        out = cv2.erode(out, np.ones((2, 2), np.uint8))
    elif r < 0.25:  # crisp binary ink
        out = np.where(out < float(rng.uniform(0.5, 0.8)), 0.0, 1.0).astype(np.float32)
    if rng.random() < 0.25:  # lighter, pencil-like strokes
        out = 1.0 - (1.0 - out) * float(rng.uniform(0.55, 0.95))
    if rng.random() < 0.3:  # contrast / gamma
        out = np.power(out, float(rng.uniform(0.6, 1.6)))
    if rng.random() < 0.25:  # gaps: small blobs of paper
        out = _gaps(out, rng)
    if rng.random() < 0.15:
        out = cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.3, 0.7)))
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _gaps(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = lines.shape
    mask = np.zeros((h, w), np.uint8)
    n = int(rng.integers(5, 40))
    xs, ys = rng.integers(0, w, n), rng.integers(0, h, n)
    rs = rng.integers(1, 3, n)
    for x, y, r in zip(xs, ys, rs, strict=True):
        cv2.circle(mask, (int(x), int(y)), int(r), 1, -1)
    return np.where(mask > 0, 1.0, lines).astype(np.float32)


def line_f_score(pred: np.ndarray, real: np.ndarray, threshold: float = 0.6, tolerance: int = 1) -> float:
    """F-score of line pixels (value < ``threshold``), matched within ``tolerance`` px."""
    p, r = pred < threshold, real < threshold
    kernel = np.ones((2 * tolerance + 1, 2 * tolerance + 1), np.uint8)
    r_near = cv2.dilate(r.astype(np.uint8), kernel) > 0
    p_near = cv2.dilate(p.astype(np.uint8), kernel) > 0
    precision = float((p & r_near).sum()) / max(int(p.sum()), 1)
    recall = float((r & p_near).sum()) / max(int(r.sum()), 1)
    return 2 * precision * recall / max(precision + recall, 1e-9)
