"""Painting helpers of the canvas: the stroke being drawn, brush cursor, welcome text, the
before/after split, and the colour under a point (the eyedropper)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

from ganime_core.inputs.barriers import Barrier

from .tools import Tool, ToolController

if TYPE_CHECKING:
    from .document import Document

HINT_OPACITY = 0.6
BARRIER_DARK = QColor(20, 20, 30, 230)
BARRIER_LIGHT = QColor(0, 230, 255, 255)  # cyan: unlike any line art and most hint colours
WELCOME = ("Open a sketch: File → Open (Ctrl+O) or Import (Ctrl+I), drop a picture here,\n"
           "or paste one (Ctrl+V); with Auto on it is colorized at once. Or draw with the pen (B).\n\n"
           "Then press Colorize (Ctrl+Enter) and steer the colours with the hint brush (C)\n"
           "or the fill tool (G). Help → Quick guide (F1) shows the whole workflow.")


def _polyline(points: Sequence[tuple[float, float]]) -> QPainterPath:
    path = QPainterPath(QPointF(*points[0]))
    for pt in points[1:]:
        path.lineTo(QPointF(*pt))
    if len(points) == 1:  # a dot: a zero-length segment still gets round caps
        path.lineTo(QPointF(*points[0]))
    return path


def draw_barriers(p: QPainter, barriers: Iterable[Barrier], zoom: float) -> None:
    """Barrier strokes as a dashed cyan line on a dark casing (image coordinates): visible on
    paper, ink and colour alike, and unlike anything in the picture itself."""
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    for b in barriers:
        path = _polyline(b.points)
        width = max(b.width, 2.5 / zoom)  # at least 2.5 screen px, to be seen zoomed out
        casing = QPen(BARRIER_DARK, width + 2 / zoom, Qt.PenStyle.SolidLine,
                      Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        p.setPen(casing)
        p.drawPath(path)
        dash = QPen(BARRIER_LIGHT, width, Qt.PenStyle.CustomDashLine, Qt.PenCapStyle.FlatCap,
                    Qt.PenJoinStyle.RoundJoin)
        screen = max(width * zoom, 1e-3)  # the pattern is in pen widths: 8 px on, 5 px off
        dash.setDashPattern([8 / screen, 5 / screen])
        p.setPen(dash)
        p.drawPath(path)


def draw_pending(p: QPainter, c: ToolController, zoom: float = 1.0) -> None:
    """The stroke under the pen, before it is committed (image coordinates)."""
    if not c.pending or not c.active:
        return
    if c.brush.tool == Tool.BARRIER:
        draw_barriers(p, [Barrier(tuple(c.pending), c.brush.size)], zoom)
        return
    if c.brush.tool not in (Tool.HINT, Tool.HINT_ERASER):
        return
    color = QColor(*c.brush.color) if c.brush.tool == Tool.HINT else QColor(255, 255, 255)
    pen = QPen(color, c.brush.size, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    p.setOpacity(HINT_OPACITY)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if len(c.pending) == 1:
        p.drawPoint(QPointF(*c.pending[0]))
    else:
        path = QPainterPath(QPointF(*c.pending[0]))
        for pt in c.pending[1:]:
            path.lineTo(QPointF(*pt))
        p.drawPath(path)
    p.setOpacity(1.0)


def draw_cursor(p: QPainter, at: QPointF, diameter: float) -> None:
    """A brush outline visible on both dark and light pixels (widget coordinates)."""
    if diameter <= 0:
        return
    r = max(diameter / 2, 1.5)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for color, width in ((QColor(0, 0, 0, 160), 3), (QColor(255, 255, 255, 220), 1)):
        p.setPen(QPen(color, width))
        p.drawEllipse(at, r, r)


def draw_welcome(p: QPainter, rect: QRectF) -> None:
    p.setPen(QColor("#9aa0aa"))
    font = p.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    p.setFont(font)
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, WELCOME)


def draw_result(p: QPainter, at: QPointF, result: QImage, lines: QImage) -> None:
    """The result with the line art multiplied over it (the line art alone before a result)."""
    if not result.isNull():
        p.drawImage(at, result)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
    p.drawImage(at, lines)
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)


def draw_split(p: QPainter, sx: float, size: tuple[int, int], zoom: float,
               before: Callable[[], None], after: Callable[[], None]) -> None:
    """The before/after view: ``before`` left of image column ``sx``, ``after`` right of it, and
    a white divider."""
    w, h = size
    p.save()
    p.setClipRect(QRectF(0, 0, sx, h))
    before()
    p.setClipRect(QRectF(sx, 0, w - sx, h))
    after()
    p.restore()
    p.setPen(QPen(QColor("#ffffff"), 2 / zoom))
    p.drawLine(QPointF(sx, 0), QPointF(sx, h))


def colour_at(doc: Document | None, hints: QImage, x: int, y: int) -> tuple[int, int, int] | None:
    """The colour under image point (x, y): the result's colour, else a hint's, else the line art's."""
    if doc is None or not (0 <= x < doc.size[0] and 0 <= y < doc.size[1]):
        return None
    if doc.result is not None:
        return tuple(int(v) for v in doc.result.color[y, x])  # type: ignore[return-value]
    if not hints.isNull():
        c = hints.pixelColor(x, y)
        if c.alpha() > 0:
            return c.red(), c.green(), c.blue()
    return tuple(int(v) for v in doc.lines[y, x])  # type: ignore[return-value]
