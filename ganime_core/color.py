"""Colour maths for region colouring: sRGB <-> CIELAB (D65), luma and vectorised CIEDE2000."""

from __future__ import annotations

import cv2
import numpy as np

# Rec. 601 luma weights on gamma-encoded sRGB: luma(k * rgb) == k * luma(rgb), which is what
# lets a multiply layer (flat * shading) reproduce a lightness exactly.
LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """uint8 (or 0..255 float) sRGB ``...x3`` -> float32 CIELAB (L 0..100, a/b about -128..127)."""
    arr = np.asarray(rgb)
    shape = arr.shape
    flat = arr.reshape(-1, 1, 3).astype(np.float32) / 255.0
    return cv2.cvtColor(flat, cv2.COLOR_RGB2Lab).reshape(shape).astype(np.float32)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """float CIELAB ``...x3`` -> uint8 sRGB (out-of-gamut colours are clipped)."""
    arr = np.asarray(lab, np.float32)
    shape = arr.shape
    rgb = cv2.cvtColor(arr.reshape(-1, 1, 3), cv2.COLOR_Lab2RGB).reshape(shape)
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of sRGB values (0..255 in, float32 0..255 out)."""
    return np.asarray(rgb, np.float32) @ LUMA


def delta_e2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference (Sharma, Wu & Dalal 2005) of broadcastable ``...x3`` Lab arrays."""
    lab1 = np.asarray(lab1, np.float64)
    lab2 = np.asarray(lab2, np.float64)
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]

    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2.0
    c7 = c_bar**7
    g = 0.5 * (1.0 - np.sqrt(c7 / (c7 + 25.0**7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360.0

    dLp = L2 - L1
    dCp = c2p - c1p
    chroma0 = (c1p * c2p) == 0
    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, np.where(dh < -180.0, dh + 360.0, dh))
    dh = np.where(chroma0, 0.0, dh)
    dHp = 2.0 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2.0)

    Lp_bar = (L1 + L2) / 2.0
    Cp_bar = (c1p + c2p) / 2.0
    hsum = h1p + h2p
    hp_bar = np.where(np.abs(h1p - h2p) <= 180.0, hsum / 2.0,
                      np.where(hsum < 360.0, (hsum + 360.0) / 2.0, (hsum - 360.0) / 2.0))
    hp_bar = np.where(chroma0, hsum, hp_bar)

    t = (1.0 - 0.17 * np.cos(np.radians(hp_bar - 30.0)) + 0.24 * np.cos(np.radians(2.0 * hp_bar))
         + 0.32 * np.cos(np.radians(3.0 * hp_bar + 6.0)) - 0.20 * np.cos(np.radians(4.0 * hp_bar - 63.0)))
    d_theta = 30.0 * np.exp(-(((hp_bar - 275.0) / 25.0) ** 2))
    cp7 = Cp_bar**7
    r_c = 2.0 * np.sqrt(cp7 / (cp7 + 25.0**7))
    s_l = 1.0 + 0.015 * (Lp_bar - 50.0) ** 2 / np.sqrt(20.0 + (Lp_bar - 50.0) ** 2)
    s_c = 1.0 + 0.045 * Cp_bar
    s_h = 1.0 + 0.015 * Cp_bar * t
    r_t = -np.sin(np.radians(2.0 * d_theta)) * r_c

    tl, tc, th = dLp / s_l, dCp / s_c, dHp / s_h
    return np.sqrt(tl**2 + tc**2 + th**2 + r_t * tc * th)


def sample_rows(values: np.ndarray, limit: int, seed: int = 0) -> np.ndarray:
    """At most ``limit`` rows of ``values``, drawn without replacement by a seeded generator."""
    if values.shape[0] <= limit:
        return values
    return values[np.random.default_rng(seed).choice(values.shape[0], limit, replace=False)]


def kmeans_lab(lab: np.ndarray, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k-means of (n, 3) Lab colours (k-means++, 2 attempts, seeded): (labels (n,), centres (k, 3)).

    The one clustering of colours in GANime: a guide picture's palette
    (``inputs.encoding.palette_from_image``) and the network's main colours
    (``post.palette_transfer``).
    """
    cv2.setRNGSeed(seed)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    _, labels, centres = cv2.kmeans(np.ascontiguousarray(lab, np.float32), k, None, criteria, 2,
                                    cv2.KMEANS_PP_CENTERS)
    return labels.ravel(), centres.astype(np.float32)
