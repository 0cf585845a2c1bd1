"""What a new "Close gaps" size does to the hints, in one status line. Qt-free.

A hint colours the closed regions it claims (``ganime_core.regions.queries.hint_claims``, the
rule the colorizer applies): a bigger gap joins regions (the face and the hair become one
block, and the block takes the colour most of its hint pixels have: the other hint colours
nothing), a smaller one opens them to the page (a hint in a region open to the page reaches
only its neighbourhood). :func:`hint_cover` measures, for each hint, how much of the picture
it colours at one gap; :func:`gap_message` compares two gaps: "Close gaps 24 px: 2 hints (peach,
blue) cover less — Ctrl+Z goes back".

A hint here is one connected mark of one colour on the hint layer: a stroke, or all the strokes
of one fill.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ganime_core.inputs.hints import HintRaster, Stroke, rasterize
from ganime_core.regions.queries import hint_claims, open_reach, open_regions
from ganime_core.regions.segment import Regions

from .colour_names import colour_name

RGB = tuple[int, int, int]
LESS, MORE = 0.67, 1.5  # a hint covers "less" below this share of before, "more" above this
MAX_HINTS = 64  # marks measured one by one; more (a busy page) are reported together


@dataclass(frozen=True)
class Hint:
    colour: RGB
    mask: np.ndarray  # bool HxW: the mark on the hint layer


def hint_marks(strokes: tuple[Stroke, ...], width: int, height: int) -> list[Hint]:
    """The hint layer's marks: each connected patch of one colour, biggest first."""
    if not strokes:
        return []
    raster = rasterize(strokes, width, height)
    marks: list[Hint] = []
    colours = np.unique(raster.rgb[raster.mask], axis=0)
    for c in colours:
        same = raster.mask & (raster.rgb == c).all(axis=2)
        n, cc = cv2.connectedComponents(same.view(np.uint8), connectivity=8, ltype=cv2.CV_32S)
        for i in range(1, n):
            marks.append(Hint((int(c[0]), int(c[1]), int(c[2])), cc == i))
    marks.sort(key=lambda h: -int(h.mask.sum()))
    return marks[:MAX_HINTS]


def _raster(hints: list[Hint], shape: tuple[int, int]) -> HintRaster:
    rgb = np.zeros((*shape, 3), np.uint8)
    mask = np.zeros(shape, bool)
    for h in hints:
        rgb[h.mask] = h.colour
        mask |= h.mask
    return HintRaster(rgb, mask)


@dataclass(frozen=True)
class Cover:
    """What one hint colours at one gap: ``area`` in pixels, and ``taken_by`` the colour of
    the hint that won the region it claims but colours nothing of (None: it did not lose one)."""

    area: int
    taken_by: RGB | None = None


def hint_cover(regions: Regions, hints: list[Hint]) -> list[Cover]:
    """What each hint colours at these regions: the closed regions it claims whose colour it
    wins (a region claimed by several colours takes the colour most of its hint pixels have),
    and in a region open to the page (joined to the page through a gap) its neighbourhood."""
    if not hints:
        return []
    shape = regions.labels.shape
    _, winner = hint_claims(regions, _raster(hints, shape))
    is_open = open_regions(regions)
    area = regions.areas.astype(np.float64)
    area = np.where(is_open, np.minimum(area, math.pi * open_reach(shape) ** 2), area)
    cover = []
    for h in hints:
        mine, _ = hint_claims(regions, _raster([h], shape))
        won = mine & (is_open | (winner == h.colour).all(axis=1))
        lost = np.flatnonzero(mine & ~won)
        taken = None
        if lost.size:
            biggest = int(lost[np.argmax(area[lost])])
            taken = (int(winner[biggest, 0]), int(winner[biggest, 1]), int(winner[biggest, 2]))
        cover.append(Cover(int(area[won].sum()), taken))
    return cover


def gap_message(gap: int, hints: list[Hint], before: list[Cover], after: list[Cover]) -> str:
    """The status line after the gap changed to ``gap`` px (``before``/``after``: hint_cover):
    "Close gaps 10 px: the brown hint colours nothing now (its region is the peach hint's);
    the peach hint covers more — Ctrl+Z goes back"."""
    head = f"Close gaps {gap} px"
    if not hints:
        return head
    rows = list(zip(hints, before, after, strict=True))
    lost = [(h, a) for h, b, a in rows if b.area > 0 and a.area == 0]
    less = [h for h, b, a in rows if 0 < a.area < LESS * b.area]
    more = [h for h, b, a in rows if a.area > MORE * max(b.area, 1)]
    parts = [_lost_text(lost)] if lost else []
    if less:
        parts.append(f"{_who(less)} {'covers' if len(less) == 1 else 'cover'} less")
    if more:
        parts.append(f"{_who(more)} {'covers' if len(more) == 1 else 'cover'} more")
    if not parts:
        return f"{head}: the hints keep their regions"
    back = " — Ctrl+Z goes back" if lost or less else ""
    return f"{head}: {'; '.join(parts)}{back}"


def _lost_text(lost: list[tuple[Hint, Cover]]) -> str:
    """"the peach hint colours nothing now (its region is the brown hint's)"."""
    if len(lost) == 1:
        h, c = lost[0]
        why = (f"its region is the {colour_name(c.taken_by)} hint's" if c.taken_by is not None
               else "no closed region is left under it")
        return f"the {colour_name(h.colour)} hint colours nothing now ({why})"
    return f"{_who([h for h, _ in lost])} colour nothing now"


def _who(hints: list[Hint]) -> str:
    """"the blue hint", "2 hints (blue, red)"."""
    if len(hints) == 1:
        return f"the {colour_name(hints[0].colour)} hint"
    return f"{len(hints)} hints ({_names(hints)})"


def _names(hints: list[Hint]) -> str:
    names = list(dict.fromkeys(colour_name(h.colour) for h in hints))
    return ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
