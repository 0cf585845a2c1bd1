"""A hint's claim carried over its whole part: all of the hair, both sleeves.

The network is first given the hints as they are (each spread over the regions it claims) and
answers: the regions it carries the hint's colour to are a strong sign of the part, which the
line art and the network's unhinted colours confirm or deny. :func:`join_probabilities` asks the
part model, for each hint colour, how likely each region is of the part of the regions that
colour claims; :func:`spread_claims` gives every region the colour of the hint it most likely
belongs to, when that likelihood (the model's confidence) is at least ``threshold`` — never a
region another hint claims, never a region open to the page (the background: a hint there stays
near its stroke), and never across a barrier (a barrier cuts the regions, so the regions beyond
it are simply other regions the model judges as such).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ganime_core.color import rgb_to_lab
from ganime_core.regions.queries import open_regions
from ganime_core.regions.segment import Regions

from .features import region_colours, region_shape, seed_features

#: P(same part) from which a region joins a hint's part (chosen by measurement: ``training.parts_eval``).
THRESHOLD = 0.85
#: A region that does not touch its hint's part (through regions that join it) needs this much:
#: the second eye, the other sleeve.
APART_THRESHOLD = 0.9
#: The largest seed regions of one hint colour that are compared with every other region.
MAX_SEEDS = 8


class SamePart(Protocol):
    def same_part(self, x: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Joins:
    """For each distinct hint colour (packed RGB ``keys``), P(region is of its part) per label."""

    keys: np.ndarray  # (k,) int64
    prob: np.ndarray  # (k, n+1) float32


def pack(colours: np.ndarray) -> np.ndarray:
    c = np.asarray(colours, np.int64)
    return (c[:, 0] << 16) | (c[:, 1] << 8) | c[:, 2]


def join_probabilities(regions: Regions, unhinted: np.ndarray | tuple[np.ndarray, np.ndarray],
                       hinted: np.ndarray, claimed: np.ndarray, colours: np.ndarray, model: SamePart,
                       emb: np.ndarray | None = None) -> Joins:
    """The part model's P for every region and every hint colour of the ``claimed`` regions.

    ``unhinted`` / ``hinted``: the network's colour without and with the hints (uint8, the
    regions' size; ``unhinted`` may be given as its ``region_colours`` already, which change only
    with the sketch); ``claimed`` (n+1,) bool and ``colours`` (n+1, 3) uint8: the hints' claims;
    ``emb``: the regions' embeddings from the part head, when there is one.
    """
    shape = region_shape(regions)
    lab0 = region_colours(regions, unhinted) if isinstance(unhinted, np.ndarray) else unhinted
    lab1, _ = region_colours(regions, hinted, spread=False)
    keys = pack(colours)
    hint_keys = np.unique(keys[claimed])
    prob = np.zeros((len(hint_keys), regions.n + 1), np.float32)
    candidates = np.flatnonzero(shape.keep & ~claimed)
    for i, key in enumerate(hint_keys):
        seeds = np.flatnonzero(claimed & (keys == key))
        seeds = seeds[np.argsort(-regions.areas[seeds])][:MAX_SEEDS]
        if candidates.size == 0:
            continue
        rgb = np.array([[(key >> 16) & 255, (key >> 8) & 255, key & 255]], np.uint8)
        hint_lab = rgb_to_lab(rgb)[0].astype(np.float64)
        s_idx = np.repeat(seeds, candidates.size)
        o_idx = np.tile(candidates, seeds.size)
        p = model.same_part(seed_features(shape, lab0, lab1, hint_lab, s_idx, o_idx, emb))
        prob[i, candidates] = p.reshape(seeds.size, candidates.size).max(axis=0)
    return Joins(hint_keys, prob)


def spread_claims(joins: Joins, regions: Regions, claimed: np.ndarray, colours: np.ndarray, *,
                  threshold: float = THRESHOLD, apart: float = APART_THRESHOLD
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hints' claims carried over their parts.

    A region joins a hint's part when the model gives it at least ``threshold`` and it touches
    the part (a chain of touching regions that join leads to the hint's own), or at least
    ``apart`` wherever it is. Returns ``(claimed, colours, confidence)`` with the part regions added; ``confidence``
    (n+1,) is 1 for a hint's own regions, the model's likelihood for a region it joined, 0
    elsewhere.
    """
    confidence = claimed.astype(np.float32)
    if not claimed.any() or len(joins.keys) == 0:
        return claimed, colours, confidence
    best = joins.prob.max(axis=0)
    which = joins.keys[np.argmax(joins.prob, axis=0)]
    join = (best >= threshold) & ~claimed & ~open_regions(regions)
    join[0] = False
    join &= (best >= apart) | _touching_part(regions, claimed, join, pack(colours), which)
    out_claimed = claimed | join
    out_colours = colours.copy()
    k = which[join]
    out_colours[join] = np.stack([(k >> 16) & 255, (k >> 8) & 255, k & 255], axis=1).astype(np.uint8)
    confidence[join] = best[join]
    return out_claimed, out_colours, confidence


def _touching_part(regions: Regions, claimed: np.ndarray, join: np.ndarray, keys: np.ndarray,
                   which: np.ndarray) -> np.ndarray:
    """(n+1,) bool: the joining regions linked to a region their hint claims by a chain of
    touching regions of the same hint (claimed or joining)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    shape = region_shape(regions)
    n = regions.n
    a, b = shape.touch_keys // (n + 1), shape.touch_keys % (n + 1)
    hint = np.where(claimed, keys, np.where(join, which, -1))
    same = (hint[a] >= 0) & (hint[a] == hint[b])
    graph = csr_matrix((np.ones(int(same.sum())), (a[same], b[same])), shape=(n + 1, n + 1))
    _, comp = connected_components(graph, directed=False)
    anchored = np.zeros(comp.max() + 1, bool)
    anchored[comp[claimed]] = True
    return anchored[comp] & join
