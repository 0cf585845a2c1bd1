"""Augmented-self pairs for character colour memory: a colour picture is its own reference, and
a changed copy of it the target whose regions must find their parts.

:func:`augment` makes the copy: mirrored (a third of the time), rotated (±12°) and rescaled onto a
canvas of another shape, bent by a thin-plate spline through a 3x3 grid of jittered control
points, cropped to a window (40 %), with drawn "effects" around the figure (half the time:
outlined blobs in saturated colours); the target's line art is made by ``training.lineart
.random_lines`` (another line weight, pencil, gaps, blur). The copy's colours and its figure (the
picture's non-white pixels carried by the same warp, without the paper they enclose and the
effects) are the answer.

:func:`pair_rows` gives the matcher's candidate table of a pair (``ganime_core.character.match``)
with its labels — a candidate is right when the part's colour is within ``LABEL_DELTA_E`` (CIE76)
of the target region's own colour — and the figure regions' accuracy.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

import cv2
import numpy as np
from tqdm import tqdm

from ganime_core.character.apply import align_sides, create_character, reference_of, working_side
from ganime_core.character.describe import own_colours
from ganime_core.character.match import Matcher, match_regions, pair_table
from ganime_core.options import ColorizeOptions

from .lineart import random_lines
from .memory_data import silhouette

log = logging.getLogger(__name__)
LABEL_DELTA_E = 10.0
FIGURES = ("fullbody", "fullbody2", "illustrations")
EFFECT_COLOURS = np.array([(250, 200, 40), (60, 170, 250), (250, 90, 40), (150, 90, 230), (90, 220, 200),
                           (240, 120, 200)], np.uint8)


@dataclass
class Augmented:
    target: np.ndarray  # uint8 RGB
    lines: np.ndarray  # float32 line art of the target
    figure: np.ndarray  # bool: the picture's figure in the target (effects left out)


def _tps_map(shape: tuple[int, int], rng: np.random.Generator, amount: float) -> tuple[np.ndarray, np.ndarray]:
    """(map_x, map_y) float32 for ``cv2.remap``: a thin-plate spline through a 3x3 grid of
    control points, each moved by ``amount`` x the long side at most."""
    h, w = shape
    g = np.linspace(0.1, 0.9, 3)
    src = np.array([(x * w, y * h) for y in g for x in g], np.float64)
    dst = src + rng.uniform(-amount, amount, src.shape) * max(h, w)

    def u(r2: np.ndarray) -> np.ndarray:
        return np.where(r2 > 0, r2 * np.log(np.maximum(r2, 1e-12)) / 2.0, 0.0)

    k = len(src)
    # solve for the map from output pixels (dst) back to input pixels (src)
    a = np.zeros((k + 3, k + 3))
    a[:k, :k] = u(((dst[:, None] - dst[None]) ** 2).sum(2))
    a[:k, k:] = np.c_[np.ones(k), dst]
    a[k:, :k] = a[:k, k:].T
    coef = np.linalg.solve(a + 1e-6 * np.eye(k + 3), np.r_[src, np.zeros((3, 2))])
    step = 8
    ys, xs = np.mgrid[0:h + step:step, 0:w + step:step].astype(np.float64)
    pts = np.stack([xs.ravel(), ys.ravel()], 1)
    m = u(((pts[:, None] - dst[None]) ** 2).sum(2)) @ coef[:k] + np.c_[np.ones(len(pts)), pts] @ coef[k:]
    coarse = m.reshape(xs.shape + (2,)).astype(np.float32)
    full = cv2.resize(coarse, (xs.shape[1] * step, xs.shape[0] * step), interpolation=cv2.INTER_LINEAR)
    off = step // 2
    full = full[off:off + h, off:off + w]
    return np.ascontiguousarray(full[..., 0]), np.ascontiguousarray(full[..., 1])


def _effects(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """bool: where outlined blobs in saturated colours were drawn onto ``rgb`` (in place)."""
    h, w = rgb.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    for _ in range(int(rng.integers(2, 7))):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.04, 0.12) * max(h, w)
        angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(5, 9))))
        radii = r * rng.uniform(0.5, 1.2, len(angles))
        poly = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], 1).astype(np.int32)
        colour = tuple(int(c) for c in EFFECT_COLOURS[rng.integers(len(EFFECT_COLOURS))])
        cv2.fillPoly(rgb, [poly], colour)
        cv2.polylines(rgb, [poly], True, (40, 40, 40), 2)
        cv2.fillPoly(mask, [poly], 1)
        cv2.polylines(mask, [poly], True, 1, 2)
    return mask > 0


def augment(rgb: np.ndarray, rng: np.random.Generator, side: int = 640) -> Augmented:
    """A changed copy of ``rgb`` (see the module's text)."""
    fig = silhouette(rgb).astype(np.uint8) * 255
    img = rgb
    if rng.random() < 1 / 3:
        img, fig = np.ascontiguousarray(img[:, ::-1]), np.ascontiguousarray(fig[:, ::-1])
    aspect = rng.uniform(0.7, 1.4)
    cw, ch = (side, round(side / aspect)) if aspect >= 1 else (round(side * aspect), side)
    h, w = img.shape[:2]
    scale = rng.uniform(0.45, 1.0) * min(cw / w, ch / h)
    angle = rng.uniform(-12, 12)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[:, 2] += (cw / 2 - w / 2 + rng.uniform(-0.25, 0.25) * cw * (1 - scale * w / cw),
                ch / 2 - h / 2 + rng.uniform(-0.25, 0.25) * ch * (1 - scale * h / ch))
    img = cv2.warpAffine(img, m, (cw, ch), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                         borderValue=(255, 255, 255))
    fig = cv2.warpAffine(fig, m, (cw, ch), flags=cv2.INTER_NEAREST, borderValue=0)
    mx, my = _tps_map((ch, cw), rng, rng.uniform(0.01, 0.04))
    img = cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    fig = cv2.remap(fig, mx, my, cv2.INTER_NEAREST, borderValue=0)
    if rng.random() < 0.4:  # a window of the canvas
        fw, fh = rng.uniform(0.65, 1.0), rng.uniform(0.65, 1.0)
        x0, y0 = round(rng.uniform(0, 1 - fw) * cw), round(rng.uniform(0, 1 - fh) * ch)
        x1, y1 = x0 + max(32, round(fw * cw)), y0 + max(32, round(fh * ch))
        img, fig = np.ascontiguousarray(img[y0:y1, x0:x1]), np.ascontiguousarray(fig[y0:y1, x0:x1])
    figure = (fig > 0) & ~(img >= 240).all(axis=2)  # the figure's own pixels, not the paper it encloses
    if rng.random() < 0.5:
        img = img.copy()
        figure &= ~_effects(img, rng)
    return Augmented(img, random_lines(img, rng), figure)


def pair_rows(colorizer, rgb: np.ndarray, rng: np.random.Generator, matcher: Matcher | None = None
              ) -> dict[str, np.ndarray]:
    """The candidate table of one augmented pair with labels, and (with ``matcher``) each figure
    region's outcome: ``x`` (m, f), ``y`` (m,), ``rows`` (m, 2), ``area`` (n+1,), ``figure`` (n+1,)
    bool, ``matchable`` (n+1,) bool (a part within ``LABEL_DELTA_E``), ``correct`` / ``confidence``."""
    character = create_character(colorizer, rgb)
    aug = augment(rgb, rng)
    opts = ColorizeOptions(mode="locked")
    ref = reference_of(colorizer, character, opts)
    target, regions, page = working_side(colorizer, aug.lines, opts)
    small = cv2.resize(aug.target, (page.w, page.h), interpolation=cv2.INTER_AREA)
    truth = own_colours(target.labels, small, regions.ink_distance).astype(np.float64)
    fig = cv2.resize(aug.figure.astype(np.uint8), (page.w, page.h), interpolation=cv2.INTER_NEAREST)
    area = target.areas.astype(np.float64)
    share = np.bincount(target.labels.ravel(), weights=fig.ravel(), minlength=target.n + 1) / np.maximum(area, 1)
    figure = share > 0.5
    figure[0] = False
    alignment = align_sides(target, ref)
    rows, x = pair_table(target, ref, alignment)
    dist = np.linalg.norm(truth[:, None, :] - ref.part_lab[None, 1:, :].astype(np.float64), axis=2)
    right = np.c_[np.zeros(target.n + 1, bool), dist < LABEL_DELTA_E]  # (n+1, P+1)
    y = right[rows[:, 0], rows[:, 1]].astype(np.float32) if len(rows) else np.zeros(0, np.float32)
    out = {"x": x, "y": y, "rows": rows, "area": area, "figure": figure, "matchable": right.any(axis=1) & figure,
           "found": np.array(alignment.found)}
    if matcher is not None:
        m = match_regions(target, ref, alignment, matcher)
        out["correct"] = right[np.arange(target.n + 1), m.part] & (m.part > 0)
        out["confidence"] = m.confidence
    return out


def validation_items(data: str, count: int, split_name: str = "val", seed: int = 0) -> list:
    """``count`` figure pictures of the validation (or training) split, by a fixed seed."""
    from .layouts import discover, split

    _, items = discover(data)
    train, val = split(items, 0.2, 0)
    pool = [it for it in (val if split_name == "val" else train) if it.group in FIGURES]
    order = np.random.default_rng(seed).permutation(len(pool))
    return [pool[i] for i in sorted(order[:count])]


def augmented_accuracy(colorizer, data: str, count: int, threshold: float | None = None, seed: int = 1) -> dict:
    """Per-region match accuracy on ``count`` validation pictures against augmented copies."""
    from ganime_core.character.apply import THRESHOLD
    from ganime_core.character.match import load_matcher

    from .datasets import read_item

    thr = THRESHOLD if threshold is None else threshold
    matcher = load_matcher()
    tot = {"regions": 0.0, "right": 0.0, "hinted": 0.0, "hinted_right": 0.0, "area": 0.0, "area_right": 0.0,
           "area_hinted": 0.0, "area_hinted_right": 0.0, "aligned": 0.0}
    items = validation_items(data, count)
    for i, item in enumerate(tqdm(items, desc="augmented", unit="pic", file=sys.stderr, disable=None)):
        rgb, _ = read_item(item)
        r = pair_rows(colorizer, rgb, np.random.default_rng([seed, i]), matcher)
        sel = r["matchable"]
        hinted = sel & (r["confidence"] >= thr)
        a = r["area"]
        tot["regions"] += sel.sum()
        tot["right"] += (r["correct"] & sel).sum()
        tot["hinted"] += hinted.sum()
        tot["hinted_right"] += (r["correct"] & hinted).sum()
        tot["area"] += a[sel].sum()
        tot["area_right"] += a[r["correct"] & sel].sum()
        tot["area_hinted"] += a[hinted].sum()
        tot["area_hinted_right"] += a[r["correct"] & hinted].sum()
        tot["aligned"] += float(r["found"])
    n = max(len(items), 1)
    return {"pictures": len(items), "accuracy (regions, best part)": tot["right"] / max(tot["regions"], 1),
            "accuracy (area, best part)": tot["area_right"] / max(tot["area"], 1),
            f"hinted share (regions, conf ≥ {thr})": tot["hinted"] / max(tot["regions"], 1),
            "precision of the hinted (regions)": tot["hinted_right"] / max(tot["hinted"], 1),
            "precision of the hinted (area)": tot["area_hinted_right"] / max(tot["area_hinted"], 1),
            "aligned pairs": tot["aligned"] / n}
