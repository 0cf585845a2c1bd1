"""Undoable edits (QUndoCommand). Line strokes merge while the pen is down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtGui import QUndoCommand

from ganime_core.inputs.barriers import Barrier
from ganime_core.inputs.hints import Stroke

from .document import Document
from .guide import ColourGuide
from .painting import Box, crop, paste, union

UNDO_LIMIT = 200
LINE_STROKE_ID = 1001


class LineStrokeCommand(QUndoCommand):
    """One segment of a pen/eraser stroke, already painted into ``doc.lines``.

    Segments of the same stroke merge into one command; it keeps each segment's
    "before" patch and captures the "after" pixels of the union box on first undo.
    """

    def __init__(self, doc: Document, stroke_id: int, box: Box, before: np.ndarray,
                 text: str = "Pen stroke") -> None:
        super().__init__(text)
        self.doc = doc
        self.stroke_id = stroke_id
        self.box = box
        self.parts: list[tuple[Box, np.ndarray]] = [(box, before)]
        self.after: np.ndarray | None = None
        self._done = True  # the pixels are already on the canvas

    def id(self) -> int:
        return LINE_STROKE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, LineStrokeCommand) or other.stroke_id != self.stroke_id:
            return False
        if self.after is not None:  # already undone once: a new segment is a new stroke
            return False
        self.parts.extend(other.parts)
        self.box = union(self.box, other.box)
        return True

    def redo(self) -> None:
        if self._done:
            return
        if self.after is not None:
            paste(self.doc.lines, self.box, self.after)
        self._done = True
        self.doc.touch_lines()

    def undo(self) -> None:
        if self.after is None:
            self.after = crop(self.doc.lines, self.box)
        for box, before in reversed(self.parts):
            paste(self.doc.lines, box, before)
        self._done = False
        self.doc.touch_lines()


class SetHintsCommand(QUndoCommand):
    """Replace the hint strokes (add a stroke, erase, clear, bucket fill)."""

    def __init__(self, doc: Document, hints: tuple[Stroke, ...], text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.old = doc.hints
        self.new = tuple(hints)

    def redo(self) -> None:
        self.doc.set_hints(self.new)

    def undo(self) -> None:
        self.doc.set_hints(self.old)


class SetGuideCommand(QUndoCommand):
    """Set or clear the reference picture, switch the palette guide on or off."""

    def __init__(self, doc: Document, guide: ColourGuide, text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.old = doc.guide
        self.new = guide

    def redo(self) -> None:
        self.doc.set_guide(self.new)

    def undo(self) -> None:
        self.doc.set_guide(self.old)


class SetBarriersCommand(QUndoCommand):
    """Replace the barrier strokes (draw one, clear them all)."""

    def __init__(self, doc: Document, barriers: tuple[Barrier, ...], text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.old = doc.barriers
        self.new = tuple(barriers)

    def redo(self) -> None:
        self.doc.set_barriers(self.new)

    def undo(self) -> None:
        self.doc.set_barriers(self.old)


class SetGapCommand(QUndoCommand):
    """Change the gap-closing size (one step per slider drag: it is pushed on release)."""

    def __init__(self, doc: Document, gap: int) -> None:
        super().__init__(f"Close gaps: {gap} px")
        self.doc = doc
        self.old = doc.gap
        self.new = int(gap)

    def redo(self) -> None:
        self.doc.set_gap(self.new)

    def undo(self) -> None:
        self.doc.set_gap(self.old)


def add_hint(doc: Document, stroke: Stroke, text: str = "Hint stroke") -> SetHintsCommand:
    return SetHintsCommand(doc, doc.hints + (stroke,), text)


class ReplaceImageCommand(QUndoCommand):
    """Import a picture as the line art (paste, drop, import). Hints and barriers stay when
    the size does and ``keep_hints`` says so; otherwise they go (and come back on undo).

    ``sketch``: ``(restore, old, new)`` when the import also changes which picture the work
    came from (the session's sketch state: the title, the dialogs' folder and names): redo calls
    ``restore(new)``, undo ``restore(old)``.
    """

    def __init__(self, doc: Document, lines: np.ndarray, alpha: np.ndarray | None,
                 text: str = "Import image", keep_hints: bool = True,
                 sketch: tuple[Callable[[Any], None], Any, Any] | None = None) -> None:
        super().__init__(text)
        self.doc = doc
        self.old = (doc.lines.copy(), None if doc.alpha is None else doc.alpha.copy(), doc.hints,
                    doc.barriers)
        keep = keep_hints and lines.shape[:2] == doc.lines.shape[:2]
        self.new = (lines, alpha, doc.hints if keep else (), doc.barriers if keep else ())
        self.sketch = sketch

    def _apply(self, state: tuple, sketch: Any) -> None:
        lines, alpha, hints, barriers = state
        self.doc.replace_image(lines.copy(), None if alpha is None else alpha.copy(), hints,
                               barriers)
        if self.sketch is not None:
            self.sketch[0](sketch)

    def redo(self) -> None:
        self._apply(self.new, None if self.sketch is None else self.sketch[2])

    def undo(self) -> None:
        self._apply(self.old, None if self.sketch is None else self.sketch[1])
