"""Pen, eraser, hint brush, eyedropper, fill, undo: through real mouse and tablet events."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt

from ganime_desktop.tools import Tool

from .helpers import drag, line, tablet_stroke, widget_point


def test_pen_stroke_changes_pixels_and_undo_restores_exactly(make_window) -> None:
    win = make_window()
    before = win.doc.lines.copy()
    win.set_tool(Tool.PEN)
    win.brush.set_size(5)
    drag(win.canvas, line(40, 200, 220, 200))
    after = win.doc.lines.copy()
    assert (after != before).any()
    assert after[200, 130].max() < 80  # ink along the stroke
    assert (after[100:110, 180:190] == before[100:110, 180:190]).all()  # untouched elsewhere
    assert win.stack.count() == 1, "segments of one stroke merge into one undo step"
    assert win.isWindowModified()
    win.stack.undo()
    assert np.array_equal(win.doc.lines, before)
    assert not win.isWindowModified()
    win.stack.redo()
    assert np.array_equal(win.doc.lines, after)
    # what is on screen follows the document
    shown = win.canvas.rendered()
    p = widget_point(win.canvas, 130, 200)
    assert shown[p.y(), p.x(), :3].max() < 100


def test_eraser_and_two_strokes_are_two_undo_steps(make_window) -> None:
    win = make_window()
    original = win.doc.lines.copy()
    win.set_tool(Tool.PEN)
    drag(win.canvas, line(60, 60, 60, 120))
    win.set_tool(Tool.ERASER)
    drag(win.canvas, line(20, 20, 120, 20))  # over the square's top edge
    assert win.stack.count() == 2
    assert win.doc.lines[20, 70].min() > 200  # the line there is gone
    win.stack.undo()
    win.stack.undo()
    assert np.array_equal(win.doc.lines, original)


def test_tablet_pressure_controls_width(make_window) -> None:
    win = make_window()
    win.set_tool(Tool.PEN)
    win.brush.set_size(12)
    for y, pressure in ((180, 1.0), (230, 0.15)):
        tablet_stroke(win.canvas, line(30, y, 200, y, n=17), pressure)

    def ink_height(y: int) -> int:
        col = win.doc.lines[y - 15:y + 15, 120, 0]
        return int((col < 128).sum())

    assert ink_height(180) > ink_height(230) >= 1
    # the pen's eraser end erases, then the pen is a pen again
    tablet_stroke(win.canvas, line(100, 165, 100, 195, n=6), 1.0, eraser_end=True)
    assert win.doc.lines[180, 100].min() > 200 and win.doc.lines[180, 140].max() < 80
    assert win.brush.tool == Tool.PEN
    assert win.stack.count() == 3


def test_hint_stroke_is_data_and_undoable(make_window) -> None:
    win = make_window()
    win.set_tool(Tool.HINT)
    win._on_color_chosen((10, 200, 30))
    drag(win.canvas, line(40, 60, 100, 60))
    assert len(win.doc.hints) == 1
    stroke = win.doc.hints[0]
    assert stroke.color == (10, 200, 30) and not stroke.erase
    assert abs(stroke.points[0][0] - 40) <= 1 and abs(stroke.points[-1][0] - 100) <= 1
    win.set_tool(Tool.HINT_ERASER)
    drag(win.canvas, line(60, 50, 60, 70))
    assert win.doc.hints[-1].erase
    win.clear_hints()
    assert win.doc.hints == ()
    win.stack.undo()
    win.stack.undo()
    assert len(win.doc.hints) == 1


def test_shortcuts_brush_size_and_eyedropper(make_window, qtbot) -> None:
    win = make_window()
    win.canvas.setFocus()
    qtbot.keyClick(win.canvas, Qt.Key.Key_B)
    assert win.brush.tool == Tool.PEN
    size = win.brush.size
    qtbot.keyClick(win.canvas, Qt.Key.Key_BracketRight)
    assert win.brush.size > size
    qtbot.keyClick(win.canvas, Qt.Key.Key_C)  # H shows/hides the hints
    assert win.brush.tool == Tool.HINT
    win.doc.lines[150:160, 150:160] = (200, 100, 50)
    qtbot.keyClick(win.canvas, Qt.Key.Key_I)
    assert win.brush.tool == Tool.EYEDROPPER
    drag(win.canvas, [(155, 155)])
    assert win.brush.color == (200, 100, 50)
    assert "Ctrl+Z" in win.actions_by_name["undo"].toolTip()


def test_zoom_keeps_point_under_cursor(make_window) -> None:
    win = make_window()
    c = win.canvas
    before = c.image_pos(300, 250)
    c.zoom_by(2.0, QPointF(300, 250))
    after = c.image_pos(300, 250)
    assert abs(before[0] - after[0]) < 1e-6 and abs(before[1] - after[1]) < 1e-6
    c.fit()
    w, h = win.doc.size
    x0, y0 = c.vp.to_widget(0, 0)
    x1, y1 = c.vp.to_widget(w, h)
    assert x0 >= 0 and y0 >= 0 and x1 <= c.width() and y1 <= c.height()


def test_bucket_fills_one_region_as_hint_strokes(make_window, qtbot) -> None:
    win = make_window()
    win.set_tool(Tool.BUCKET)
    win._on_color_chosen((240, 20, 20))
    win.set_tool(Tool.BUCKET)
    drag(win.canvas, [(70, 70)])  # inside the square
    qtbot.waitUntil(lambda: bool(win.doc.hints), timeout=10000)  # segmented off-thread
    from ganime_core.inputs.hints import rasterize

    raster = rasterize(win.doc.hints, *win.doc.size)
    assert raster.mask[70, 70] and raster.mask[30, 30]
    assert not raster.mask[200, 40], "the fill stays inside the square"
    assert not raster.mask[5, 5]
    win.stack.undo()
    assert win.doc.hints == ()


def test_incremental_hint_overlay_matches_a_full_rasterize() -> None:
    from ganime_core.inputs.hints import Stroke, rasterize
    from ganime_desktop.hint_overlay import HintOverlay

    rng = np.random.default_rng(3)
    ov = HintOverlay()
    strokes: tuple[Stroke, ...] = ()
    incremental = 0
    for i in range(25):
        n = int(rng.integers(1, 6))
        lo, hi = (-10, 130) if i % 3 == 0 else (15, 75)  # some strokes cross the edge
        pts = tuple((float(x), float(y)) for x, y in rng.uniform(lo, hi, (n, 2)))
        strokes += (Stroke(points=pts, color=tuple(int(c) for c in rng.integers(0, 256, 3)),
                           width=float(rng.uniform(1, 15)), erase=i % 5 == 4),)
        incremental += not ov.update(strokes, 120, 90)
        assert np.array_equal(ov.rgba, rasterize(strokes, 120, 90).to_rgba())
    assert incremental > 3, "strokes inside the picture are drawn in their own box"
    assert ov.update(strokes[:10], 120, 90)  # undo: a rebuild
    assert np.array_equal(ov.rgba, rasterize(strokes[:10], 120, 90).to_rgba())
