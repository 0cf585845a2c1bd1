"""The document model: line art pixels, hint strokes (data) and the last result. Qt-free.

Views subscribe with :meth:`Document.subscribe` and get a change kind:
``"lines"`` (pixels edited in place), ``"image"`` (lines replaced, size may change),
``"hints"``, ``"guide"`` (the colour guide), ``"gap"`` (the gap-closing size), ``"barriers"``
(invisible strokes only the segmentation sees) and ``"result"``.

``seg_rev`` changes whenever the picture the segmentation sees does (lines, barriers): the
region worker keys its regions by it and the gap. The gap is checked by its option
(``ganime_core.options.SPEC_BY_NAME["gap"]``), the one place its range lives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ganime_core.inputs.barriers import Barrier, rasterize
from ganime_core.inputs.hints import HintSet, Stroke
from ganime_core.io.imageio import LoadedImage, composite_on_white
from ganime_core.options import SPEC_BY_NAME

from .guide import ColourGuide
from .stroke_spread import marked

log = logging.getLogger(__name__)

Listener = Callable[[str], None]
PAPER = 255
GAP = SPEC_BY_NAME["gap"]  # the gap-closing size's option: default, range, check
DEFAULT_GAP: int = GAP.default
SEGMENTATION_KINDS = ("lines", "image", "gap", "barriers")  # changes that move the regions


@dataclass
class ResultImages:
    """A colorized result: ``image`` (lines multiplied, HxWx3 or HxWx4) and ``color`` (HxWx3)."""

    image: np.ndarray
    color: np.ndarray
    revision: int
    working_size: tuple[int, int] = (0, 0)
    seconds: float = 0.0
    device: str = ""
    flats: np.ndarray | None = None  # region flats (flats/locked modes), uint8 HxWx3
    shading: np.ndarray | None = None  # locked mode's shading as a grey overlay (128 = neutral)


class Document:
    """One picture being coloured. ``lines`` is uint8 HxWx3 (RGB on white), edited in place."""

    def __init__(self, lines: np.ndarray, alpha: np.ndarray | None = None) -> None:
        self.lines = np.ascontiguousarray(lines, dtype=np.uint8)
        self.alpha = alpha
        self.hints: tuple[Stroke, ...] = ()
        self.result: ResultImages | None = None
        self.guide = ColourGuide()  # reference picture / palette that steers the colours
        self.gap = DEFAULT_GAP  # line gaps up to this many px are closed when segmenting
        self.barriers: tuple[Barrier, ...] = ()
        # the strokes painted with Alt (they colour only their regions: stroke_spread); only
        # ever added to, so undo and redo of a stroke keep its mark
        self.region_strokes: set[Stroke] = set()
        self.revision = 0
        self.lines_rev = 0  # changes only when the line pixels do
        self.seg_rev = 0  # changes when the lines or the barriers do
        self._listeners: list[Listener] = []

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def blank(cls, width: int, height: int) -> Document:
        return cls(np.full((height, width, 3), PAPER, np.uint8))

    @classmethod
    def from_loaded(cls, img: LoadedImage) -> Document:
        lines, alpha = lines_from_loaded(img)
        return cls(lines, alpha)

    # -- queries -------------------------------------------------------------------------------

    @property
    def size(self) -> tuple[int, int]:
        return self.lines.shape[1], self.lines.shape[0]

    def hint_set(self) -> HintSet:
        return HintSet(self.hints, self.size)

    def loaded_image(self) -> LoadedImage:
        """The line art as the core's loader would return it (a copy, safe to hand to a thread)."""
        alpha = None if self.alpha is None else self.alpha.copy()
        return LoadedImage(self.lines.copy(), alpha, "canvas")

    def region_marks(self) -> frozenset[int]:
        """The indices of the hint strokes painted with Alt."""
        return marked(self.hints, self.region_strokes)

    def barrier_mask(self) -> np.ndarray | None:
        """The barriers as a bool HxW mask (None when there are none)."""
        if not self.barriers:
            return None
        return rasterize(self.barriers, *self.size)

    def is_blank(self) -> bool:
        return not self.hints and bool((self.lines == PAPER).all())

    @property
    def result_is_current(self) -> bool:
        return self.result is not None and self.result.revision == self.revision

    # -- changes -------------------------------------------------------------------------------

    def subscribe(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def unsubscribe(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _notify(self, kind: str) -> None:
        for fn in list(self._listeners):
            try:
                fn(kind)
            except Exception:  # a broken view must not break editing
                log.exception("document listener failed on %r", kind)

    def touch_lines(self) -> None:
        """Call after editing ``lines`` in place."""
        self.revision += 1
        self.lines_rev += 1
        self.seg_rev += 1
        self._notify("lines")

    def set_hints(self, hints: tuple[Stroke, ...]) -> None:
        self.hints = tuple(hints)
        self.revision += 1
        self._notify("hints")

    def set_guide(self, guide: ColourGuide) -> None:
        """A new colour guide: the result no longer matches (like a hint edit)."""
        self.guide = guide
        self.revision += 1
        self._notify("guide")

    def set_gap(self, gap: int) -> None:
        """A new gap-closing size; an invalid one is an ``OptionsError`` (nothing changes)."""
        gap = GAP.check(gap)
        if gap != self.gap:  # the region key holds the gap: no new seg_rev needed
            self.gap = gap
            self.revision += 1
            self._notify("gap")

    def set_barriers(self, barriers: tuple[Barrier, ...]) -> None:
        self.barriers = tuple(barriers)
        self.revision += 1
        self.seg_rev += 1
        self._notify("barriers")

    def replace_image(self, lines: np.ndarray, alpha: np.ndarray | None,
                      hints: tuple[Stroke, ...] | None = None,
                      barriers: tuple[Barrier, ...] | None = None) -> None:
        self.lines = np.ascontiguousarray(lines, dtype=np.uint8)
        self.alpha = alpha
        if hints is not None:
            self.hints = tuple(hints)
        if barriers is not None:
            self.barriers = tuple(barriers)
        self.result = None
        self.revision += 1
        self.lines_rev += 1
        self.seg_rev += 1
        self._notify("image")

    def set_result(self, result: ResultImages | None) -> None:
        self.result = result
        self._notify("result")


def lines_from_loaded(img: LoadedImage) -> tuple[np.ndarray, np.ndarray | None]:
    """An imported picture -> (RGB on white, alpha or None)."""
    rgb = composite_on_white(img.rgb, img.alpha)
    return np.ascontiguousarray(rgb, dtype=np.uint8), img.alpha
