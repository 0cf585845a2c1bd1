"""Which part of the reference each target region is, and how sure: :func:`match_regions`.

For every target region and reference part the matcher reads a few numbers (``PAIR_FEATURES``):

- ``share``: the share of the region's pixels (off the lines) that the alignment carries onto
  the part (``align``), and ``support``: how densely the carrying transform's inlier keypoints lie
  over the region (0 where no transform reaches it);
- ``net_dE``: how far the network's unhinted colour of the region is from that of the part's
  nearest region (the network colours one character's line art alike in two pictures);
- ``emb_sim``: the best cosine of the region's part embedding with the part's regions' (0 without
  embeddings);
- ``log_area``: the region's size against the part's largest region, both as shares of their
  figure (log ratio); ``best_share``: the share of the region's best-carried part; ``paper``:
  the share carried onto the paper around the reference's figure;
- ``nb_share``: the share its neighbours (weighted by the length of the line between) carry onto
  the part; ``net_rank``: the part's rank among the region's candidates by ``net_dE`` (0 nearest).

A :class:`Matcher` (logistic weights trained by ``training.memory_matcher`` on augmented copies of
training pictures, stored in the character module's ``matcher.json``; a hand rule when absent)
turns them into P(region is of the part). The region takes the part with the highest
probability; that probability is its confidence.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ganime_core.constants import OFF_LINE_PX

from .align import Alignment, carried_labels, hull_masks, support_maps
from .describe import Side

log = logging.getLogger(__name__)
PAIR_FEATURES = ("share", "support", "net_dE", "emb_sim", "log_area", "best_share", "paper", "nb_share",
                 "net_rank")
MATCHER_FILE = Path(__file__).with_name("matcher.json")


@dataclass(frozen=True)
class Matcher:
    """A logistic model over the standardised pair features (a small hidden layer optional)."""

    mean: np.ndarray
    std: np.ndarray
    w0: np.ndarray  # (f, h) or (f, 1)
    b0: np.ndarray
    w1: np.ndarray | None = None  # (h, 1)
    b1: np.ndarray | None = None
    features: tuple[str, ...] = PAIR_FEATURES
    info: dict = field(default_factory=dict)

    def probability(self, x: np.ndarray) -> np.ndarray:
        if x.shape[0] == 0:
            return np.zeros(0, np.float32)
        h = (x - self.mean) / self.std
        h = h @ self.w0 + self.b0
        if self.w1 is not None and self.b1 is not None:
            h = np.maximum(h, 0.0) @ self.w1 + self.b1
        return (1.0 / (1.0 + np.exp(-np.clip(h[:, 0], -30, 30)))).astype(np.float32)

    def to_json(self) -> dict:
        out = {"features": list(self.features), "mean": self.mean.tolist(), "std": self.std.tolist(),
               "w0": self.w0.tolist(), "b0": self.b0.tolist(), "info": self.info}
        if self.w1 is not None and self.b1 is not None:
            out.update(w1=self.w1.tolist(), b1=self.b1.tolist())
        return out

    @classmethod
    def from_json(cls, d: dict) -> Matcher:
        def arr(k: str) -> np.ndarray:
            return np.asarray(d[k], np.float64)

        w1 = arr("w1") if "w1" in d else None
        b1 = arr("b1") if "b1" in d else None
        return cls(arr("mean"), arr("std"), arr("w0"), arr("b0"), w1, b1, tuple(d["features"]), d.get("info", {}))


def hand_matcher() -> Matcher:
    """The rule before learning: the carried share, more when supported, less when the network's
    colours disagree."""
    f = len(PAIR_FEATURES)
    w = np.zeros((f, 1))
    w[PAIR_FEATURES.index("share"), 0] = 6.0
    w[PAIR_FEATURES.index("support"), 0] = 1.0
    w[PAIR_FEATURES.index("net_dE"), 0] = -0.5
    return Matcher(np.zeros(f), np.ones(f), w, np.array([-3.5]), info={"kind": "hand rule"})


@lru_cache(maxsize=4)
def load_matcher(path: Path = MATCHER_FILE) -> Matcher:
    """The bundled matcher (the hand rule, with a warning, when the file is missing)."""
    if not path.is_file():
        log.warning("%s: no trained matcher; matching by the hand rule", path)
        return hand_matcher()
    return Matcher.from_json(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Reference:
    """The reference side with its colours: ``side`` and its ``part`` per region (0 = paper
    around the figure) and ``part_lab`` per part."""

    side: Side
    part: np.ndarray  # (n+1,) int
    part_lab: np.ndarray  # (P+1, 3)
    box: tuple[float, float, float, float]  # the figure's box, px


@dataclass(frozen=True)
class Matches:
    """Per target region (index 0 unused): the part it takes (0: none), its confidence, and the
    candidate table the matcher scored (for training and reports)."""

    part: np.ndarray  # (n+1,) int
    confidence: np.ndarray  # (n+1,) float32
    rows: np.ndarray  # (m, 2) int: target region, reference part
    features: np.ndarray  # (m, f) float32
    probability: np.ndarray  # (m,) float32


def _votes(target: Side, ref: Reference, alignment: Alignment, min_support: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """((n+1, P+1) share of each region's off-line pixels carried onto each part, (n+1,) support)."""
    n, parts = target.n, ref.part_lab.shape[0]
    labels = target.labels
    share = np.zeros((n + 1, parts), np.float32)
    support = np.zeros(n + 1, np.float32)
    if not alignment.found:
        return share, support
    maps = support_maps(alignment, labels.shape)
    flat = labels.ravel()
    count = np.maximum(np.bincount(flat, minlength=n + 1), 1).astype(np.float64)
    per = np.stack([np.bincount(flat, weights=m.ravel(), minlength=n + 1) / count for m in maps], 1)
    best = np.argmax(per, axis=1)
    support = per[np.arange(n + 1), best].astype(np.float32)
    inside = np.stack([np.bincount(flat, weights=hull.ravel(), minlength=n + 1) / count
                       for hull in hull_masks(alignment, labels.shape)], 1)
    reach = (support >= min_support) | (inside[np.arange(n + 1), best] > 0.5)
    chosen = np.where(reach, best, -1)
    carried = carried_labels(alignment, np.take(chosen, labels), ref.side.labels)
    inner = (_ink_distance(target.lines) > OFF_LINE_PX) & (np.take(chosen, labels) >= 0)
    part_of = np.take(ref.part, carried[inner])
    key = labels[inner].astype(np.int64) * parts + part_of
    counts = np.bincount(key, minlength=(n + 1) * parts).reshape(n + 1, parts).astype(np.float64)
    share = (counts / np.maximum(counts.sum(1, keepdims=True), 1.0)).astype(np.float32)
    return share, support


def _ink_distance(lines: np.ndarray) -> np.ndarray:
    import cv2

    free = (np.asarray(lines) >= 0.75).astype(np.uint8)
    return cv2.distanceTransform(free, cv2.DIST_L2, 3)


def pair_table(target: Side, ref: Reference, alignment: Alignment, *, min_support: float = 0.3,
               top: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """(rows (m, 2): target region, reference part; features (m, len(PAIR_FEATURES))): for each
    target region, the parts the alignment carries it onto and the ``top`` parts nearest in the
    network's colour."""
    n, parts = target.n, ref.part_lab.shape[0]
    share, support = _votes(target, ref, alignment, min_support)
    rp = ref.part
    # the network's colour: the nearest of each part's regions
    rl = np.flatnonzero(rp > 0)
    d = np.linalg.norm(target.net_lab[1:, None, :] - ref.side.net_lab[None, rl, :], axis=2)  # (n, r)
    net_de = np.full((n + 1, parts), 200.0, np.float32)
    for p in range(1, parts):
        cols = rp[rl] == p
        if cols.any():
            net_de[1:, p] = d[:, cols].min(axis=1)
    emb = np.zeros((n + 1, parts), np.float32)
    if target.emb is not None and ref.side.emb is not None:
        sim = target.emb[1:] @ ref.side.emb[rl].T
        for p in range(1, parts):
            cols = rp[rl] == p
            if cols.any():
                emb[1:, p] = sim[:, cols].max(axis=1)
    t_area = target.areas.astype(np.float64)
    t_fig = max(float(t_area[1:][share[1:, 0] < 0.5].sum()) if alignment.found else float(t_area[1:].sum()), 1.0)
    r_area = ref.side.areas.astype(np.float64)
    r_fig = max(float(r_area[rp > 0].sum()), 1.0)
    biggest = np.zeros(parts)
    np.maximum.at(biggest, rp, r_area / r_fig)
    log_area = np.log((t_area[:, None] / t_fig + 1e-5) / (biggest[None, :] + 1e-5))
    best_share = share[:, 1:].max(axis=1) if parts > 1 else np.zeros(n + 1)
    order = np.argsort(net_de[:, 1:], axis=1)
    rank = np.empty_like(order)
    rank[np.arange(n + 1)[:, None], order] = np.arange(parts - 1)[None, :]
    rank = np.c_[np.zeros(n + 1, np.int64), rank]
    nb = _neighbour_mean(target.labels, share)
    near = order[:, :top] + 1
    cand = np.zeros((n + 1, parts), bool)
    cand[np.arange(n + 1)[:, None], near] = True
    cand |= share > 0.05
    cand[:, 0] = False
    cand[0] = False
    ti, pi = np.nonzero(cand)
    x = np.stack([share[ti, pi], np.minimum(support[ti], 5.0), net_de[ti, pi] / 10.0, emb[ti, pi],
                  log_area[ti, pi], best_share[ti], share[ti, 0], nb[ti, pi], np.minimum(rank[ti, pi], 10) / 10.0], 1)
    return np.stack([ti, pi], 1), x.astype(np.float32)


def _neighbour_mean(labels: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(n+1, k): per region, the mean of its neighbours' ``values`` rows weighted by how many
    pixel pairs they share a border along."""
    n = values.shape[0] - 1
    keys = []
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1], labels[1:])):
        m = a != b
        keys.append(a[m].astype(np.int64) * (n + 1) + b[m])
        keys.append(b[m].astype(np.int64) * (n + 1) + a[m])
    if not keys or sum(len(k) for k in keys) == 0:
        return np.zeros_like(values)
    uniq, counts = np.unique(np.concatenate(keys), return_counts=True)
    a, b = uniq // (n + 1), uniq % (n + 1)
    out = np.zeros(values.shape, np.float64)
    np.add.at(out, a, values[b] * counts[:, None])
    total = np.bincount(a, weights=counts, minlength=n + 1)
    return (out / np.maximum(total, 1.0)[:, None]).astype(np.float32)


def match_regions(target: Side, ref: Reference, alignment: Alignment, matcher: Matcher) -> Matches:
    """Each target region's best part and its probability."""
    rows, x = pair_table(target, ref, alignment)
    prob = matcher.probability(x.astype(np.float64)) if len(x) else np.zeros(0, np.float32)
    n = target.n
    part = np.zeros(n + 1, np.int64)
    conf = np.zeros(n + 1, np.float32)
    if len(rows):
        order = np.lexsort((prob, rows[:, 0]))  # by region, best last
        t_sorted = rows[order, 0]
        last = np.r_[t_sorted[1:] != t_sorted[:-1], True]
        best = order[last]
        part[rows[best, 0]] = rows[best, 1]
        conf[rows[best, 0]] = prob[best]
        # a region carried mostly onto the paper around the reference's figure is not the character's
        paper = x[best, PAIR_FEATURES.index("paper")] > x[best, PAIR_FEATURES.index("best_share")]
        part[rows[best[paper], 0]] = 0
        conf[rows[best[paper], 0]] = 0.0
    return Matches(part, conf, rows, x, prob)
