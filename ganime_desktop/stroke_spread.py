"""Alt while painting: a hint stroke that colours only its regions, beside strokes that colour
their parts.

The core takes one ``spread`` for a whole colorize (``ColorizeOptions.spread``). A stroke
painted with Alt held is marked *region* (the document keeps the marks:
``Document.region_strokes``) and the colorize honours it by splitting its hints:

- no stroke marked, or the toolbar says *Hint: its region*: the strokes as they are, with the
  toolbar's spread;
- every colour stroke marked: ``spread="region"``;
- some marked, some not (:func:`split_hints`, on the colorize worker's thread): where the
  unmarked strokes' colours go (``ganime_core.parts.query.hint_reach`` with all the strokes, so
  the marked ones hold their regions) is painted into the hint raster over the strokes
  themselves, and the picture is colorized from that raster with ``spread="region"``: the
  marked strokes stay in their regions, the others cover their parts. One network pass more
  than a plain colorize (the reach), only while both kinds are on the page. A colour used by
  both kinds of stroke counts as a part colour.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

from ganime_core.inputs.hints import HintSet, Stroke, as_hint_raster
from ganime_core.options import ColorizeOptions

RGB = tuple[int, int, int]


def marked(strokes: Sequence[Stroke], region: Collection[Stroke]) -> frozenset[int]:
    """The indices of the strokes painted with Alt (colour strokes only)."""
    return frozenset(i for i, s in enumerate(strokes) if not s.erase and s in region)


def colours(strokes: Sequence[Stroke], marks: Collection[int]) -> tuple[set[RGB], set[RGB]]:
    """(part colours, region-only colours) of the colour strokes."""
    part = {tuple(s.color) for i, s in enumerate(strokes) if not s.erase and i not in marks}
    region = {tuple(s.color) for i, s in enumerate(strokes) if not s.erase and i in marks} - part
    return part, region  # type: ignore[return-value]


def colorize_spread(setting: str, strokes: Sequence[Stroke], marks: Collection[int]) -> str:
    """The ``spread`` to ask the core for: ``region`` when the setting says so or every colour
    stroke is marked; else the setting (a mixed page is split on the worker)."""
    part, region = colours(strokes, marks)
    return "region" if setting == "region" or (region and not part) else setting


def is_mixed(options: ColorizeOptions, strokes: Sequence[Stroke], marks: Collection[int]) -> bool:
    part, region = colours(strokes, marks)
    return options.spread == "part" and bool(part) and bool(region)


def split_hints(colorizer: Any, image: Any, hints: HintSet, marks: Collection[int],
                options: ColorizeOptions, *, palette: Any = None, barriers: Any = None
                ) -> tuple[Any, ColorizeOptions]:
    """``(hints, options)`` for the colorize: unchanged unless the page mixes marked and unmarked
    strokes under ``spread="part"``; then an RGBA hint raster (the strokes, with the unmarked
    strokes' parts painted in) and ``spread="region"``."""
    if not is_mixed(options, hints.strokes, marks):
        return hints, options
    from ganime_core.parts.query import hint_reach

    part_colours, _ = colours(hints.strokes, marks)
    h, w = image.rgb.shape[:2]
    raster = as_hint_raster(hints, w, h)
    if raster is None:
        return hints, options
    mask, reach = hint_reach(colorizer, image, hints, options, palette=palette, barriers=barriers)
    keys = reach[..., 0].astype(np.int64) << 16 | reach[..., 1].astype(np.int64) << 8 | reach[..., 2]
    wanted = np.array([r << 16 | g << 8 | b for r, g, b in part_colours], np.int64)
    part = mask & np.isin(keys, wanted)
    rgba = raster.to_rgba()
    rgba[part, :3] = reach[part]
    rgba[part, 3] = 255
    return rgba, options.replace(spread="region")
