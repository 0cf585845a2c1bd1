"""What the part model says about a page, for the app and other tools: where a stroke's colour
would go (the app's hover highlight), and each closed region's part embedding (to match the
regions of two pictures, as character colour memory does).

Both take the arguments of :meth:`ganime_core.api.Colorizer.colorize` and run the network once
(:func:`part_embeddings` reuses the unhinted pass ``colorize`` keeps), never the steps after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ganime_core.inputs.barriers import BarriersLike
from ganime_core.inputs.hints import HintsLike, as_hint_raster
from ganime_core.inputs.palettes import PaletteLike, ReferenceLike, palette_of
from ganime_core.options import ColorizeOptions
from ganime_core.regions.queries import hint_claims, raster_claims
from ganime_core.regions.segment import Regions

if TYPE_CHECKING:
    from ganime_core.api import Colorizer, ImageLike


def _options(options: ColorizeOptions | None, changes: dict[str, Any]) -> ColorizeOptions:
    opts = options or ColorizeOptions()
    return opts.replace(**changes) if changes else opts


def hint_reach(colorizer: Colorizer, line_art: ImageLike, hints: HintsLike, options: ColorizeOptions | None = None,
               *, palette: PaletteLike = None, reference: ReferenceLike = None, barriers: BarriersLike = None,
               **changes: Any) -> tuple[np.ndarray, np.ndarray]:
    """Where the hints' colours go, at the input's full size: ``(mask HxW bool, colours HxWx3
    uint8)`` — the closed regions the hints claim and, with ``spread="part"``, the rest of their
    parts, each with its hint's colour."""
    from ganime_core.api import _as_image

    opts = _options(options, changes)
    img = _as_image(line_art)
    page = colorizer._page(img, int(opts.working_size or colorizer.info.working_size), barriers, opts.gap)
    h, w = page.height, page.width
    full = as_hint_raster(hints, w, h)
    if full is None:
        return np.zeros((h, w), bool), np.zeros((h, w, 3), np.uint8)
    regions = page.regions_full()
    claimed, colours = hint_claims(regions, full)
    if "dense_mask" in colorizer.channels and opts.spread == "part":
        pic = colorizer._network_pass(opts, page, full.resized(page.w, page.h), palette_of(palette, reference))
        if pic.part is not None and pic.dense is not None:
            grown, grown_colours = raster_claims(regions, pic.dense.resized(w, h))
            grown &= ~claimed
            claimed, colours = claimed | grown, np.where(grown[:, None], grown_colours, colours)
    return np.take(claimed, regions.labels), np.take(colours, regions.labels, axis=0)


def part_embeddings(colorizer: Colorizer, line_art: ImageLike, options: ColorizeOptions | None = None, *,
                    palette: PaletteLike = None, reference: ReferenceLike = None, barriers: BarriersLike = None,
                    **changes: Any) -> tuple[Regions, np.ndarray, np.ndarray | None]:
    """``(regions, unhinted, embeddings)`` at the working size: the closed regions, the network's
    colour without hints (uint8 hxwx3) and each region's unit part embedding ((n+1, dim) float32;
    None when the part model has no head for this colour model)."""
    from ganime_core.api import _as_image

    opts = _options(options, changes)
    img = _as_image(line_art)
    page = colorizer._page(img, int(opts.working_size or colorizer.info.working_size), barriers, opts.gap)
    regions = page.regions_small()
    unhinted, _ = colorizer._unhinted_pass(page, regions, palette_of(palette, reference))
    assert colorizer._unhinted is not None
    return regions, unhinted, colorizer._unhinted[3]()
