"""Parts: which closed regions belong together, and a hint's claim carried over its whole part.

:func:`part_graph` asks the part model how likely each two regions of one picture are one part,
given the network's unhinted colour there; :func:`spread_claims` then gives every region the
colour of the hint whose claimed regions it most likely shares a part with, when that
likelihood (the model's confidence) is at least ``threshold`` — never a region another hint
claims, never a region open to the page (the background: a hint there stays near its stroke),
and never across a barrier (a barrier cuts the regions, so the regions beyond it are simply
other regions the model sees as such). :func:`rule_graph` is the hand-made grouping the model
is measured against: the network's colour plus adjacency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganime_core.regions.queries import open_regions
from ganime_core.regions.segment import Regions

from .features import candidate_pairs, pair_features, region_colours, region_shape, touch_length
from .model import PartModel

#: P(same part) from which a region joins a hint's part.
THRESHOLD = 0.5
#: The hand rule: regions that touch and whose network colours are this close (ΔE76) are one part.
RULE_DELTA_E = 12.0


@dataclass(frozen=True)
class PartGraph:
    """P(same part) for each two regions of one picture: a dense (n+1) x (n+1) matrix (0 for
    regions too small to take part, 1 on the diagonal of those that do)."""

    prob: np.ndarray

    @property
    def n(self) -> int:
        return self.prob.shape[0] - 1

    def parts(self, threshold: float = THRESHOLD) -> np.ndarray:
        """(n+1,) int: a part id per region (connected groups of likely pairs; 0 for none)."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        linked = self.prob >= threshold
        _, comp = connected_components(csr_matrix(linked), directed=False)
        ids = comp + 1
        ids[~linked.diagonal()] = 0
        return ids


def part_graph(regions: Regions, unhinted: np.ndarray, model: PartModel) -> PartGraph:
    """The part graph of ``regions`` with the network's unhinted colour ``unhinted`` (uint8,
    the regions' size)."""
    shape = region_shape(regions)
    pairs = candidate_pairs(shape)
    lab, spread = region_colours(regions, unhinted)
    prob = np.zeros((regions.n + 1, regions.n + 1), np.float32)
    if len(pairs):
        p = model.same_part(pair_features(shape, lab, spread, pairs))
        prob[pairs[:, 0], pairs[:, 1]] = p
        prob[pairs[:, 1], pairs[:, 0]] = p
    prob[shape.keep, shape.keep] = 1.0
    return PartGraph(prob)


def rule_graph(regions: Regions, unhinted: np.ndarray, delta_e: float = RULE_DELTA_E) -> PartGraph:
    """The baseline: regions are one part when a chain of touching regions, each within
    ``delta_e`` of the next in the network's colour, joins them."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    shape = region_shape(regions)
    pairs = candidate_pairs(shape)
    lab, _ = region_colours(regions, unhinted)
    n = regions.n
    prob = np.zeros((n + 1, n + 1), np.float32)
    if len(pairs):
        near = (touch_length(shape, pairs) > 0) & (np.linalg.norm(lab[pairs[:, 0]] - lab[pairs[:, 1]], axis=1) < delta_e)
        link = pairs[near]
        graph = csr_matrix((np.ones(len(link)), (link[:, 0], link[:, 1])), shape=(n + 1, n + 1))
        _, comp = connected_components(graph, directed=False)
        same = comp[:, None] == comp[None, :]
        prob[same] = 1.0
    keep = shape.keep
    prob[~keep, :] = 0.0
    prob[:, ~keep] = 0.0
    prob[keep, keep] = 1.0
    return PartGraph(prob)


def spread_claims(graph: PartGraph, regions: Regions, claimed: np.ndarray, colours: np.ndarray, *,
                  threshold: float = THRESHOLD) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hints' claims carried over their parts.

    ``claimed`` (n+1,) bool and ``colours`` (n+1, 3) uint8 are the hints' own claims
    (``regions.queries.hint_claims``). Returns ``(claimed, colours, confidence)`` with the part
    regions added; ``confidence`` (n+1,) is 1 for a hint's own regions, the model's likelihood for
    a region it joined, 0 elsewhere.
    """
    confidence = claimed.astype(np.float32)
    if not claimed.any():
        return claimed, colours, confidence
    keys = (colours[:, 0].astype(np.int64) << 16) | (colours[:, 1].astype(np.int64) << 8) | colours[:, 2]
    hint_keys = np.unique(keys[claimed])
    best = np.zeros(graph.n + 1, np.float32)
    best_key = np.zeros(graph.n + 1, np.int64)
    for key in hint_keys:
        seeds = claimed & (keys == key)
        p = graph.prob[seeds].max(axis=0)
        better = p > best
        best[better], best_key[better] = p[better], key
    join = (best >= threshold) & ~claimed & ~open_regions(regions)
    join[0] = False
    out_claimed = claimed | join
    out_colours = colours.copy()
    k = best_key[join]
    out_colours[join] = np.stack([(k >> 16) & 255, (k >> 8) & 255, k & 255], axis=1).astype(np.uint8)
    confidence[join] = best[join]
    return out_claimed, out_colours, confidence
