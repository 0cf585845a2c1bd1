"""What the canvas shows matches the document: fill undo, hover highlight, hint visibility."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ganime_core.inputs.hints import Stroke
from ganime_desktop.commands import add_hint
from ganime_desktop.tools import Tool

from .helpers import drag, line, widget_point

RED, GREEN = (240, 20, 20), (30, 200, 30)
WAIT_MS = 20000


def hover(win, x: float, y: float) -> None:
    """Two pointer moves (one alone may not become an event)."""
    c = win.canvas
    QTest.mouseMove(c, widget_point(c, x - 1, y - 1))
    QTest.mouseMove(c, widget_point(c, x, y))


def differing(a: np.ndarray, b: np.ndarray) -> int:
    return int((np.abs(a.astype(int) - b).max(axis=2) > 0).sum())


def test_undo_of_a_fill_restores_the_canvas_pixels_exactly(make_window, qtbot) -> None:
    win = make_window()
    c = win.canvas
    win.set_tool(Tool.HINT)
    win._on_color_chosen(GREEN)
    drag(c, line(150, 30, 230, 30))  # an earlier hint: the undo must keep it, outline and all
    earlier = win.doc.hints
    win.set_tool(Tool.BUCKET)
    win._on_color_chosen(RED)
    base = c.rendered()  # the fill tool draws no brush ring; nothing hovered yet
    hover(win, 70, 70)
    qtbot.waitUntil(lambda: c.region_shown, timeout=WAIT_MS)
    hovered = c.rendered()
    assert differing(hovered, base) > 1000, "the highlight is on screen"

    drag(c, [(70, 70)])
    qtbot.waitUntil(lambda: len(win.doc.hints) > len(earlier), timeout=WAIT_MS)
    filled = c.rendered()
    assert differing(filled, base) > 1000
    win.stack.undo()
    assert win.doc.hints == earlier
    assert differing(c.rendered(), base) == 0, "no trace of the fill (nor its highlight) is left"
    hover(win, 71, 71)  # back over the region: the same highlight as before the click
    qtbot.waitUntil(lambda: c.region_shown, timeout=WAIT_MS)
    assert differing(c.rendered(), hovered) == 0
    win.stack.redo()
    assert differing(c.rendered(), filled) == 0


def test_fill_highlight_clears_when_the_pointer_leaves_or_a_menu_opens(make_window,
                                                                       qtbot) -> None:
    win = make_window()
    c = win.canvas
    win.set_tool(Tool.BUCKET)
    win._on_color_chosen(RED)
    base = c.rendered()
    hover(win, 70, 70)
    qtbot.waitUntil(lambda: c.region_shown, timeout=WAIT_MS)
    assert differing(c.rendered(), base) > 1000

    QApplication.sendEvent(c, QEvent(QEvent.Type.Leave))
    assert not c.region_shown
    assert differing(c.rendered(), base) == 0

    hover(win, 72, 72)
    qtbot.waitUntil(lambda: c.region_shown, timeout=WAIT_MS)
    menu = win.menuBar().actions()[0].menu()  # File
    menu.popup(c.mapToGlobal(QPoint(10, 10)))
    qtbot.waitUntil(menu.isVisible, timeout=5000)
    assert not c.region_shown
    assert differing(c.rendered(), base) == 0
    menu.hide()


def test_h_toggles_the_hint_layer_and_hints_keep_an_outline(make_window, qtbot) -> None:
    win = make_window()
    c = win.canvas
    bare = c.rendered()
    win.stack.push(add_hint(win.doc, Stroke(((60, 160), (110, 160)), (250, 250, 250), 12)))
    shown = c.rendered()
    x, y = (int(v) for v in win.canvas.vp.to_widget(85, 160))
    assert differing(shown, bare) > 0
    # a near-white hint on white paper is still visible: its outline is dark
    ring = shown[y - 20:y + 20, x - 40:x + 40, :3].astype(int)
    assert ring.min() < 80 and bare[y - 20:y + 20, x - 40:x + 40, :3].min() > 200

    assert win.actions_by_name["show_hints"].isChecked()
    qtbot.keyClick(c, Qt.Key.Key_H)
    assert not c.show_hints and not win.actions_by_name["show_hints"].isChecked()
    assert differing(c.rendered(), bare) == 0
    qtbot.keyClick(c, Qt.Key.Key_H)
    assert c.show_hints and differing(c.rendered(), shown) == 0
    assert win.brush.tool == Tool.HINT, "H only shows/hides hints; the hint brush is C"
    win.set_tool(Tool.PEN)
    qtbot.keyClick(c, Qt.Key.Key_C)
    assert win.brush.tool == Tool.HINT


def test_hint_opacity_slider_changes_the_hint_layer_and_is_remembered(make_window,
                                                                      store) -> None:
    win = make_window()
    c = win.canvas
    win.stack.push(add_hint(win.doc, Stroke(((60, 160), (110, 160)), (20, 90, 240), 14)))
    x, y = (int(v) for v in c.vp.to_widget(85, 160))
    win.bars.hint_opacity_box.setValue(100)
    full = c.rendered()[y, x, :3].astype(int)
    win.bars.hint_opacity_box.setValue(20)
    faint = c.rendered()[y, x, :3].astype(int)
    assert abs(full - (20, 90, 240)).max() <= 3, "100 %: the hint colour itself"
    assert faint.min() > 180, "20 %: mostly the paper under it"
    assert int(store.value("view/hint_opacity")) == 20
    win2 = make_window()
    assert win2.bars.hint_opacity_box.value() == 20 and abs(win2.canvas.hint_opacity - 0.2) < 1e-6
