"""Dense hints: each hint spread over the closed line-art region(s) it touches.

The network gets these as channels of their own beside the raw strokes (see
``ganime_core.inputs.encoding``), so one dot of hair colour tells it the colour of the whole strand
it sits in, and it only has to learn to carry the colour across lines to the rest of the hair.
Training builds them with this same function from the extracted line art of each picture.

A region that touches the page border and covers a large part of it is either the background
or a figure whose outline has a gap wider than the closing size; a hint there spreads only to
``open_radius`` (a share of the long side) around its strokes, never over the whole page.
"""

from __future__ import annotations

import numpy as np

from ganime_core.imageops import paint_labels
from ganime_core.regions.queries import (
    OPEN_AREA,
    OPEN_RADIUS,
    hint_claims,
    near_open_strokes,
    open_reach,
    open_regions,
)
from ganime_core.regions.segment import Regions

from .hints import HintRaster


def spread_hints(regions: Regions, hints: HintRaster | None, *, open_area: float = OPEN_AREA,
                 open_radius: float = OPEN_RADIUS,
                 claims: tuple[np.ndarray, np.ndarray] | None = None) -> HintRaster | None:
    """The dense hint raster (same size as ``regions``), or None when no region is claimed.

    A region takes a hint's colour when the hint claims it (``regions.queries.hint_claims``: a
    stroke that only brushes a line does not paint the neighbour). In an open region the colour
    reaches ``open_radius`` x the long side around the claiming strokes. ``claims``: the regions
    to colour and their colours when the caller has them already (a hint's whole part,
    ``ganime_core.parts``), instead of the hints' own claims.
    """
    if hints is None or not hints.mask.any():
        return None
    claimed, colours = hint_claims(regions, hints) if claims is None else claims
    if not claimed.any():
        return None
    labels = regions.labels
    mask = np.take(claimed, labels)
    is_open = open_regions(regions, open_area) & claimed
    if is_open.any():
        mask &= near_open_strokes(labels, hints.mask, is_open, open_reach(labels.shape, open_radius))
        if not mask.any():
            return None
    rgb = paint_labels(colours, labels)
    if is_open.any():
        rgb *= mask[..., None]
    return HintRaster(rgb, mask)



