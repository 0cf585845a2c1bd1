"""Small image operations that several parts of GANime need, written once.

Pure numpy / OpenCV (no torch, no Qt). Conventions: ``uint8`` images are HxWx3 RGB; float
images are float32 in [0, 1] unless a name says ``signed`` ([-1, 1], the network's range);
network tensors are CxHxW ("CHW"), pictures HxWxC ("HWC").
"""

from __future__ import annotations

import cv2
import numpy as np

WHITE_LAB8 = (255, 128, 128)  # white in OpenCV's 8-bit Lab (L*2.55, a+128, b+128)


# -- value ranges and layouts ------------------------------------------------------------------


def to_u8(img: np.ndarray) -> np.ndarray:
    """float in [0, 1] (any shape) -> uint8, rounded and saturated."""
    return (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def chw_to_hwc(signed: np.ndarray) -> np.ndarray:
    """CxHxW in [-1, 1] (the network's output) -> HxWxC float32 in [0, 1]."""
    return np.clip((np.asarray(signed, np.float32).transpose(1, 2, 0) + 1.0) * 0.5, 0.0, 1.0)


def chw_to_u8(signed: np.ndarray) -> np.ndarray:
    """CxHxW in [-1, 1] -> HxWxC uint8 (a picture to look at or to score)."""
    return to_u8(chw_to_hwc(signed))


def hwc_to_chw(rgb: np.ndarray) -> np.ndarray:
    """HxWxC uint8 -> CxHxW float32 in [-1, 1] (the network's target range)."""
    return np.ascontiguousarray(rgb.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0)


def multiply_u8(rgb: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """uint8 HxWx3 x float HxW -> uint8, rounded and saturated (OpenCV, multithreaded).

    Lines over colour (factor = line art, 1 = paper) and shading over flats both go through this.
    """
    f = np.asarray(factor, np.float32)
    return cv2.multiply(np.ascontiguousarray(rgb), cv2.merge([f, f, f]), dtype=cv2.CV_8U)


# -- colour per region ---------------------------------------------------------------------------


def lab8(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB (HxWx3, or Nx3) -> OpenCV's 8-bit Lab of the same shape."""
    rgb = np.ascontiguousarray(rgb, np.uint8)
    shaped = rgb if rgb.ndim == 3 else rgb.reshape(-1, 1, 3)
    return cv2.cvtColor(shaped, cv2.COLOR_RGB2Lab).reshape(rgb.shape)


def lab8_to_lab(lab: np.ndarray) -> np.ndarray:
    """8-bit Lab (..., 3) -> float32 CIE Lab (L in 0..100, a and b centred on 0)."""
    lab = np.asarray(lab, np.float32)
    return np.stack([lab[..., 0] * (100.0 / 255.0), lab[..., 1] - 128.0, lab[..., 2] - 128.0], -1)


def paint_labels(colours: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """uint8 HxWx3: each pixel in the colour of its label (``colours``: (n+1, 3) uint8). One
    gather of the colours packed as 4-byte words (a 2-D fancy index of an (n+1, 3) table is
    ~10x slower), then the RGB bytes."""
    table = np.zeros((len(colours), 4), np.uint8)
    table[:, :3] = colours
    rgba = np.take(table.view(np.uint32).ravel(), labels).view(np.uint8).reshape(*labels.shape, 4)
    return cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB)


def median_per_label(channels: list[np.ndarray], labels: np.ndarray, n: int) -> np.ndarray:
    """Median of each uint8 channel (1-D arrays) per label 0..n -> (n+1, C) int32, -1 if empty."""
    counts = np.bincount(labels, minlength=n + 1)
    out = np.full((n + 1, len(channels)), -1, np.int32)
    base = labels.astype(np.intp) * 256
    half = (counts + 1) // 2
    for c, values in enumerate(channels):
        if (n + 1) * 256 <= 1 << 21:  # histogram: O(pixels), memory (n+1) x 256
            hist = np.bincount(base + values, minlength=(n + 1) * 256).reshape(n + 1, 256)
            med = np.argmax(np.cumsum(hist, axis=1) >= half[:, None], axis=1)
        else:  # very many regions: sort instead
            key = np.sort(base + values)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            med = key[np.minimum(starts + (counts - 1) // 2, key.size - 1)] & 255
        out[counts > 0, c] = med[counts > 0]
    return out


def lab8_channels(rgb: np.ndarray) -> list[np.ndarray]:
    """uint8 RGB (any shape x3) -> its 8-bit Lab as three flat, contiguous channels."""
    lab = lab8(np.asarray(rgb, np.uint8).reshape(-1, 1, 3)).reshape(-1, 3)
    return [np.ascontiguousarray(lab[:, c]) for c in range(3)]


def median_lab8(rgb: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """(n+1, 3) int32: the median 8-bit Lab of uint8 ``rgb`` per label (-1 where a label has no
    pixel). The one per-region median colour: every step that asks a region's colour uses it."""
    return median_per_label(lab8_channels(rgb), labels.ravel(), n)


def region_median_lab(rgb: np.ndarray, labels: np.ndarray, n: int, inner: np.ndarray | None = None,
                      ) -> np.ndarray:
    """(n+1, 3) float32 CIE Lab: each region's median colour over its ``inner`` pixels (say, off
    the lines); a region with no inner pixel uses all of its pixels, an empty one is white."""
    flat = lab8_channels(rgb)
    lab_of = labels.ravel()
    every = median_per_label(flat, lab_of, n)
    med = every
    if inner is not None:
        sel = np.asarray(inner, bool).ravel()
        med = median_per_label([c[sel] for c in flat], lab_of[sel], n)
        med = np.where(med[:, :1] < 0, every, med)
    med = np.where(med < 0, WHITE_LAB8, med)
    return lab8_to_lab(med)


# -- paper ---------------------------------------------------------------------------------------


def paper_level(grey: np.ndarray, window: int, *, grid: float = 1.0, pool: str = "area",
                smooth: str = "box", bright_from: str = "level", share: float = 0.6,
                floor: float = 0.0) -> np.ndarray:
    """The paper's brightness at every pixel of float grey line art (1 = white paper).

    The lines are removed by a max filter of ``window`` px (wider than strokes, narrower than
    lighting changes; an ellipse when ``smooth`` is ``"gaussian"``, else a square) on a grid
    ``grid`` px apart (paper changes slowly; ``pool``: each grid cell's ``"area"`` mean or its
    ``"max"``), then smoothed (``"box"`` blur of the window, or a ``"gaussian"`` of window/3)
    and brought back to full size. Solid dark fills wider than the window (manga hair, shadows)
    stay dark because the level never falls below ``share`` of the page's bright paper (the 95th
    percentile of the grid's ``"input"`` or of the ``"level"``), nor below ``floor``.
    """
    h, w = grey.shape
    small = grey
    if grid > 1 and pool == "max":
        f = int(grid)
        small = cv2.dilate(grey, np.ones((f, f), np.uint8))[f // 2::f, f // 2::f]
    elif grid > 1:
        small = cv2.resize(grey, (max(1, round(w / grid)), max(1, round(h / grid))),
                           interpolation=cv2.INTER_AREA)
    k = max(3, int(window) | 1)
    gaussian = smooth == "gaussian"
    shape = cv2.MORPH_ELLIPSE if gaussian else cv2.MORPH_RECT
    level = cv2.dilate(small, cv2.getStructuringElement(shape, (k, k)))
    level = cv2.GaussianBlur(level, (0, 0), k / 3) if gaussian else cv2.blur(level, (k, k))
    bright = float(np.percentile(small if bright_from == "input" else level, 95))
    level = np.maximum(level, max(share * bright, floor))
    if level.shape != grey.shape:
        level = cv2.resize(level, (w, h), interpolation=cv2.INTER_LINEAR)
    return level


__all__ = ["chw_to_hwc", "chw_to_u8", "hwc_to_chw", "lab8", "lab8_channels", "lab8_to_lab", "median_lab8", "median_per_label",
           "multiply_u8", "paint_labels", "paper_level", "region_median_lab", "to_u8"]
