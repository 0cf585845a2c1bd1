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
#: When nothing aligns: twice the keypoints and a looser ratio test (three more memory_dev pairs
#: align so, and none of the pairs drawn in another pose).
DENSE_FEATURES, DENSE_RATIO = 6000, 0.85
#: A transform needs this many inlier matches, and at most ``MODELS`` are kept.
MIN_INLIERS = 12
MODELS = 4
REPROJECTION = 0.025  # RANSAC's inlier distance, as a share of the target's long side
INK = 0.75  # line art below this is ink (the segmentation's line threshold)
LOOSE = 0.08  # matches this near a transform (share of the long side) steer its local refinement
REFINE = 0.012  # a control match stays when a local fit without it lands it within 2x this share of the side
GRID = 8  # px between the points where the refined map is solved


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
    controls: tuple[tuple[np.ndarray, np.ndarray], ...] = ()  # per model: (target, reference) points

    @property
    def found(self) -> bool:
        return bool(self.models)


def keypoints(lines: np.ndarray, features: int = FEATURES) -> Keypoints:
    """SIFT keypoints of float line art (1 = paper), seen as its ink only (below ``INK``), softened
    by a 1 px Gaussian: two line arts of one drawing in different line weights, pencil or ink,
    look alike so (more pairs align than on the raw line art: 36 against 28 of 40 augmented
    validation pairs, the same 27 of the 39 memory_dev pairs)."""
    ink = (np.asarray(lines, np.float32) < INK).astype(np.float32)
    soft = 1.0 - cv2.GaussianBlur(ink, (0, 0), 1.0)
    img = np.clip(soft * 255.0 + 0.5, 0, 255).astype(np.uint8)
    sift = cv2.SIFT.create(nfeatures=features)
    kps, desc = sift.detectAndCompute(img, None)
    if desc is None or not kps:
        return Keypoints(np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32))
    return Keypoints(np.array([k.pt for k in kps], np.float32), desc.astype(np.float32))


def _matches(target: Keypoints, ref: Keypoints, ratio: float = RATIO) -> tuple[np.ndarray, np.ndarray]:
    """(target points, reference points) of the matches that pass the ratio test."""
    if len(target.points) < 2 or len(ref.points) < 2:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(target.descriptors, ref.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < ratio * p[1].distance]
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


@dataclass
class _MatchSet:
    """The matches against one orientation of the reference (``back``: the mirror's way back)."""

    src: np.ndarray
    dst: np.ndarray
    back: np.ndarray | None


def align(target: Keypoints, ref: Keypoints, mirrored: Keypoints, ref_width: int,
          target_side: int, ratio: float = RATIO) -> Alignment:
    """Up to ``MODELS`` transforms target -> reference (``mirrored``: the keypoints of the
    reference flipped left to right, whose transforms are brought back to the reference's frame)."""
    flip = np.array([[-1.0, 0.0, ref_width - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    sets = [_MatchSet(*_matches(target, kp, ratio), back) for kp, back in ((ref, None), (mirrored, flip))]
    total = sum(len(s.src) for s in sets)
    threshold = max(2.0, REPROJECTION * target_side)
    models: list[np.ndarray] = []
    inliers: list[np.ndarray] = []
    controls: list[tuple[np.ndarray, np.ndarray]] = []
    loose = LOOSE * target_side
    while len(models) < MODELS:
        best: tuple[_MatchSet, np.ndarray, np.ndarray] | None = None
        for ms in sets:
            model, inl = _fit(ms.src, ms.dst, threshold)
            if model is not None and int(inl.sum()) >= MIN_INLIERS and (best is None or inl.sum() > best[2].sum()):
                best = (ms, model, inl)
        if best is None:
            break
        ms, model, inl = best
        full = np.vstack([model, [0.0, 0.0, 1.0]])
        models.append((full if ms.back is None else ms.back @ full)[:2])
        near = np.linalg.norm(ms.src @ model[:, :2].T + model[:, 2] - ms.dst, axis=1) < loose
        csrc, cdst = ms.src[near], ms.dst[near]
        if ms.back is not None:
            cdst = np.stack([ref_width - 1.0 - cdst[:, 0], cdst[:, 1]], 1)
        controls.append((csrc.astype(np.float64), cdst.astype(np.float64)))
        explained = ms.src[inl]
        inliers.append(explained.astype(np.float32))
        for other in sets:  # the explained target points are spent, in both orientations
            if len(other.src) == 0:
                continue
            d = np.min(np.linalg.norm(other.src[:, None] - explained[None], axis=2), axis=1)
            other.src, other.dst = other.src[d > 1.0], other.dst[d > 1.0]
    return Alignment(tuple(models), tuple(inliers), total, tuple(controls))


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


def hull_masks(alignment: Alignment, shape: tuple[int, int], grow_share: float = 0.04) -> list[np.ndarray]:
    """Per transform, float32 hxw 1 inside the convex hull of its inlier points widened by
    ``grow_share`` x the long side (where the transform is trusted without a keypoint nearby)."""
    h, w = shape
    grow = max(1, round(grow_share * max(h, w)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    out = []
    for pts in alignment.inliers:
        mask = np.zeros((h, w), np.uint8)
        if len(pts) >= 3:
            cv2.fillConvexPoly(mask, cv2.convexHull(np.rint(pts).astype(np.int32)), 1)
        out.append(cv2.dilate(mask, kernel).astype(np.float32))
    return out


def carried_labels(alignment: Alignment, choice: np.ndarray, ref_labels: np.ndarray) -> np.ndarray:
    """int32 hxw: the reference label each target pixel lands on through the transform
    ``choice`` (hxw int, -1: none) gives it, refined locally (``dense_map``; 0: none, or off the
    reference)."""
    h, w = choice.shape
    rh, rw = ref_labels.shape
    out = np.zeros((h, w), np.int32)
    for m in range(len(alignment.models)):
        sel = choice == m
        if not sel.any():
            continue
        where = dense_map(alignment, m, (h, w))[sel]
        rx = np.rint(where[:, 0]).astype(np.int64)
        ry = np.rint(where[:, 1]).astype(np.int64)
        inside = (rx >= 0) & (rx < rw) & (ry >= 0) & (ry < rh)
        vals = np.zeros(rx.shape, np.int32)
        vals[inside] = ref_labels[ry[inside], rx[inside]]
        out[sel] = vals
    return out

def _mls(points: np.ndarray, src: np.ndarray, dst: np.ndarray, prior: np.ndarray, scale: float,
         skip_self: bool = False, prior_weight: float = 0.05) -> np.ndarray:
    """Moving least squares: at each of ``points`` (g, 2) the affine map fitted to the control
    pairs ``src -> dst`` weighted by 1 / (distance² + (0.03 scale)²), pulled towards the global
    ``prior`` (2x3); returns (g, 2) the mapped points. Coordinates are divided by ``scale``."""
    p = np.c_[src / scale, np.ones(len(src))]  # (k, 3)
    q = dst / scale
    v = points / scale
    d2 = ((v[:, None, :] - p[None, :, :2]) ** 2).sum(2)
    w = 1.0 / (d2 + 0.03 ** 2)
    if skip_self:
        np.fill_diagonal(w, 0.0)
    w /= w.sum(1, keepdims=True) + 1e-12
    a = np.einsum("gk,ki,kj->gij", w, p, p) + prior_weight * np.eye(3)[None]
    m = prior.copy()
    m[:, 2] /= scale
    b = np.einsum("gk,ki,kj->gij", w, p, q) + prior_weight * m.T[None]
    x = np.linalg.solve(a, b)  # (g, 3, 2)
    return np.einsum("gi,gij->gj", np.c_[v, np.ones(len(v))], x) * scale


def refine(src: np.ndarray, dst: np.ndarray, prior: np.ndarray, scale: float, tight: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """The control pairs that a leave-one-out local fit keeps (two rounds, residual < ``tight``)."""
    for _ in range(2):
        if len(src) < MIN_INLIERS:
            break
        res = np.linalg.norm(_mls(src, src, dst, prior, scale, skip_self=True) - dst, axis=1)
        keep = res < tight * 2.0
        if keep.all():
            break
        src, dst = src[keep], dst[keep]
    return src, dst


def dense_map(alignment: Alignment, m: int, shape: tuple[int, int]) -> np.ndarray:
    """(h, w, 2) float32: where each target pixel lands in the reference under transform ``m``,
    refined by moving least squares over its control matches (the global transform alone when
    it has too few)."""
    h, w = shape
    model = alignment.models[m]
    side = float(max(h, w))
    gy, gx = np.mgrid[0:h + GRID:GRID, 0:w + GRID:GRID]
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float64)
    src, dst = alignment.controls[m] if m < len(alignment.controls) else (np.zeros((0, 2)), np.zeros((0, 2)))
    if len(src) >= MIN_INLIERS:
        src, dst = refine(src, dst, model, side, max(2.0, REFINE * side))
    if len(src) >= MIN_INLIERS:
        mapped = _mls(grid, src, dst, model, side)
    else:
        mapped = grid @ model[:, :2].T + model[:, 2]
    coarse = mapped.reshape(gy.shape[0], gy.shape[1], 2)
    # bilinear between the grid points (grid point (i, j) sits at pixel (j * GRID, i * GRID))
    fy, fx = np.arange(h) / GRID, np.arange(w) / GRID
    y0, x0 = np.floor(fy).astype(np.int64), np.floor(fx).astype(np.int64)
    ty, tx = (fy - y0)[:, None, None], (fx - x0)[None, :, None]
    c00, c01 = coarse[y0][:, x0], coarse[y0][:, x0 + 1]
    c10, c11 = coarse[y0 + 1][:, x0], coarse[y0 + 1][:, x0 + 1]
    top = c00 * (1 - tx) + c01 * tx
    bottom = c10 * (1 - tx) + c11 * tx
    return (top * (1 - ty) + bottom * ty).astype(np.float32)
