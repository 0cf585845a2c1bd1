"""What the canvas shows: the document's pictures as QImages, kept in step with the document,
and drawn in their order.

:class:`CanvasLayers` holds the line art, the hint layer (incremental, with its screen-pixel
outline), the result and the "Close gaps" slider's live region preview, and draws a panel of
them: *before* (line art, hints, overlays) or *after* (the result with the line art multiplied
over it). :class:`canvas.Canvas` decides where the panels go (the view mode, the zoom, the
split) and hands in how this frame shows them (:class:`Look`); the painter is already in image
space. The overlays (region preview, barriers) are screen-only: never in an export.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QImage, QPainter, QTransform

from ganime_core.inputs.barriers import Barrier

from .canvas_paint import draw_barriers, draw_result
from .document import Document
from .hint_outline import OutlineCache
from .hint_overlay import HintOverlay
from .qt_util import qimage_view, to_qimage


@dataclass(frozen=True)
class Look:
    """How one frame shows the layers (the canvas's view state when it paints)."""

    hints: bool  # the hint layer is shown (H)
    opacity: float  # the hint layer's opacity
    barriers: tuple[Barrier, ...]  # the barriers to draw (() while they are hidden)
    zoom: float
    screen: QSize  # the widget's size: the hint outline is drawn in screen pixels


class CanvasLayers:
    """The pictures of one document as the canvas draws them."""

    def __init__(self) -> None:
        self.lines = QImage()
        self.hints = QImage()
        self.hints_version = 0  # bumped whenever the hint layer's pixels change
        self.result = QImage()
        self.regions_preview = QImage()  # the "Close gaps" slider's live region preview
        self._outline = OutlineCache()
        self._overlay = HintOverlay()

    def follow(self, doc: Document, kind: str) -> None:
        """Bring the pictures up to date after a document change of ``kind``."""
        if kind == "image":
            self.regions_preview = QImage()
            self.lines = qimage_view(doc.lines)
            self.refresh_hints(doc)
            self.result = QImage()
        elif kind == "hints":
            self.refresh_hints(doc)
        elif kind == "result":
            self.result = QImage() if doc.result is None else to_qimage(doc.result.color)

    def refresh_hints(self, doc: Document | None) -> None:
        self.hints_version += 1
        if doc is None:
            self._overlay = HintOverlay()
            self.hints = QImage()
            return
        if not doc.hints:  # keep the overlay: it remembers the cleared layer for an undo
            self._overlay.update((), *doc.size)
            self.hints = QImage()
            return
        if self._overlay.update(doc.hints, *doc.size) or self.hints.isNull():
            self.hints = qimage_view(self._overlay.rgba)  # shares the overlay's pixels

    # -- drawing (the painter in image space) --------------------------------------------------

    def draw_before(self, p: QPainter, x: float, look: Look) -> None:
        p.drawImage(QPointF(x, 0), self.lines)
        self.draw_hints(p, x, look)
        self.draw_overlays(p, x, look)

    def draw_after(self, p: QPainter, x: float) -> None:
        draw_result(p, QPointF(x, 0), self.result, self.lines)

    def draw_overlays(self, p: QPainter, x: float, look: Look) -> None:
        """The live region preview and the barriers: screen-only, never in an export."""
        if not self.regions_preview.isNull():
            p.drawImage(QPointF(x, 0), self.regions_preview)
        if look.barriers:
            p.save()
            p.translate(x, 0)
            draw_barriers(p, look.barriers, look.zoom)
            p.restore()

    def draw_hints(self, p: QPainter, x: float, look: Look) -> None:
        if look.hints and not self.hints.isNull():
            t = p.transform()
            ring = self._outline.get(self.hints, self.hints_version,
                                     QTransform.fromTranslate(x, 0) * t, look.screen)
            p.resetTransform()  # the ring is in screen pixels (the clip stays where it was)
            p.drawImage(QPointF(0, 0), ring)
            p.setTransform(t)
            p.setOpacity(look.opacity)
            p.drawImage(QPointF(x, 0), self.hints)
            p.setOpacity(1.0)
