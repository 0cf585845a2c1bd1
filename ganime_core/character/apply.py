"""Colour a page from a character: :func:`create_character` (a coloured picture -> a
:class:`~ganime_core.character.file.CharacterFile`) and :func:`colorize_with_character`.

The target's regions are matched to the character's parts (``match``); each region matched with
at least ``threshold`` confidence is hinted over the whole region (off its lines) in its part's
colour, and the page is coloured with those dense hints through
:meth:`ganime_core.api.Colorizer.colorize` — the artist's own hints win: a region they claim
takes no character colour. Regions below the threshold keep the network's guess and come back in
``uncertain`` (a mask at the page's size) so the app can outline them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from ganime_core.color import lab_to_rgb
from ganime_core.inputs.barriers import BarriersLike
from ganime_core.inputs.encoding import palette_from_image
from ganime_core.inputs.hints import HintRaster, HintsLike, as_hint_raster
from ganime_core.inputs.palettes import PaletteLike
from ganime_core.options import ColorizeOptions
from ganime_core.regions.queries import hint_claims, open_regions

from .align import DENSE_FEATURES, DENSE_RATIO, FEATURES, RATIO, Alignment, align, keypoints
from .describe import (
    Side,
    background_regions,
    figure_box,
    group_parts,
    own_colours,
    side_of,
    thumbnail,
)
from .file import CharacterFile
from .lineart import picture_lines
from .match import Matcher, Matches, Reference, load_matcher, match_regions

if TYPE_CHECKING:
    from ganime_core.api import Colorizer, ImageLike, Result
    from ganime_core.inputs.page import Page
    from ganime_core.regions.segment import Regions

log = logging.getLogger(__name__)

#: A region takes its part's colour from this confidence (P(right part), ``match``).
THRESHOLD = 0.5
#: The colour mode a character colours in when no options are given (the part colours, shaded).
DEFAULT_MODE = "locked"


@dataclass
class CharacterColouring:
    """What :func:`colorize_with_character` gives: the ``result``; ``uncertain``: bool HxW at the
    input's size, the figure's regions matched below the threshold (the network's guess kept);
    ``matched``: bool HxW, the regions that took a character colour; ``matches``: per working-size
    region; ``seconds``: the matching's time (the colorize's is in ``result.seconds``)."""

    result: Result
    uncertain: np.ndarray
    matched: np.ndarray
    matches: Matches
    seconds: float


def working_side(colorizer: Colorizer, line_art: ImageLike, opts: ColorizeOptions,
                 barriers: BarriersLike = None) -> tuple[Side, Regions, Page]:
    """The page of ``line_art`` as the colorizer sees it, and its :class:`Side`."""
    from ganime_core.api import _as_image
    from ganime_core.parts.query import part_embeddings

    regions, unhinted, emb = part_embeddings(colorizer, line_art, opts, barriers=barriers)
    page = colorizer._page(_as_image(line_art), int(opts.working_size or colorizer.info.working_size), barriers,
                           opts.gap)
    return side_of(regions, page.small, unhinted, emb), regions, page


def create_character(colorizer: Colorizer, picture: ImageLike, name: str = "",
                     options: ColorizeOptions | None = None) -> CharacterFile:
    """A character from a coloured picture: its line art drawn from its colours, its regions
    and their colours, the network's view of them (at the colorizer's working size)."""
    from ganime_core.api import _as_image

    from .file import FORMAT_VERSION

    opts = options or ColorizeOptions()
    img = _as_image(picture)
    lines = picture_lines(img)
    side, regions, page = working_side(colorizer, lines, opts)
    from ganime_core.io.imageio import composite_on_white

    rgb = composite_on_white(img.rgb, img.alpha)
    small = cv2.resize(rgb, (page.w, page.h), interpolation=cv2.INTER_AREA) if rgb.shape[:2] != (page.h, page.w) \
        else rgb
    own = own_colours(side.labels, small, regions.ink_distance)
    background = background_regions(side.labels, own)
    part, part_lab = group_parts(own, side.areas, background)
    return CharacterFile(version=FORMAT_VERSION, name=name or Path(img.source).stem, lines=side.lines, labels=side.labels,
                         own_lab=own.astype(np.float32), part=part.astype(np.int32),
                         part_lab=part_lab.astype(np.float32), net_lab=side.net_lab, emb=side.emb,
                         generator=colorizer.info.sha256, thumbnail=thumbnail(rgb),
                         box=figure_box(side.labels, background), palette=palette_from_image(rgb))


def reference_of(colorizer: Colorizer, character: CharacterFile, opts: ColorizeOptions) -> Reference:
    """The character as matching reads it; the network's view is made again when the file was
    made with another colour model (or another working size)."""
    key = ("reference", colorizer.info.sha256, _has_head(colorizer))
    if key in character.cache:
        return character.cache[key]
    side = Side(character.lines, character.labels, character.net_lab, character.emb)
    if character.generator != colorizer.info.sha256 or (character.emb is None) != (_has_head(colorizer)):
        from ganime_core.parts.query import part_embeddings

        regions, unhinted, emb = part_embeddings(colorizer, character.lines, opts.replace(
            working_size=max(character.lines.shape)))
        if np.array_equal(regions.labels, character.labels):  # the same regions: take all of it
            side = side_of(regions, character.lines, unhinted, emb)
        else:  # the network's view of the file's own regions (no embeddings)
            fresh = side_of(regions, character.lines, unhinted, None)
            side = Side(character.lines, character.labels, _relabel(fresh, character.labels), None)
    character.cache[key] = Reference(side, character.part, character.part_lab, character.box)
    return character.cache[key]


def _has_head(colorizer: Colorizer) -> bool:
    return colorizer.parts is not None and colorizer.parts.head_for(colorizer.info.sha256) is not None


def _relabel(fresh: Side, labels: np.ndarray) -> np.ndarray:
    """The fresh side's network colour per region of ``labels`` (the region it overlaps most)."""
    n = int(labels.max())
    key = labels.ravel().astype(np.int64) * (fresh.n + 1) + fresh.labels.ravel()
    uniq, counts = np.unique(key, return_counts=True)
    a, b = uniq // (fresh.n + 1), uniq % (fresh.n + 1)
    best = np.zeros(n + 1, np.int64)
    top = np.zeros(n + 1, np.int64)
    for i in np.argsort(counts):
        best[a[i]], top[a[i]] = b[i], counts[i]
    return fresh.net_lab[best]


def character_hints(target: Side, ink: np.ndarray, ref: Reference, matches: Matches,
                    threshold: float) -> tuple[HintRaster, np.ndarray]:
    """(the dense hint raster at the working size, (n+1,) bool regions hinted): each confident
    region filled in its part's colour, off the lines and one pixel inside its border (so every
    region is a blob of its own, as ``hint_claims`` counts them)."""
    labels = target.labels
    chosen = (matches.confidence >= threshold) & (matches.part > 0)
    chosen[0] = False
    colours = np.zeros((target.n + 1, 3), np.uint8)
    if chosen.any():
        colours[chosen] = lab_to_rgb(ref.part_lab[matches.part[chosen]])
    inner = cv2.erode((~np.asarray(ink, bool)).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    same = np.ones(labels.shape, bool)
    same[1:] &= labels[1:] == labels[:-1]
    same[:-1] &= labels[:-1] == labels[1:]
    same[:, 1:] &= labels[:, 1:] == labels[:, :-1]
    same[:, :-1] &= labels[:, :-1] == labels[:, 1:]
    mask = np.take(chosen, labels) & same & inner
    rgb = np.where(mask[..., None], np.take(colours, labels, axis=0), 0).astype(np.uint8)
    return HintRaster(rgb, mask), chosen


def colorize_with_character(colorizer: Colorizer, line_art: ImageLike, character: CharacterFile,
                            hints: HintsLike = None, options: ColorizeOptions | None = None, *,
                            threshold: float = THRESHOLD, matcher: Matcher | None = None, guide: bool = True,
                            palette: PaletteLike = None, barriers: BarriersLike = None,
                            **changes: Any) -> CharacterColouring:
    """Colour ``line_art`` with the colours of ``character`` (see the module's text). ``options``
    default to :data:`DEFAULT_MODE`; ``hints``, the artist's, win over the character's; ``guide``:
    the character's main colours are the network's colour guide too (as ``--reference``), for
    the regions no match colours (``palette``: another guide instead); ``barriers`` as for
    :meth:`Colorizer.colorize`."""
    from ganime_core.api import _as_image

    t0 = time.perf_counter()
    opts = options or ColorizeOptions(mode=DEFAULT_MODE)
    if changes:
        opts = opts.replace(**changes)
    img = _as_image(line_art)
    target, regions, page = working_side(colorizer, img, opts, barriers)
    ref = reference_of(colorizer, character, opts)
    alignment = align_sides(target, ref, character)
    matches = match_regions(target, ref, alignment, matcher or load_matcher())
    raster, chosen = character_hints(target, regions.line_mask, ref, matches, threshold)
    own = as_hint_raster(hints, page.width, page.height)
    if own is not None:
        claimed, _ = hint_claims(regions, own.resized(page.w, page.h))
        chosen &= ~claimed
        raster.mask &= ~np.take(claimed, target.labels)
    full = raster.resized(page.width, page.height)
    if own is not None:
        full = HintRaster(np.where(own.mask[..., None], own.rgb, full.rgb), own.mask | full.mask)
    seconds = time.perf_counter() - t0
    if palette is None and guide:
        palette = character.palette
    result = colorizer.colorize(img, full if full.mask.any() else None, opts, palette=palette, barriers=barriers)
    figure = ~open_regions(regions)  # nothing aligned: every region but the open paper is in doubt
    if alignment.found:
        figure = matches.part > 0
    figure[0] = False
    uncertain = figure & ~chosen
    size = (page.width, page.height)
    up = lambda m: cv2.resize(np.take(m, target.labels).astype(np.uint8), size,  # noqa: E731
                              interpolation=cv2.INTER_NEAREST) > 0
    return CharacterColouring(result, up(uncertain), up(chosen), matches, seconds)


def align_sides(target: Side, ref: Reference, character: CharacterFile | None = None) -> Alignment:
    """The alignment of the target's line art to the reference's (and its mirror image), again
    with denser keypoints when nothing aligns; the reference's keypoints are kept on
    ``character`` for its next page."""
    cache = {} if character is None else character.cache
    width, side = ref.side.lines.shape[1], max(target.lines.shape)
    alignment = None
    for features, ratio in ((FEATURES, RATIO), (DENSE_FEATURES, DENSE_RATIO)):
        key = ("keypoints", features)
        if key not in cache:
            cache[key] = (keypoints(ref.side.lines, features),
                          keypoints(np.ascontiguousarray(ref.side.lines[:, ::-1]), features))
        ref_kp, mirror_kp = cache[key]
        alignment = align(keypoints(target.lines, features), ref_kp, mirror_kp, width, side, ratio)
        if alignment.found:
            break
    assert alignment is not None
    return alignment


def as_character(colorizer: Colorizer, character: CharacterFile | str | Path | bytes | np.ndarray,
                 name: str = "") -> CharacterFile:
    """A character from any form an entry point is given (``--character FILE|IMAGE``, a service
    upload): a :class:`CharacterFile`; a character file (by its ``SUFFIX`` or its content); or a
    coloured picture, made into a character on the fly (:func:`create_character`)."""
    from .file import SUFFIX, character_from_bytes, is_character_data, load_character

    if isinstance(character, CharacterFile):
        return character
    if isinstance(character, str | Path):
        path = Path(character)
        if path.suffix == SUFFIX:
            return load_character(path)
        return create_character(colorizer, path, name or path.stem)
    if isinstance(character, bytes) and is_character_data(character):
        return character_from_bytes(character, name or "character")
    return create_character(colorizer, character, name)


def lines_of(picture: ImageLike) -> np.ndarray:
    """The line art the character code draws from a coloured picture (for tools and tests)."""
    from ganime_core.api import _as_image

    return picture_lines(_as_image(picture))
