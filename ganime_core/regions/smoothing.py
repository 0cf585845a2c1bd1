"""Smoothing that never mixes two regions: the clean step and the locked mode's shading use it."""

from __future__ import annotations

import cv2
import numpy as np
from scipy.sparse import coo_matrix


def _region_classes(labels: np.ndarray, n: int, reach: int) -> np.ndarray:
    """(n+1,) int: a class per label such that regions closer than ``reach`` px differ.

    Greedy colouring of the graph of regions that touch, or face each other ``reach`` px apart
    along a row or column (biggest first); usually 4-8 classes. A filter run on one class at a
    time never mixes two neighbouring regions.
    """
    keys = []
    for step in sorted({1, max(1, reach - 1)}):
        for a, b in ((labels[:, :-step], labels[:, step:]), (labels[:-step], labels[step:])):
            m = a != b
            lo, hi = np.minimum(a[m], b[m]).astype(np.int64), np.maximum(a[m], b[m]).astype(np.int64)
            keys.append(np.unique(lo * (n + 1) + hi))
    pairs = np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
    lo, hi = pairs // (n + 1), pairs % (n + 1)
    graph = coo_matrix((np.ones(pairs.size, bool), (lo, hi)), shape=(n + 1, n + 1)).tocsr()
    graph = (graph + graph.T).tocsr()
    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    classes = [-1] * (n + 1)
    area = np.bincount(labels.ravel(), minlength=n + 1)
    for lab in np.argsort(-area, kind="stable").tolist():
        taken = {classes[j] for j in indices[indptr[lab]:indptr[lab + 1]]}
        c = 0
        while c in taken:
            c += 1
        classes[lab] = c
    return np.asarray(classes, np.int32)


ClassPlan = list[tuple[tuple[slice, slice], np.ndarray]]


def smooth_in_regions(values: np.ndarray, weights: np.ndarray, labels: np.ndarray, n: int,
                      sigma: float, plan: ClassPlan | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weighted smoothing of ``values`` (HxW or HxWxC; about a Gaussian of ``sigma`` px) that
    never mixes regions.

    Normalised convolution (two box filters) run per class of ``_region_classes``, in the box
    around the class: regions of one class lie farther apart than the filter reaches. ``plan``
    (``smoothing_plan`` of the same labels and ``sigma``) may be given when the same labels are
    smoothed again. Returns ``(smoothed, support)``: ``support`` (HxW) is the smoothed weight, 0
    where no weighted pixel of the pixel's own region is in reach (there ``smoothed`` is 0 too).
    """
    k = box_size(sigma)
    if plan is None:
        plan = smoothing_plan(labels, n, sigma)
    planes = values[..., None] if values.ndim == 2 else values
    num_w = np.empty((*weights.shape, planes.shape[2] + 1), np.float32)
    np.multiply(planes, weights[..., None], out=num_w[..., :-1])
    num_w[..., -1] = weights
    acc = np.zeros_like(num_w)
    for box, in_c in plan:
        buf = np.zeros_like(num_w[box])
        cv2.copyTo(num_w[box], in_c, buf)
        cv2.copyTo(cv2.blur(cv2.blur(buf, (k, k)), (k, k)), in_c, acc[box])
    support = np.ascontiguousarray(acc[..., -1])
    ok = (support > 1e-6)[..., None]
    smoothed = np.divide(acc[..., :-1], support[..., None], out=np.zeros_like(acc[..., :-1]), where=ok)
    return (smoothed[..., 0] if values.ndim == 2 else smoothed), support


def box_size(sigma: float) -> int:
    """The odd box width of which two passes smooth about as a Gaussian of ``sigma`` px."""
    return max(3, int(round(np.sqrt(6.0 * sigma * sigma + 1.0))) | 1)


def smoothing_plan(labels: np.ndarray, n: int, sigma: float) -> ClassPlan:
    """Per class of regions (``_region_classes``): the box the filter must run in (the class's
    pixels and the filter's reach around them) and the class's uint8 mask in that box."""
    k = box_size(sigma)
    classes = _region_classes(labels, n, reach=k)
    cls = np.take(classes.astype(np.uint8 if classes.max() < 255 else np.int32), labels)
    h, w = labels.shape
    reach = 2 * (k // 2)  # two box passes: beyond this a pixel no longer feels another
    plan: ClassPlan = []
    for c in range(int(classes.max()) + 1):
        in_c = np.asarray(cls == c, np.uint8)
        x, y, bw, bh = cv2.boundingRect(in_c)
        if bw == 0:
            continue
        box = (slice(max(0, y - reach), min(h, y + bh + reach)), slice(max(0, x - reach), min(w, x + bw + reach)))
        plan.append((box, np.ascontiguousarray(in_c[box])))
    return plan
