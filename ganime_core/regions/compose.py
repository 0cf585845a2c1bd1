"""Region colours, flats and the plain / flats / locked composites."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ganime_core.constants import COLOR_MODES
from ganime_core.imageops import multiply_u8, paint_labels
from ganime_core.inputs.hints import HintRaster

from .queries import (
    check_color,
    check_hints,
    hint_claims,
    near_open_strokes,
    network_palette,
    open_reach,
    open_regions,
    page_regions,
    paper_white,
)
from .segment import RegionConfig, Regions, as_lines, segment
from .shading import shading_from

MODES = COLOR_MODES
DEFAULT_CONFIG = RegionConfig()


@dataclass
class RegionLayers:
    """Layered result: ``composite`` = colour (flats, or flats x shading) x ``lines``."""

    flats: np.ndarray
    shading: np.ndarray
    lines: np.ndarray
    composite: np.ndarray
    regions: Regions | None = None
    palette: np.ndarray | None = None  # (n+1, 3) uint8, the flat colour of each label
    hinted: np.ndarray | None = None  # (n+1,) bool, regions whose colour came from a hint


def region_colors(regions: Regions, color: np.ndarray, hints: HintRaster | None = None, *,
                  keep_white: bool = False) -> np.ndarray:
    """(n+1, 3) uint8 palette indexed by label: hint colour if hinted, else the network's median."""
    return _palette(regions, color, hints, keep_white)[0]


def _palette(regions: Regions, color: np.ndarray, hints: HintRaster | None, keep_white: bool,
             extra: tuple[np.ndarray, np.ndarray] | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(flat palette, network palette, hinted flags, the flat palette without the hints); the
    unhinted page is white. ``extra``: more claims (a hint's whole part) where no hint claims."""
    net = network_palette(regions, color)
    pal = net.copy()
    if keep_white:  # regions the network left paper white
        pal[paper_white(net)] = 255
    pal[page_regions(regions, net)] = 255
    pal[0] = 255
    unhinted = pal.copy()
    claimed, colours = hint_claims(regions, hints)
    if extra is not None:
        add = extra[0] & ~claimed
        claimed, colours = claimed | add, colours.copy()
        colours[add] = extra[1][add]
    pal[claimed] = colours[claimed]
    return pal, net, claimed, unhinted


def _flats(regions: Regions, pal: np.ndarray, unhinted: np.ndarray, claimed: np.ndarray,
           hints: HintRaster | None) -> np.ndarray:
    """uint8 HxWx3 flat colours. A hint in an open region (the page, or a figure joined to it
    through a gap wider than the closing size) colours only ``queries.open_reach`` around
    its strokes, as the dense hints do; the rest of that region keeps its unhinted colour (the
    page stays paper)."""
    flats = paint_labels(pal, regions.labels)
    is_open = open_regions(regions) & claimed
    if hints is None or not is_open.any():
        return flats
    far = ~near_open_strokes(regions.labels, hints.mask, is_open, open_reach(regions.shape))
    if far.any():
        cv2.copyTo(paint_labels(unhinted, regions.labels), far.view(np.uint8), flats)
    return flats


def compose(lines: np.ndarray, color: np.ndarray, hints: HintRaster | None = None, *,
            mode: str = "flats", regions: Regions | None = None,
            config: RegionConfig = DEFAULT_CONFIG,
            claims: tuple[np.ndarray, np.ndarray] | None = None) -> RegionLayers:
    """Build the layers and the composite for one of ``MODES``.

    - ``plain``: the network's colour x lines (flats and shading still come back as layers);
    - ``flats``: one exact colour per region (hint colour where hinted) x lines;
    - ``locked``: every region's flat colour x the network's shading x lines, so hinted regions
      take the hint colour everywhere, keep the network's light and shadow, and no colour
      crosses a line.
    ``color`` (uint8 HxWx3) and ``hints`` are resized to the line art's size when they differ.
    ``claims``: regions claimed besides the hints' own, with their colours (a hint's part).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    lines = as_lines(lines)
    color = check_color(color, lines.shape)
    hints = check_hints(hints, lines.shape)
    if regions is None:
        regions = segment(lines, config)
    elif regions.labels.shape != lines.shape:
        raise ValueError("regions were computed for a different image size")
    pal, net, claimed, unhinted = _palette(regions, color, hints, config.keep_white, claims)
    flats = _flats(regions, pal, unhinted, claimed, hints)
    shading = shading_from(regions, color, neutral=page_regions(regions, net))
    if mode == "plain":
        composite = multiply_u8(color, lines)
    elif mode == "flats":
        composite = multiply_u8(flats, lines)
    else:  # flat x shading is clipped to white before the lines darken it
        composite = multiply_u8(multiply_u8(flats, shading), lines)
    return RegionLayers(flats=flats, shading=shading, lines=lines, composite=composite,
                        regions=regions, palette=pal, hinted=claimed)


__all__ = ["MODES", "RegionLayers", "compose", "region_colors"]
