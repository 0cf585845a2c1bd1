"""Drive the canvas like a user: strokes in image coordinates."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest


def widget_point(canvas, x: float, y: float) -> QPoint:
    wx, wy = canvas.vp.to_widget(x, y)
    return QPoint(int(round(wx)), int(round(wy)))


def drag(canvas, points: list[tuple[float, float]]) -> None:
    """A left-button drag through image points (press, moves, release)."""
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     widget_point(canvas, *points[0]))
    for p in points[1:]:
        QTest.mouseMove(canvas, widget_point(canvas, *p))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       widget_point(canvas, *points[-1]))


def line(x0: float, y0: float, x1: float, y1: float, n: int = 12) -> list[tuple[float, float]]:
    return [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(n + 1)]


def tablet_stroke(canvas, points: list[tuple[float, float]], pressure: float,
                  eraser_end: bool = False) -> None:
    """A pen stroke as QTabletEvents (press, moves, release) with a fixed pressure."""
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
    from PySide6.QtWidgets import QApplication

    kind = QPointingDevice.PointerType.Eraser if eraser_end else QPointingDevice.PointerType.Pen
    dev = QPointingDevice("fake-pen", 1, QInputDevice.DeviceType.Stylus, kind,
                          QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
                          1, 3)
    types = [QEvent.Type.TabletPress] + [QEvent.Type.TabletMove] * (len(points) - 2) \
        + [QEvent.Type.TabletRelease]
    for t, (x, y) in zip(types, points, strict=True):
        pos = QPointF(widget_point(canvas, x, y))
        ev = QTabletEvent(t, dev, pos, canvas.mapToGlobal(pos), pressure, 0.0, 0.0, 0.0, 0.0,
                          0.0, Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton,
                          Qt.MouseButton.LeftButton)
        QApplication.sendEvent(canvas, ev)
