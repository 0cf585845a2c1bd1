"""The data and the scores of character colour memory (``training.memory_eval``).

**Pairs** (``../shared/data/memory_dev``): ``<name>_ref.jpg`` (the character's portrait, flattened
on white) and ``<name>_target.jpg`` (another picture of the character, most with effects around
the figure). The target's line art is drawn from its colours by our own code (XDoG,
``ganime_core.character.lineart``); the target's colours are only the answer.

**The figure** (what is scored; a target's effects and backdrop are not the character's and no
reference predicts them): the reference's figure (its non-white pixels, holes filled) carried onto
the target by a similarity transform that SIFT keypoints of the two *colour* pictures give by
RANSAC (evaluation only: the colours are the answer's), widened by 0.5 % of the target's long side,
where at least ``MIN_FIGURE_INLIERS`` matches agree; else (the character drawn in another pose) the
box of ``memory_figures.json`` (drawn by hand on the target), in both cases without the target's
paper-white pixels and its lines (ink of the extracted line art).

**Scores** on the figure: *palette-hit* — the share of pixels where the output and the target
have the same nearest colour (CIE76) of the reference's 8-colour palette (the one ``--reference``
gives the network, ``inputs.palettes.palette_from_reference``); *figure CIEDE2000* — the mean
CIEDE2000 of output and target.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ganime_core.character.lineart import picture_lines
from ganime_core.color import delta_e2000, rgb_to_lab
from ganime_core.inputs.palettes import palette_from_reference

MIN_FIGURE_INLIERS = 30
FIGURES_FILE = Path(__file__).with_name("memory_figures.json")
INK = 0.75  # line art below this is a line


@dataclass
class Pair:
    name: str
    ref: np.ndarray  # uint8 RGB
    target: np.ndarray  # uint8 RGB (the answer)
    lines: np.ndarray  # float32 the target's extracted line art
    figure: np.ndarray  # bool: the scored pixels
    aligned: bool  # the figure came from the reference's carried silhouette (else a drawn box)
    palette: np.ndarray  # (8, 3) Lab


def read_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise SystemExit(f"{path}: cannot read")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def silhouette(rgb: np.ndarray) -> np.ndarray:
    """bool: a picture's non-white pixels, closed and with their holes filled."""
    ink = (rgb < 245).any(axis=2).astype(np.uint8)
    ink = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    h, w = ink.shape
    flood = np.pad(ink, 1).copy()
    mask = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(flood, mask, (0, 0), 2)
    return flood[1:-1, 1:-1] != 2


def colour_alignment(ref: np.ndarray, target: np.ndarray) -> tuple[np.ndarray | None, int]:
    """(2x3 reference -> target similarity, inliers) from SIFT on the two colour pictures."""
    sift = cv2.SIFT_create(nfeatures=4000)
    ka, da = sift.detectAndCompute(cv2.cvtColor(ref, cv2.COLOR_RGB2GRAY), None)
    kb, db = sift.detectAndCompute(cv2.cvtColor(target, cv2.COLOR_RGB2GRAY), None)
    if da is None or db is None or len(ka) < 4 or len(kb) < 4:
        return None, 0
    good = [p[0] for p in cv2.BFMatcher().knnMatch(da, db, k=2) if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < 4:
        return None, 0
    pa = np.float32([ka[g.queryIdx].pt for g in good])
    pb = np.float32([kb[g.trainIdx].pt for g in good])
    cv2.setRNGSeed(0)
    model, inl = cv2.estimateAffinePartial2D(pa, pb, ransacReprojThreshold=6, maxIters=5000)
    return model, 0 if inl is None else int(inl.sum())


def figure_mask(name: str, ref: np.ndarray, target: np.ndarray, lines: np.ndarray,
                boxes: dict[str, list[float]]) -> tuple[np.ndarray, bool]:
    """(the scored pixels of the target, whether they came from the carried silhouette)."""
    h, w = target.shape[:2]
    model, inliers = colour_alignment(ref, target)
    if model is not None and inliers >= MIN_FIGURE_INLIERS:
        sil = cv2.warpAffine(silhouette(ref).astype(np.uint8), model, (w, h), flags=cv2.INTER_NEAREST)
        grow = max(1, round(0.005 * max(h, w)))
        fig = cv2.dilate(sil, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2)) > 0
        aligned = True
    elif name in boxes:
        x0, y0, x1, y1 = boxes[name]
        fig = np.zeros((h, w), bool)
        fig[round(y0 * h):round(y1 * h), round(x0 * w):round(x1 * w)] = True
        aligned = False
    else:
        raise SystemExit(f"{name}: the pictures do not align and {FIGURES_FILE.name} has no box for it")
    paper = (target >= 240).all(axis=2)
    return fig & ~paper & (lines >= INK), aligned


def load_pairs(folder: str | Path, limit: int = 0, names: list[str] | None = None) -> list[Pair]:
    folder = Path(folder)
    boxes = json.loads(FIGURES_FILE.read_text()) if FIGURES_FILE.is_file() else {}
    boxes.pop("_comment", None)
    out = []
    for ref_path in sorted(folder.glob("*_ref.jpg")):
        name = ref_path.name[:-len("_ref.jpg")]
        if names and name not in names:
            continue
        tpath = ref_path.with_name(f"{name}_target.jpg")
        if not tpath.is_file():
            continue
        ref, target = read_rgb(ref_path), read_rgb(tpath)
        lines = picture_lines(target)
        fig, aligned = figure_mask(name, ref, target, lines, boxes)
        out.append(Pair(name, ref, target, lines, fig, aligned, palette_from_reference(ref)[:, :3]))
        if limit and len(out) >= limit:
            break
    return out


def nearest(lab: np.ndarray, palette: np.ndarray) -> np.ndarray:
    return np.argmin(np.linalg.norm(lab[:, None, :] - palette[None, :, :], axis=2), axis=1)


def scores(output: np.ndarray, pair: Pair) -> dict[str, float]:
    """Palette-hit and mean CIEDE2000 on the pair's figure (``output``: uint8 RGB at the target's size)."""
    sel = pair.figure
    out = rgb_to_lab(output[..., :3][sel]).astype(np.float64)
    ans = rgb_to_lab(pair.target[sel]).astype(np.float64)
    hit = float(np.mean(nearest(out, pair.palette) == nearest(ans, pair.palette))) if len(out) else float("nan")
    de = float(np.mean(delta_e2000(out, ans))) if len(out) else float("nan")
    return {"palette_hit": hit, "ciede2000": de}
