"""The fill tool's wiring: the region service, the canvas, the tool controller and the undo stack.

A bucket click goes from the tool controller to :meth:`region_worker.RegionService.fill`; the
pointer's hover asks the service for the region under it and the canvas shows the highlight
that comes back; the strokes of a fill become one undo step (like any hint edit) and a
regenerate; a click waiting for its regions shows a busy cursor and :data:`FINDING_REGIONS` in
the status bar; a failure is a message; a click the lines made void says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QStatusBar

from ganime_core.inputs.hints import Stroke

from .canvas import Canvas
from .colour_names import fill_text
from .commands import SetHintsCommand
from .region_worker import RegionService
from .session import DocumentSession
from .tools import ToolController

log = logging.getLogger(__name__)

FINDING_REGIONS = "Finding the regions to fill…"
FILL_CANCELLED = "Fill cancelled: the lines changed before the regions were ready"
TITLE = "Fill region"


class FillControl(QObject):
    def __init__(self, session: DocumentSession, regions: RegionService, canvas: Canvas,
                 controller: ToolController, status: QStatusBar,
                 error: Callable[[str, str], None], regenerate: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.regions, self.canvas = session, regions, canvas
        self.status, self.error, self.regenerate = status, error, regenerate
        controller.on_fill = regions.fill
        controller.on_error = lambda msg: error(TITLE, msg)
        canvas.region_hover = regions.hover
        regions.highlight_ready.connect(lambda h: canvas.show_region(h.key, h.image, h.x, h.y))
        regions.ready.connect(canvas.refresh_region)
        regions.fill_ready.connect(self.apply)
        regions.fill_failed.connect(lambda msg: error(TITLE, msg))
        regions.fill_dropped.connect(lambda _n: self._say(FILL_CANCELLED, 4000))
        regions.busy_changed.connect(self._on_busy)

    def apply(self, strokes: tuple[Stroke, ...]) -> None:
        """A fill's strokes: the same single undo step as any hint edit, then a regenerate."""
        if strokes:
            doc = self.session.doc
            self.session.stack.push(SetHintsCommand(doc, doc.hints + tuple(strokes),
                                                    fill_text(strokes[0].color)))
            self.regenerate()

    def _say(self, text: str, ms: int) -> None:
        log.info("%s", text)
        self.status.showMessage(text, ms)

    def _on_busy(self, busy: bool) -> None:
        self.canvas.set_busy(busy)
        if busy:
            self.status.showMessage(FINDING_REGIONS)
        elif self.status.currentMessage() == FINDING_REGIONS:
            self.status.clearMessage()
