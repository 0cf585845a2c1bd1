"""Issue 24.1: a press outside the picture changes nothing; a stroke that leaves it is clipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ganime_desktop.clipping import clip_polyline
from ganime_desktop.tools import Tool

from .helpers import drag, line, widget_point


def watched(win) -> list:
    """Colorize requests the window sends (Auto on, any file as the model)."""
    jobs: list = []
    win.host.submit = lambda job: jobs.append(job) or len(jobs)
    win.settings.model_path = str(Path(__file__))
    win.settings.auto_regen = True
    return jobs


def on_canvas(win, x: float, y: float) -> bool:
    p = widget_point(win.canvas, x, y)
    return win.canvas.rect().contains(p)


def off_picture(win) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """A point and a stroke on the canvas's grey margin, off the picture (image coordinates)."""
    c = win.canvas
    c.zoom_by(0.6)  # room around the picture on every side
    w, h = win.doc.size
    x0, y0 = c.vp.to_image(4, 4)  # near the canvas's top left corner
    assert x0 < -10 and y0 < -10
    return (x0 + 4, h / 2), line(x0 + 2, y0 + 2, x0 + 2 + 0.8 * w, y0 + 4, 8)


@pytest.mark.parametrize("tool", [Tool.HINT, Tool.HINT_ERASER, Tool.PEN, Tool.ERASER,
                                  Tool.BARRIER, Tool.BUCKET, Tool.EYEDROPPER])
def test_a_click_outside_the_picture_changes_nothing(make_window, qtbot, tool) -> None:
    win = make_window()
    jobs = watched(win)
    win.set_tool(tool)
    point, stroke = off_picture(win)
    assert on_canvas(win, *point) and on_canvas(win, *stroke[-1])
    lines, rev, color = win.doc.lines.copy(), win.doc.revision, win.brush.color
    drag(win.canvas, [point])  # a click
    drag(win.canvas, stroke)  # a stroke that never touches the picture
    qtbot.wait(200)  # the auto-regenerate timer would have fired
    assert win.stack.count() == 0 and not win.session.modified
    assert win.doc.hints == () and win.doc.barriers == () and win.doc.revision == rev
    assert np.array_equal(win.doc.lines, lines)
    assert jobs == [] and not win.regions.busy
    assert win.brush.color == color  # the eyedropper picked nothing
    assert not win.isWindowModified()


def test_a_hint_stroke_that_leaves_the_picture_is_clipped_to_it(make_window) -> None:
    win = make_window()
    win.set_tool(Tool.HINT)
    w, h = win.doc.size
    drag(win.canvas, line(200, 60, 320, 60))  # runs off the right edge
    assert win.stack.count() == 1
    (stroke,) = win.doc.hints
    xs = [x for x, _ in stroke.points]
    assert min(xs) >= 199 and max(xs) < w and max(xs) > w - 1.5  # ends on the edge
    assert all(0 <= y < h for _, y in stroke.points)


def test_a_stroke_that_leaves_and_comes_back_is_two_pieces_in_one_undo_step(make_window) -> None:
    win = make_window()
    win.set_tool(Tool.HINT)
    w, _ = win.doc.size
    drag(win.canvas, line(200, 40, 300, 100, 8) + line(300, 100, 200, 160, 8)[1:])
    assert win.stack.count() == 1
    assert len(win.doc.hints) == 2
    for s in win.doc.hints:
        assert all(0 <= x < w for x, _ in s.points)
    win.stack.undo()
    assert win.doc.hints == ()


def test_a_stroke_that_starts_outside_paints_from_the_edge(make_window) -> None:
    win = make_window()
    win.set_tool(Tool.HINT)
    drag(win.canvas, line(-50, 128, 60, 128))
    (stroke,) = win.doc.hints
    assert stroke.points[0][0] == pytest.approx(0.0, abs=0.01)
    assert stroke.points[-1][0] == pytest.approx(60.0, abs=1.0)


def test_a_pen_stroke_off_the_picture_paints_only_inside(make_window) -> None:
    win = make_window()
    win.set_tool(Tool.PEN)
    before = win.doc.lines.copy()
    drag(win.canvas, line(-50, 200, 100, 200))
    assert win.stack.count() == 1  # one stroke, its segments merged
    changed = np.argwhere((win.doc.lines != before).any(axis=2))
    assert len(changed) and changed[:, 1].min() == 0 and changed[:, 1].max() <= 103
    win.stack.undo()
    assert np.array_equal(win.doc.lines, before)


def test_a_barrier_that_leaves_the_picture_is_clipped(make_window) -> None:
    win = make_window()
    QTest.keyClick(win, Qt.Key.Key_B, Qt.KeyboardModifier.ShiftModifier)
    assert win.brush.tool == Tool.BARRIER
    _, h = win.doc.size
    drag(win.canvas, line(100, 200, 100, 330))
    (barrier,) = win.doc.barriers
    assert all(0 <= y < h for _, y in barrier.points) and barrier.points[-1][1] > h - 1.5


def test_clipping_keeps_pressure_at_the_edge() -> None:
    (piece,) = clip_polyline([(-10.0, 5.0), (10.0, 5.0)], [0.0, 1.0], 100, 100)
    points, pressures = piece
    assert points == [(0.0, 5.0), (10.0, 5.0)]
    assert pressures == pytest.approx([0.5, 1.0])
    assert clip_polyline([(-1.0, -1.0)], [1.0], 10, 10) == []
    assert clip_polyline([(3.0, 3.0)], [1.0], 10, 10) == [([(3.0, 3.0)], [1.0])]
