"""Where the reference's figure lies in the target: line-art keypoints matched between the two
pictures, and a few similarity transforms found by RANSAC, one after the other on the matches
the earlier ones leave (a redrawn pose moves an arm, not the whole figure).

SIFT keypoints (OpenCV) on the two working-size line arts, matched by Lowe's ratio test, against
the reference and its mirror image (a figure drawn facing the other way). Each transform maps
target pixels to reference pixels (a 2x3 matrix; a mirrored one has a negative determinant).
A target region is carried by the transform whose inlier keypoints lie densest over it
(:func:`support_maps`); where none lies near, matching falls back on the descriptors alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Keypoints per picture (the strongest).
FEATURES = 3000
RATIO = 0.8  # Lowe's ratio test
#: A transform needs this many inlier matches, and at most ``MODELS`` are kept.
MIN_INLIERS = 12
MODELS = 4
REPROJECTION = 0.012  # RANSAC's inlier distance, as a share of the target's long side


@dataclass(frozen=True)
class Keypoints:
    points: np.ndarray  # (k, 2) float32 x, y
    descriptors: np.ndarray  # (k, 128) float32


@dataclass(frozen=True)
class Alignment:
    """The transforms from the target to the reference, each with its inlier target points."""

    models: tuple[np.ndarray, ...]  # (2, 3) float64 target px -> reference px
    inliers: tuple[np.ndarray, ...]  # (k, 2) float32 target points
    matches: int  # matches that passed the ratio test

    @property
    def found(self) -> bool:
        return bool(self.models)


def keypoints(lines: np.ndarray) -> Keypoints:
    """SIFT keypoints of float line art (1 = paper)."""
    img = np.clip(np.asarray(lines, np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    sift = cv2.SIFT_create(nfeatures=FEATURES)
    kps, desc = sift.detectAndCompute(img, None)
    if desc is None or not kps:
        return Keypoints(np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32))
    return Keypoints(np.array([k.pt for k in kps], np.float32), desc.astype(np.float32))


def _matches(target: Keypoints, ref: Keypoints) -> tuple[np.ndarray, np.ndarray]:
    """(target points, reference points) of the matches that pass the ratio test."""
    if len(target.points) < 2 or len(ref.points) < 2:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(target.descriptors, ref.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if not good:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    return (target.points[[g.queryIdx for g in good]], ref.points[[g.trainIdx for g in good]])


def _fit(src: np.ndarray, dst: np.ndarray, threshold: float) -> tuple[np.ndarray | None, np.ndarray]:
    if len(src) < MIN_INLIERS:
        return None, np.zeros(len(src), bool)
    cv2.setRNGSeed(0)
    model, inl = cv2.estimateAffinePartial2D(src, dst, ransacReprojThreshold=threshold, maxIters=4000,
                                             confidence=0.995)
    if model is None or inl is None:
        return None, np.zeros(len(src), bool)
    scale = float(np.hypot(model[0, 0], model[0, 1]))
    if not 0.15 < scale < 6.0:
        return None, np.zeros(len(src), bool)
    return model, inl.ravel().astype(bool)


def align(target: Keypoints, ref: Keypoints, mirrored: Keypoints, ref_width: int,
          target_side: int) -> Alignment:
    """Up to ``MODELS`` transforms target -> reference (``mirrored``: the keypoints of the
    reference flipped left to right, whose transforms are brought back to the reference's frame)."""
    flip = np.array([[-1.0, 0.0, ref_width - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    sets = []
    for kp, back in ((ref, None), (mirrored, flip)):
        src, dst = _matches(target, kp)
        sets.append([src, dst, back])
    total = sum(len(s[0]) for s in sets)
    threshold = max(2.0, REPROJECTION * target_side)
    models: list[np.ndarray] = []
    inliers: list[np.ndarray] = []
    while len(models) < MODELS:
        best = None
        for i, (src, dst, _) in enumerate(sets):
            model, inl = _fit(src, dst, threshold)
            if model is not None and int(inl.sum()) >= MIN_INLIERS and (best is None or inl.sum() > best[2].sum()):
                best = (i, model, inl)
        if best is None:
            break
        i, model, inl = best
        src, dst, back = sets[i]
        full = np.vstack([model, [0.0, 0.0, 1.0]])
        models.append((full if back is None else back @ full)[:2])
        explained = src[inl]
        inliers.append(explained.astype(np.float32))
        for s in sets:  # the explained target points are spent, in both orientations
            if len(s[0]) == 0:
                continue
            d = np.min(np.linalg.norm(s[0][:, None] - explained[None], axis=2), axis=1)
            keep = d > 1.0
            s[0], s[1] = s[0][keep], s[1][keep]
    return Alignment(tuple(models), tuple(inliers), total)


def support_maps(alignment: Alignment, shape: tuple[int, int], sigma_share: float = 0.06) -> np.ndarray:
    """(m, h, w) float32: how densely each transform's inlier points lie around each target
    pixel (a Gaussian of ``sigma_share`` x the long side over the points; 1 = one point's peak)."""
    h, w = shape
    sigma = max(2.0, sigma_share * max(h, w))
    out = np.zeros((len(alignment.models), h, w), np.float32)
    for m, pts in enumerate(alignment.inliers):
        dots = np.zeros((h, w), np.float32)
        xy = np.rint(pts).astype(np.int64)
        ok = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
        np.add.at(dots, (xy[ok, 1], xy[ok, 0]), 1.0)
        out[m] = cv2.GaussianBlur(dots, (0, 0), sigma) * (2.0 * np.pi * sigma * sigma)
    return out


def carried_labels(alignment: Alignment, choice: np.ndarray, ref_labels: np.ndarray) -> np.ndarray:
    """int32 hxw: the reference label each target pixel lands on through the transform
    ``choice`` (hxw int, -1: none) gives it (0: none, or off the reference)."""
    h, w = choice.shape
    rh, rw = ref_labels.shape
    out = np.zeros((h, w), np.int32)
    ys, xs = np.mgrid[0:h, 0:w]
    for m, model in enumerate(alignment.models):
        sel = choice == m
        if not sel.any():
            continue
        x, y = xs[sel].astype(np.float64), ys[sel].astype(np.float64)
        rx = np.rint(model[0, 0] * x + model[0, 1] * y + model[0, 2]).astype(np.int64)
        ry = np.rint(model[1, 0] * x + model[1, 1] * y + model[1, 2]).astype(np.int64)
        inside = (rx >= 0) & (rx < rw) & (ry >= 0) & (ry < rh)
        vals = np.zeros(rx.shape, np.int32)
        vals[inside] = ref_labels[ry[inside], rx[inside]]
        out[sel] = vals
    return out
