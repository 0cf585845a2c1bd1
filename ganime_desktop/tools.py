"""Tools as plain logic: pointer events in image coordinates -> document edits and commands.

The canvas widget only translates Qt events into :class:`ToolController` calls, so every
tool can be tested without a window.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from PySide6.QtGui import QUndoStack

from ganime_core.errors import GanimeError
from ganime_core.inputs.barriers import Barrier
from ganime_core.inputs.hints import Stroke

from .clipping import clip_polyline, clip_segment, inside
from .colour_names import hint_stroke_text
from .commands import LineStrokeCommand, SetBarriersCommand, SetHintsCommand
from .document import Document
from .painting import crop, draw_segment, segment_box

log = logging.getLogger(__name__)

RGB = tuple[int, int, int]
INK: RGB = (0, 0, 0)
PAPER: RGB = (255, 255, 255)
MIN_SIZE, MAX_SIZE = 1.0, 400.0
REGION_SUFFIX = " (its region, Alt)"  # the history's name of a hint stroke painted with Alt


class Tool(StrEnum):
    PEN = "pen"
    ERASER = "eraser"
    HINT = "hint"
    HINT_ERASER = "hint_eraser"
    EYEDROPPER = "eyedropper"
    BUCKET = "bucket"
    BARRIER = "barrier"


@dataclass(frozen=True)
class ToolInfo:
    label: str
    shortcut: str
    icon: str
    tip: str


TOOLS: dict[Tool, ToolInfo] = {
    Tool.PEN: ToolInfo("Pen", "B", "fa5s.pen", "Draw line art (pressure-sensitive)"),
    Tool.ERASER: ToolInfo("Eraser", "E", "fa5s.eraser", "Erase line art"),
    Tool.HINT: ToolInfo("Hint brush", "C", "fa5s.paint-brush",
                        "Paint colour hints; the part a stroke would colour is highlighted. "
                        "Hold Alt while painting: that stroke colours only its region"),
    Tool.HINT_ERASER: ToolInfo("Hint eraser", "Shift+E", "mdi6.eraser-variant",
                               "Erase colour hints"),
    Tool.EYEDROPPER: ToolInfo("Eyedropper", "I", "fa5s.eye-dropper",
                              "Pick a colour from the picture"),
    Tool.BUCKET: ToolInfo("Fill region", "G", "fa5s.fill-drip",
                          "Fill the region under the cursor with the hint colour"),
    Tool.BARRIER: ToolInfo("Barrier", "Shift+B", "mdi6.wall",
                           "Draw an invisible line that only the region finder sees: closes a "
                           "gap so fills and colours stop there (never exported)"),
}


@dataclass
class BrushState:
    tool: Tool = Tool.HINT
    color: RGB = (231, 76, 60)
    sizes: dict[Tool, float] = field(default_factory=lambda: {
        Tool.PEN: 3.0, Tool.ERASER: 16.0, Tool.HINT: 10.0, Tool.HINT_ERASER: 24.0,
        Tool.BARRIER: 3.0})

    @property
    def size(self) -> float:
        return self.sizes.get(self.tool, 0.0)

    def set_size(self, value: float) -> None:
        if self.tool in self.sizes:
            self.sizes[self.tool] = float(min(MAX_SIZE, max(MIN_SIZE, value)))

    def grow(self) -> None:
        self.set_size(max(self.size + 1, self.size * 1.25))

    def shrink(self) -> None:
        self.set_size(min(self.size - 1, self.size * 0.8))


Sampler = Callable[[int, int], RGB | None]
FillRequest = Callable[[int, int, RGB], object]  # a click to fill; the strokes come later


class ToolController:
    """Turns press/move/release (image coordinates, pressure 0..1) into edits."""

    _serials = itertools.count(1)

    def __init__(self, stack: QUndoStack, brush: BrushState) -> None:
        self.stack = stack
        self.brush = brush
        self.doc: Document | None = None
        self.sampler: Sampler | None = None
        self.on_fill: FillRequest | None = None
        self.on_color_picked: Callable[[RGB], None] | None = None
        self.on_edit_finished: Callable[[], None] | None = None  # a stroke or fill is done
        self.on_error: Callable[[str], None] | None = None
        self.pending: list[tuple[float, float]] = []
        self.pressures: list[float] = []
        self._tablet = False
        self._stroke_id = 0
        self._painted = False  # the pen stroke under way has changed a pixel
        self._region = False  # the hint stroke under way is painted with Alt: only its regions
        self._active: Tool | None = None

    def set_document(self, doc: Document) -> None:
        self.cancel()
        self.doc = doc

    @property
    def active(self) -> bool:
        return self._active is not None

    # -- events --------------------------------------------------------------------------------

    def press(self, x: float, y: float, pressure: float = 1.0, tablet: bool = False,
              region: bool = False) -> None:
        """A press; outside the picture a click picks and fills nothing, and a stroke starts
        there only to be clipped to the picture when it ends (nothing outside is kept).
        ``region``: Alt is held, the hint stroke colours only its regions (also when Alt is
        held at the release)."""
        if self.doc is None:
            return
        tool = self.brush.tool
        if tool in (Tool.EYEDROPPER, Tool.BUCKET) and not inside(x, y, *self.doc.size):
            return
        self._active = tool
        self._tablet = tablet
        self._painted = False
        self._region = region
        self.pending, self.pressures = [(x, y)], [pressure]
        if tool in (Tool.PEN, Tool.ERASER):
            self._stroke_id = next(self._serials)
            self._paint_segment((x, y), (x, y), pressure)
        elif tool == Tool.EYEDROPPER:
            self._pick(x, y)
        elif tool == Tool.BUCKET:
            self._fill(x, y)
            self._active = None

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        tool = self._active
        if tool is None or self.doc is None:
            return
        last = self.pending[-1]
        if math.hypot(x - last[0], y - last[1]) < 0.75:
            return
        if tool in (Tool.PEN, Tool.ERASER):
            self._paint_segment(last, (x, y), pressure)
        elif tool == Tool.EYEDROPPER:
            self._pick(x, y)
        self.pending.append((x, y))
        self.pressures.append(pressure)

    def release(self, x: float | None = None, y: float | None = None,
                pressure: float = 1.0, region: bool = False) -> None:
        tool = self._active
        if tool is None or self.doc is None:
            return
        if x is not None and y is not None:
            self.move(x, y, pressure)
        points, pressures, region = self.pending, self.pressures, self._region or region
        self.cancel()  # the pen is up before anyone hears about the edit
        if tool in (Tool.HINT, Tool.HINT_ERASER):
            self._commit_hint(tool, points, pressures, region and tool == Tool.HINT)
        elif tool == Tool.BARRIER:
            self._commit_barrier(points)
        if tool in (Tool.PEN, Tool.ERASER) and self._painted and self.on_edit_finished:
            self.on_edit_finished()

    def cancel(self) -> None:
        self._active = None
        self.pending, self.pressures = [], []

    # -- the tools -------------------------------------------------------------------------------

    def _paint_segment(self, p0: tuple[float, float], p1: tuple[float, float],
                       pressure: float) -> None:
        doc = self.doc
        assert doc is not None
        radius = self.brush.sizes[self._active or Tool.PEN] / 2 * max(0.05, min(1.0, pressure))
        w, h = doc.size
        span = clip_segment(p0, p1, w, h)  # the centre line stays on the picture
        if span is None:
            return
        d = (p1[0] - p0[0], p1[1] - p0[1])
        p0, p1 = ((p0[0] + d[0] * span[0], p0[1] + d[1] * span[0]),
                  (p0[0] + d[0] * span[1], p0[1] + d[1] * span[1]))
        box = segment_box(p0, p1, radius, w, h)
        if box is None:
            return
        before = crop(doc.lines, box)
        color = PAPER if self._active == Tool.ERASER else INK
        draw_segment(doc.lines, p0, p1, radius, color)
        text = "Erase lines" if self._active == Tool.ERASER else "Pen stroke"
        self.stack.push(LineStrokeCommand(doc, self._stroke_id, box, before, text))
        self._painted = True
        doc.touch_lines()

    def _commit_hint(self, tool: Tool, pending: list[tuple[float, float]],
                     pressures_in: list[float], region: bool = False) -> None:
        """The stroke's pieces on the picture become hint strokes: one undo step (none when
        the whole stroke was off the picture); ``region``: marked to colour only its regions."""
        doc = self.doc
        assert doc is not None
        strokes: list[Stroke] = []
        for points_in, pressures_piece in clip_polyline(pending, pressures_in, *doc.size):
            # quantised as the hint JSON stores them, so a saved project reads back identical
            points = tuple((round(x, 2), round(y, 2)) for x, y in points_in)
            pressures = tuple(round(p, 4) for p in pressures_piece) if self._tablet else None
            try:
                strokes.append(Stroke(points=points, color=self.brush.color,
                                      width=round(self.brush.sizes[tool], 3), pressures=pressures,
                                      erase=tool == Tool.HINT_ERASER))
            except GanimeError as exc:
                log.warning("dropping invalid hint stroke: %s", exc)
        if not strokes:
            return
        text = hint_stroke_text(strokes[0].color, strokes[0].erase)
        if region:
            doc.region_strokes.update(strokes)
            text += REGION_SUFFIX
        self.stack.push(SetHintsCommand(doc, doc.hints + tuple(strokes), text))
        if self.on_edit_finished:
            self.on_edit_finished()

    def _pick(self, x: float, y: float) -> None:
        if self.sampler is None:
            return
        rgb = self.sampler(int(x), int(y))
        if rgb is not None:
            self.brush.color = rgb
            if self.on_color_picked:
                self.on_color_picked(rgb)

    def _commit_barrier(self, pending: list[tuple[float, float]]) -> None:
        doc = self.doc
        assert doc is not None
        barriers: list[Barrier] = []
        for piece, _ in clip_polyline(pending, [], *doc.size):
            points = tuple((round(x, 2), round(y, 2)) for x, y in piece)
            try:
                barriers.append(Barrier(points=points, width=round(self.brush.sizes[Tool.BARRIER], 3)))
            except (GanimeError, ValueError) as exc:
                log.warning("dropping invalid barrier stroke: %s", exc)
        if not barriers:
            return
        self.stack.push(SetBarriersCommand(doc, doc.barriers + tuple(barriers), "Barrier stroke"))
        if self.on_edit_finished:
            self.on_edit_finished()

    def _fill(self, x: float, y: float) -> None:
        """A fill click: the region is found off the GUI thread; its strokes arrive later."""
        if self.on_fill is not None and self.doc is not None:
            self.on_fill(int(x), int(y), self.brush.color)
