"""The parts of a picture without any hint: closed regions grouped by the hint-free part model.

:func:`part_groups` asks the model's hint-free MLP (``PartModel.free``), for every two regions
big enough to take part, how likely they are of one part (the same colour in an artist's
colouring), from their description and, when the part head runs, their embeddings. Two regions
join when that likelihood is at least ``threshold`` and they touch, or at least ``apart``
wherever they are (both eyes, both sleeves); groups are the connected components of the joins.
Conservative on purpose: a wrong join paints two parts alike, a missed one only leaves them as
the network had them.
"""

from __future__ import annotations

import numpy as np

from ganime_core.regions.queries import open_regions
from ganime_core.regions.segment import Regions

from .features import PAIR_FEATURES, candidate_pairs, pair_features, region_shape, touch_length
from .model import PartModel

#: P(same part) from which two touching regions are one part without a hint.
THRESHOLD = 0.97
#: ... and two that do not touch.
APART = 0.995
#: At most this many regions (the largest) are compared pairwise (the rest stay their own part).
MAX_REGIONS = 400


def part_groups(regions: Regions, colours: tuple[np.ndarray, np.ndarray], model: PartModel,
                emb: np.ndarray | None = None, *, threshold: float = THRESHOLD, apart: float = APART) -> np.ndarray:
    """(n+1,) int: a part id per region (0 for the lines; a region alone keeps an id of its own).

    ``colours``: ``features.region_colours`` of the network's unhinted colour; ``emb``: the
    regions' embeddings (``embed.region_embeddings``) or None.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n = regions.n
    ids = np.arange(n + 1)
    if model.free is None or n < 2:
        return ids
    shape = region_shape(regions)
    keep = shape.keep & ~open_regions(regions)
    if keep.sum() > MAX_REGIONS:
        keep[np.argsort(-np.where(keep, regions.areas, -1))[MAX_REGIONS:]] = False
    pairs = candidate_pairs(shape)
    pairs = pairs[keep[pairs[:, 0]] & keep[pairs[:, 1]]]
    if len(pairs) == 0:
        return ids
    lab, spread = colours
    p = model.free.same_part(pair_features(shape, lab, spread, pairs, emb), PAIR_FEATURES)
    touching = touch_length(shape, pairs) > 0
    join = (p >= apart) | (touching & (p >= threshold))
    a, b = pairs[join, 0], pairs[join, 1]
    graph = csr_matrix((np.ones(len(a)), (a, b)), shape=(n + 1, n + 1))
    _, comp = connected_components(graph, directed=False)
    comp[0] = -1
    # ids: the smallest label of each component (stable, 0 stays the lines)
    first = np.full(comp.max() + 2, n + 1)
    np.minimum.at(first, comp + 1, ids)
    out = first[comp + 1]
    out[0] = 0
    return out
