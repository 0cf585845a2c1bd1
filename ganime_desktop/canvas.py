"""The canvas widget: shows lines, hints and result; turns pointer events into tool calls.

No editing logic lives here: strokes go to :class:`tools.ToolController`, the zoom and pan
arithmetic is :class:`viewport.Viewport`, and the pictures it shows (line art, hints, result,
overlays), kept in step with the document, are :class:`canvas_layers.CanvasLayers`: the canvas
places their panels (view mode, zoom, split) and turns pointer events into tool calls.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPointingDevice,
    QTabletEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from .canvas_layers import CanvasLayers, Look
from .canvas_paint import (
    HINT_OPACITY,
    colour_at,
    draw_cursor,
    draw_pending,
    draw_split,
    draw_welcome,
)
from .document import Document
from .fill_highlight import FillHighlight, HoverFn
from .tools import Tool, ToolController
from .viewport import ZOOM_STEP, Viewport

BACKGROUND = QColor("#4a4d55")
GAP = 24  # image pixels between the panels of the side-by-side view


class ViewMode(StrEnum):
    RESULT = "result"
    SPLIT = "split"
    SIDE = "side"


class Canvas(QWidget):
    zoom_changed = Signal(float)
    frame_painted = Signal()  # after every paint (benchmarks measure stroke-to-screen with it)
    cursor_moved = Signal(int, int)
    hover_cleared = Signal()  # the pointer left, or a menu opened: hover highlights go

    def __init__(self, controller: ToolController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.doc: Document | None = None
        self.vp = Viewport()
        self.mode = ViewMode.RESULT
        self.split = 0.5
        self.show_hints = True
        self.hint_opacity = HINT_OPACITY
        self.layers = CanvasLayers()
        self._pan_from: QPointF | None = None
        self._space = False
        self._drag_split = False
        self._restore_tool: Tool | None = None
        self._mouse: QPointF | None = None
        # the fill tool's hover: the region key under the pointer comes from ``region_hover``;
        # its picture arrives later through :meth:`show_region`
        self.region_hover: HoverFn | None = None
        self._fill = FillHighlight()
        self.hover_overlay: tuple[QPointF, QImage] | None = None  # the hint brush's part (part_hover)
        self._auto_fit = True  # keep fitting on resize until the user zooms or pans
        self._blank_key: tuple[int, int] | None = None
        self._blank = False
        self._busy = False
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(320, 240)

    # -- document --------------------------------------------------------------------------------

    def set_document(self, doc: Document) -> None:
        if self.doc is not None:
            self.doc.unsubscribe(self._on_doc)
        self.doc = doc
        doc.subscribe(self._on_doc)
        for kind in ("image", "hints", "result"):
            self._on_doc(kind)
        self.fit()

    def _on_doc(self, kind: str) -> None:
        doc = self.doc
        if doc is None:
            return
        if kind in ("lines", "image", "hints", "barriers", "gap"):
            # the highlighted region may be gone, or its colour is now a hint (or an undone one):
            # the next pointer move asks again
            self._fill.forget()
        self.layers.follow(doc, kind)
        self.update()

    def set_mode(self, mode: ViewMode) -> None:
        self.mode = ViewMode(mode)
        self.fit()

    def set_show_hints(self, show: bool) -> None:
        self.show_hints = bool(show)
        self.update()

    def set_hint_opacity(self, opacity: float) -> None:
        self.hint_opacity = min(1.0, max(0.0, float(opacity)))
        self.update()

    def set_region_preview(self, image: QImage | None) -> None:
        """Lay the regions (distinct translucent colours, RGBA of the picture's size) over the
        picture while the gap slider moves; None takes them away."""
        self.layers.regions_preview = QImage() if image is None else image
        self.update()

    @property
    def region_preview_shown(self) -> bool:
        return not self.layers.regions_preview.isNull()

    @property
    def barriers_shown(self) -> bool:
        """Barriers show with the hints (H), and always while the barrier tool is in hand."""
        return self.show_hints or self.controller.brush.tool == Tool.BARRIER

    def clear_hover(self) -> None:
        """Forget the pointer: no brush ring, no fill highlight (it left, or a menu opened)."""
        self._mouse = None
        self._fill.forget()
        self.hover_cleared.emit()
        self.update()

    # -- view --------------------------------------------------------------------------------------

    def content_size(self) -> tuple[int, int]:
        if self.doc is None:
            return 1, 1
        w, h = self.doc.size
        return (2 * w + GAP, h) if self.mode == ViewMode.SIDE else (w, h)

    def fit(self) -> None:
        self.vp.fit(self.width(), self.height(), *self.content_size())
        self._auto_fit = True
        self.zoom_changed.emit(self.vp.zoom)
        self.update()

    def actual_size(self) -> None:
        self.vp.actual(self.width(), self.height(), *self.content_size())
        self._auto_fit = False
        self.zoom_changed.emit(self.vp.zoom)
        self.update()

    def zoom_by(self, factor: float, at: QPointF | None = None) -> None:
        at = at or QPointF(self.width() / 2, self.height() / 2)
        self.vp.zoom_at(factor, at.x(), at.y())
        self._auto_fit = False
        self.zoom_changed.emit(self.vp.zoom)
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self._auto_fit:
            self.fit()
        super().resizeEvent(event)

    def image_pos(self, wx: float, wy: float) -> tuple[float, float]:
        x, y = self.vp.to_image(wx, wy)
        if self.mode == ViewMode.SIDE and self.doc is not None:
            w = self.doc.size[0]
            if x > w + GAP / 2:
                x -= w + GAP
        return x, y

    def sample(self, x: int, y: int) -> tuple[int, int, int] | None:
        """The colour under an image point: result colour, else hint, else line art."""
        return colour_at(self.doc, self.layers.hints, x, y)

    # -- painting -------------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        if self.doc is None or self.layers.lines.isNull():
            return
        w, h = self.doc.size
        look = self._look()
        layers = self.layers
        p.save()
        p.translate(self.vp.ox, self.vp.oy)
        p.scale(self.vp.zoom, self.vp.zoom)
        if self.vp.zoom < 1:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self.mode == ViewMode.RESULT:
            layers.draw_after(p, 0)
            layers.draw_hints(p, 0, look)
            layers.draw_overlays(p, 0, look)
            if self.region_shown:
                p.drawImage(self._fill.pos, self._fill.image)
            if self.hover_overlay is not None and self.controller.brush.tool == Tool.HINT:
                p.drawImage(*self.hover_overlay)
        elif self.mode == ViewMode.SPLIT:
            draw_split(p, self.split * w, (w, h), self.vp.zoom,
                       lambda: layers.draw_before(p, 0, look), lambda: layers.draw_after(p, 0))
        else:
            layers.draw_before(p, 0, look)
            layers.draw_after(p, w + GAP)
        draw_pending(p, self.controller, self.vp.zoom)
        p.restore()
        if self._is_blank():
            x0, y0 = self.vp.to_widget(0, 0)
            x1, y1 = self.vp.to_widget(w, h)
            draw_welcome(p, QRectF(x0, y0, x1 - x0, y1 - y0))
        if self._mouse is not None and self._pan_from is None:
            draw_cursor(p, self._mouse, self.controller.brush.size * self.vp.zoom)
        p.end()
        self.frame_painted.emit()

    def _is_blank(self) -> bool:
        doc = self.doc
        if doc is None or doc.hints or doc.result is not None:
            return False
        key = (id(doc), doc.lines_rev)
        if key != self._blank_key:
            self._blank_key, self._blank = key, doc.is_blank()
        return self._blank

    def _look(self) -> Look:
        """How this frame shows the layers: hints (H), their opacity, the barriers if shown."""
        barriers = self.doc.barriers if self.doc is not None and self.barriers_shown else ()
        return Look(self.show_hints, self.hint_opacity, barriers, self.vp.zoom, self.size())

    # -- input ------------------------------------------------------------------------------------------

    def _near_split(self, pos: QPointF) -> bool:
        if self.mode != ViewMode.SPLIT or self.doc is None:
            return False
        sx, _ = self.vp.to_widget(self.split * self.doc.size[0], 0)
        return abs(pos.x() - sx) <= 6

    def mousePressEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        pos = e.position()
        if e.button() == Qt.MouseButton.MiddleButton or (
                e.button() == Qt.MouseButton.LeftButton and self._space):
            self._pan_from = pos
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif e.button() == Qt.MouseButton.LeftButton and self._near_split(pos):
            self._drag_split = True
        elif e.button() == Qt.MouseButton.LeftButton:
            self.controller.press(*self.image_pos(pos.x(), pos.y()), region=_alt(e))
            self.update()
        e.accept()

    def mouseMoveEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        pos = e.position()
        self._mouse = pos
        ix, iy = self.image_pos(pos.x(), pos.y())
        self.cursor_moved.emit(int(ix), int(iy))
        if self._pan_from is not None:
            d = pos - self._pan_from
            self.vp.pan(d.x(), d.y())
            self._pan_from = pos
            self._auto_fit = False
        elif self._drag_split and self.doc is not None:
            x, _ = self.vp.to_image(pos.x(), pos.y())
            self.split = min(1.0, max(0.0, x / self.doc.size[0]))
        elif e.buttons() & Qt.MouseButton.LeftButton:
            self.controller.move(ix, iy)
        elif self.controller.brush.tool == Tool.BUCKET:
            self._update_region(int(ix), int(iy))
        self.update()

    def _update_region(self, x: int, y: int) -> None:
        """Highlight the region the fill tool would fill (cheap: the picture is made off-thread)."""
        doc = self.doc
        if doc is None or self.region_hover is None:
            return
        if 0 <= x < doc.size[0] and 0 <= y < doc.size[1]:
            self._fill.ask(self.region_hover, x, y, self.controller.brush.color)
        else:
            self._fill.forget()

    def show_region(self, key: tuple, image: QImage, x: int, y: int) -> None:
        """A region's highlight picture (RGBA, its box at ``x, y``) has been drawn."""
        if self._fill.arrived(key, image, x, y):
            self.update()

    @property
    def region_shown(self) -> bool:
        return self.controller.brush.tool == Tool.BUCKET and self._fill.ready

    def refresh_region(self) -> None:
        """Redo the fill highlight under the pointer (the regions just became ready)."""
        if self._mouse is None or self.controller.brush.tool != Tool.BUCKET:
            return
        ix, iy = self.image_pos(self._mouse.x(), self._mouse.y())
        self._update_region(int(ix), int(iy))
        self.update()

    def set_busy(self, busy: bool) -> None:
        """A busy cursor while a fill click waits for its regions (the GUI stays live)."""
        if busy != self._busy:
            self._busy = busy
            self.restore_cursor()

    def restore_cursor(self) -> None:
        """The tool's cursor: busy while a fill waits, an open hand while space is held."""
        if self._busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor if self._space
                           else Qt.CursorShape.CrossCursor)

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        pos = e.position()
        if self._pan_from is not None and e.button() in (Qt.MouseButton.MiddleButton,
                                                         Qt.MouseButton.LeftButton):
            self._pan_from = None
            self.restore_cursor()
        elif self._drag_split:
            self._drag_split = False
        elif e.button() == Qt.MouseButton.LeftButton:
            self.controller.release(*self.image_pos(pos.x(), pos.y()), region=_alt(e))
        self.update()

    def tabletEvent(self, e: QTabletEvent) -> None:  # noqa: N802
        if self._space or self._pan_from is not None:
            e.ignore()  # Qt synthesizes mouse events: pan as with a mouse
            return
        pos = e.position()
        x, y = self.image_pos(pos.x(), pos.y())
        pressure = float(e.pressure())
        eraser = e.pointerType() == QPointingDevice.PointerType.Eraser
        t = e.type()
        brush = self.controller.brush
        if t == QTabletEvent.Type.TabletPress:
            flip = {Tool.PEN: Tool.ERASER, Tool.HINT: Tool.HINT_ERASER}
            if eraser and brush.tool in flip:  # the pen's eraser end, for this stroke
                self._restore_tool, brush.tool = brush.tool, flip[brush.tool]
            self.controller.press(x, y, pressure, tablet=True, region=_alt(e))
        elif t == QTabletEvent.Type.TabletMove:
            self._mouse = pos
            if self.controller.active:
                self.controller.move(x, y, pressure)
        elif t == QTabletEvent.Type.TabletRelease:
            self.controller.release(x, y, pressure, region=_alt(e))
            if self._restore_tool is not None:
                brush.tool, self._restore_tool = self._restore_tool, None
        e.accept()
        self.update()

    def wheelEvent(self, e: QWheelEvent) -> None:  # noqa: N802
        dy = e.angleDelta().y()
        if dy:
            self.zoom_by(ZOOM_STEP ** (dy / 120), e.position())
        e.accept()

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802
        if e.key() == Qt.Key.Key_Space and not e.isAutoRepeat():
            self._space = True
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            return
        super().keyPressEvent(e)

    def keyReleaseEvent(self, e: QKeyEvent) -> None:  # noqa: N802
        if e.key() == Qt.Key.Key_Space and not e.isAutoRepeat():
            self._space = False
            self._pan_from = None
            self.restore_cursor()
            return
        super().keyReleaseEvent(e)

    def leaveEvent(self, e) -> None:  # noqa: N802
        self.clear_hover()

    def focusOutEvent(self, e) -> None:  # noqa: N802
        if e.reason() == Qt.FocusReason.PopupFocusReason:  # a menu opened over the canvas
            self.clear_hover()
        super().focusOutEvent(e)

    def rendered(self) -> np.ndarray:
        """What the canvas shows now, as RGBA (for tests and benchmarks)."""
        from .qt_util import from_qimage

        return from_qimage(self.grab().toImage())


def _alt(e: QMouseEvent | QTabletEvent) -> bool:
    """Alt is held: the hint stroke colours only its regions (stroke_spread)."""
    return bool(e.modifiers() & Qt.KeyboardModifier.AltModifier)
