"""The colorize pipeline after the network: one ordered list of steps over one picture.

:class:`Picture` is the per-picture context: what the API sets up before the steps run (the
options, the page, the network's colour, the regions, the hints, the guide, the unhinted pass)
and what the steps hand on (the colour, the white patches the clean step skips, the full-size
colour, the region layers, the final image). Each :class:`Step` declares the fields it
``reads`` and ``writes``, says when it ``applies``, and is called with the picture. Adding a
step is one module and one line in :data:`STEPS`; ``tests/core/test_steps.py`` checks that
every step touches only the fields it declares and reads only what is set before it runs.

    network colour --> hint scope --> part colour --> part even --> paper --> holes --> clean --> guide
                   --> upsample (full size) --> region modes (flats / locked) --> lines
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import cv2
import numpy as np

from ganime_core.imageops import multiply_u8, paint_labels
from ganime_core.inputs.hints import HintRaster
from ganime_core.inputs.page import Page
from ganime_core.options import ColorizeOptions
from ganime_core.regions.compose import RegionLayers, compose
from ganime_core.regions.queries import raster_claims
from ganime_core.regions.segment import Regions
from ganime_core.regions.shading import shading_from

from .clean import clean_colour
from .hint_scope import scope_hints
from .holes import HOLES_MAX_SIDE, fill_holes, find_holes
from .palette_transfer import transfer
from .paper import keep_paper
from .part_even import even_chroma, group_raster
from .upsample import EdgePlan, upsample_colour

#: (unhinted colour at the working size, its per-region Lab) — computed on first use, cached.
UnhintedPass = Callable[[], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class PartClaims:
    """The regions that joined a hint's part (``ganime_core.parts``), per label of the
    working-size regions: ``joined`` (n+1,) bool, ``colours`` (n+1, 3) uint8 (the hint's),
    ``confidence`` (n+1,) the part model's."""

    joined: np.ndarray
    colours: np.ndarray
    confidence: np.ndarray


@dataclass
class Picture:
    """One picture on its way through the steps (working size = the network's, full = the input's)."""

    options: ColorizeOptions
    page: Page
    colour: np.ndarray  # uint8 hxwx3 at the working size: the network's, then each step's
    regions: Regions | None = None  # at the working size; None for models of the first design
    hints: HintRaster | None = None  # at the working size
    dense: HintRaster | None = None  # the hints spread over their regions, or parts (working size)
    part: PartClaims | None = None  # the regions that joined a hint's part
    full_hints: HintRaster | None = None  # at full size, for the region modes
    guide: np.ndarray | None = None  # the colour guide's Lab+weight palette
    guided: bool = False  # the model takes a colour code
    unhinted: UnhintedPass | None = None
    groups: Callable[[], np.ndarray | None] | None = None  # the hint-free parts (n+1,), on first use
    edge_plan: Callable[[], EdgePlan] | None = None
    grouped: HintRaster | None = None  # the hint-free parts painted in their colours (working size)
    skip: np.ndarray | None = None  # white patches inside coloured regions: the clean step skips them
    full_colour: np.ndarray | None = None  # uint8 HxWx3 at full size
    layers: RegionLayers | None = None
    image: np.ndarray | None = None  # the final picture, lines over colour

    @property
    def claimed(self) -> np.ndarray | None:
        """bool hxw: the pixels the dense hints claim (None without hints)."""
        return None if self.dense is None else self.dense.mask


#: Fields set before the first step runs; every other field is written by a step.
INPUTS: Final = ("options", "page", "colour", "regions", "hints", "dense", "part", "full_hints", "guide",
                 "guided", "unhinted", "groups", "edge_plan")


class Step(Protocol):
    """One post-processing step: what it reads and writes on a :class:`Picture`, and when."""

    @property
    def name(self) -> str: ...

    @property
    def reads(self) -> tuple[str, ...]: ...

    @property
    def writes(self) -> tuple[str, ...]: ...

    def applies(self, pic: Picture) -> bool: ...

    def __call__(self, pic: Picture) -> None: ...


class HintScope:
    """A hint's effect stays in the regions it claims and those that take its colour (``hint_scope``).

    With ``spread="part"`` the part model has already said which regions take a hint's colour
    (they are in the dense hints), so only those keep the hinted colour: a neighbour that the
    network tinted a little towards the hint (a pink haze beside a red sleeve) gets its unhinted
    colour back. With ``spread="region"`` the regions the network moved towards a hint stay too.
    """

    name = "hint scope"
    reads = ("options", "regions", "hints", "dense", "colour", "unhinted")
    writes = ("colour",)

    def applies(self, pic: Picture) -> bool:
        return pic.regions is not None and pic.hints is not None and pic.options.hint_scope == "regions"

    def __call__(self, pic: Picture) -> None:
        assert pic.regions is not None and pic.hints is not None and pic.unhinted is not None
        unhinted, unhinted_lab = pic.unhinted()
        pic.colour = scope_hints(pic.colour, unhinted, pic.regions, hint_colours(pic.hints), pic.claimed,
                                 unhinted_lab=unhinted_lab, moved=pic.options.spread != "part")


class PartColour:
    """The regions that joined a hint's part take the hint's colour with the network's shading
    (the flat colour times the network's light and shadow in each region, as locked mode
    does), so the whole part reads as one colour in every mode."""

    name = "part colour"
    reads = ("regions", "part", "colour")
    writes = ("colour",)

    def applies(self, pic: Picture) -> bool:
        return pic.regions is not None and pic.part is not None

    def __call__(self, pic: Picture) -> None:
        assert pic.regions is not None and pic.part is not None
        labels = pic.regions.labels
        where = np.take(pic.part.joined, labels)
        painted = multiply_u8(paint_labels(pic.part.colours, labels), shading_from(pic.regions, pic.colour))
        out = pic.colour.copy()
        cv2.copyTo(painted, where.view(np.uint8), out)
        pic.colour = out


class PartEven:
    """Without a hint on them, the regions of one part take one colour family (``part_even``):
    the chroma evened in every mode, and the part claimed as one by the region modes."""

    name = "part even"
    reads = ("options", "regions", "groups", "dense", "colour")
    writes = ("colour", "grouped")

    def applies(self, pic: Picture) -> bool:
        return pic.regions is not None and pic.groups is not None and pic.options.spread == "part"

    def __call__(self, pic: Picture) -> None:
        assert pic.regions is not None and pic.groups is not None
        groups = pic.groups()
        if groups is None:
            return
        labels = pic.regions.labels
        exclude = None
        if pic.dense is not None:  # the hints and their parts keep their colours
            exclude = np.bincount(labels[pic.dense.mask], minlength=pic.regions.n + 1) > 0
        pic.colour = even_chroma(pic.colour, pic.regions, groups, exclude)
        if pic.options.mode != "plain" or pic.options.layers:
            pic.grouped = group_raster(pic.colour, pic.regions, groups, exclude)


class KeepPaper:
    """The unhinted page around the figure stays white where the network left it light (``paper``)."""

    name = "paper"
    reads = ("options", "regions", "dense", "colour")
    writes = ("colour",)

    def applies(self, pic: Picture) -> bool:
        return pic.regions is not None and pic.options.paper

    def __call__(self, pic: Picture) -> None:
        assert pic.regions is not None
        pic.colour = keep_paper(pic.colour, pic.regions, pic.claimed)


class FillHoles:
    """White holes the network leaves inside coloured regions (``holes``): filled up to
    ``HOLES_MAX_SIDE``; above it marked for the clean step, which carries the colour in."""

    name = "holes"
    reads = ("options", "page", "regions", "dense", "colour")
    writes = ("colour", "skip")

    def applies(self, pic: Picture) -> bool:
        return pic.regions is not None and pic.options.paper

    def __call__(self, pic: Picture) -> None:
        assert pic.regions is not None
        if max(pic.page.w, pic.page.h) <= HOLES_MAX_SIDE:
            pic.colour = fill_holes(pic.colour, pic.regions, pic.claimed)
        elif pic.options.clean:
            found = find_holes(pic.colour, pic.regions, pic.claimed)
            pic.skip = None if found is None else found[0]


class Clean:
    """The network's grain smoothed away inside each closed region, never across a line (``clean``)."""

    name = "clean"
    reads = ("options", "regions", "skip", "colour")
    writes = ("colour",)

    def applies(self, pic: Picture) -> bool:
        return pic.regions is not None and pic.options.clean

    def __call__(self, pic: Picture) -> None:
        assert pic.regions is not None
        pic.colour = clean_colour(pic.colour, pic.regions, skip=pic.skip)


class Guide:
    """The main colours moved most of the way to the colour guide's; hinted pixels stay
    (``palette_transfer``)."""

    name = "guide"
    reads = ("page", "guide", "guided", "hints", "dense", "colour")
    writes = ("colour",)

    def applies(self, pic: Picture) -> bool:
        return pic.guide is not None and pic.guided

    def __call__(self, pic: Picture) -> None:
        keep = None
        if pic.hints is not None:
            keep = pic.hints.mask if pic.dense is None else (pic.dense.mask | pic.hints.mask)
        pic.colour = transfer(pic.colour, pic.page.small, pic.guide, keep=keep)


class Upsample:
    """The colour enlarged to full size with its edges on the lines (``upsample``)."""

    name = "upsample"
    reads = ("colour", "edge_plan")
    writes = ("full_colour",)

    def applies(self, pic: Picture) -> bool:
        return True

    def __call__(self, pic: Picture) -> None:
        assert pic.edge_plan is not None
        pic.full_colour = upsample_colour(pic.colour, plan=pic.edge_plan())


class RegionModes:
    """Flats and locked: one exact colour per closed region at full size, hints claiming whole
    regions (with ``spread="part"``, the whole part the dense hints carry), with the network's
    shading in locked (``regions.compose``); the layers on request."""

    name = "region modes"
    reads = ("options", "page", "full_hints", "dense", "grouped", "full_colour")
    writes = ("layers", "full_colour")

    def applies(self, pic: Picture) -> bool:
        return pic.options.mode != "plain" or pic.options.layers

    def __call__(self, pic: Picture) -> None:
        assert pic.full_colour is not None
        regions = pic.page.regions_full()
        claims = None
        parts = _merged(pic.dense, pic.grouped) if pic.options.spread == "part" else None
        if parts is not None:
            claims = raster_claims(regions, parts.resized(pic.page.width, pic.page.height))
        layers = compose(pic.page.full, pic.full_colour, pic.full_hints, mode=pic.options.mode,
                         regions=regions, claims=claims)
        if pic.options.mode == "locked":
            pic.full_colour = multiply_u8(layers.flats, layers.shading)
        elif pic.options.mode == "flats":
            pic.full_colour = layers.flats
        pic.layers = layers


class Lines:
    """The line art multiplied over the colour (or the colour alone with ``lines="none"``)."""

    name = "lines"
    reads = ("options", "page", "full_colour")
    writes = ("image",)

    def applies(self, pic: Picture) -> bool:
        return True

    def __call__(self, pic: Picture) -> None:
        assert pic.full_colour is not None
        pic.image = overlay(pic.full_colour, pic.page.full) if pic.options.lines == "multiply" \
            else pic.full_colour.copy()


#: The pipeline after the network, in order.
STEPS: Final[tuple[Step, ...]] = (HintScope(), PartColour(), PartEven(), KeepPaper(), FillHoles(), Clean(),
                                  Guide(), Upsample(), RegionModes(), Lines())


def run_steps(pic: Picture, steps: Sequence[Step] = STEPS) -> Picture:
    """Run each step that applies to ``pic``, in order."""
    for step in steps:
        if step.applies(pic):
            step(pic)
    return pic


def _merged(dense: HintRaster | None, grouped: HintRaster | None) -> HintRaster | None:
    """The dense hints over the hint-free parts' colours (either may be None)."""
    if dense is None or grouped is None:
        return dense or grouped
    rgb = grouped.rgb.copy()
    rgb[dense.mask] = dense.rgb[dense.mask]
    return HintRaster(rgb, dense.mask | grouped.mask)


def hint_colours(hints: HintRaster) -> np.ndarray:
    """(k, 3) uint8: the distinct colours of the hinted pixels (at most 256)."""
    px = hints.rgb[hints.mask].astype(np.uint32)
    packed = np.unique((px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2])[:256]
    return np.stack([packed >> 16, (packed >> 8) & 255, packed & 255], axis=1).astype(np.uint8)


def overlay(rgb: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """The line overlay: uint8 HxWx3 x line art (float HxW in [0, 1]) in uint8 arithmetic.

    The line art is rounded to 1/255 first (a level of difference at most): four times less
    memory traffic than a float product at full size.
    """
    grey = cv2.convertScaleAbs(lines, alpha=255.0)
    return cv2.multiply(rgb, cv2.merge([grey, grey, grey]), scale=1.0 / 255.0)
