"""The fill tool segments off the GUI thread; clicks wait for their regions, stale ones drop."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QThread

from ganime_core.inputs.hints import rasterize
from ganime_desktop.document import Document
from ganime_desktop.main_window import FINDING_REGIONS
from ganime_desktop.qt_util import from_qimage
from ganime_desktop.tools import Tool

from .conftest import sketch
from .helpers import drag, line, widget_point

RED, BLUE = (240, 20, 20), (20, 90, 240)
WAIT_MS = 20000  # two shared cores and a training job beside us


@pytest.fixture
def segment_calls(monkeypatch) -> list[tuple[threading.Thread, QThread]]:
    """Record the thread of every real ``segment`` call (the real result is returned)."""
    import ganime_core.regions as core_regions

    real = core_regions.segment
    calls: list[tuple[threading.Thread, QThread]] = []

    def recording(*args, **kwargs):
        calls.append((threading.current_thread(), QThread.currentThread()))
        return real(*args, **kwargs)

    monkeypatch.setattr(core_regions, "segment", recording)
    return calls


def bucket(win, color: tuple[int, int, int]) -> None:
    win.set_tool(Tool.BUCKET)
    win._on_color_chosen(color)


def test_click_right_after_import_fills_once_regions_arrive_from_the_worker(
        make_window, qtbot, segment_calls) -> None:
    win = make_window()
    bucket(win, RED)
    win.files.import_array(sketch(1024), None, "big sketch")  # square 20..502, circle at 768
    drag(win.canvas, [(200, 200)])  # at once: its regions cannot be ready yet
    assert win.doc.hints == () and win.regions.busy
    assert win.canvas.cursor().shape() == Qt.CursorShape.BusyCursor
    assert win.statusBar().currentMessage() == FINDING_REGIONS

    qtbot.waitUntil(lambda: bool(win.doc.hints), timeout=WAIT_MS)
    mask = rasterize(win.doc.hints, *win.doc.size).mask
    assert mask[200, 200] and mask[40, 40] and mask[480, 480], "the clicked square is filled"
    assert not mask[768, 768] and not mask[5, 5] and not mask[900, 100]
    assert {s.color for s in win.doc.hints} == {RED}
    assert [win.stack.text(i) for i in range(win.stack.count())] == \
        ["Import big sketch", "Fill region (red)"]
    assert not win.regions.busy
    assert win.canvas.cursor().shape() == Qt.CursorShape.CrossCursor
    assert win.statusBar().currentMessage() != FINDING_REGIONS

    qtbot.wait(200)  # filled once: nothing more arrives
    assert win.stack.count() == 2
    assert segment_calls, "the real segmentation ran"
    for py_thread, qt_thread in segment_calls:
        assert py_thread is not threading.main_thread()
        assert qt_thread is win.regions.worker_thread
    # the regions are cached for hover: a highlight needs no new segmentation
    assert win.regions.ensure() is not None
    assert len(segment_calls) == 1


def test_click_queued_for_old_lines_is_dropped_when_the_lines_change(
        make_window, qtbot, segment_calls) -> None:
    win = make_window()
    win.set_tool(Tool.PEN)
    drag(win.canvas, line(70, 5, 70, 135))  # splits the square (20..118) in two
    bucket(win, RED)
    drag(win.canvas, [(40, 70)])  # the left half, queued behind the segmentation
    assert win.regions.busy
    win.stack.undo()  # the split line goes before the regions arrive
    assert not win.regions.busy and win.regions.dropped == 1
    assert "Fill cancelled" in win.statusBar().currentMessage()
    assert win.canvas.cursor().shape() == Qt.CursorShape.CrossCursor

    win._on_color_chosen(BLUE)
    drag(win.canvas, [(100, 70)])  # a new click on the new lines
    # the worker answers in order: once this fill is in, the stale one has come and gone
    qtbot.waitUntil(lambda: bool(win.doc.hints), timeout=WAIT_MS)
    assert {s.color for s in win.doc.hints} == {BLUE}, "the stale red click never lands"
    mask = rasterize(win.doc.hints, *win.doc.size).mask
    assert mask[70, 40] and mask[70, 100], "the whole square: the split is undone"
    assert [win.stack.text(i) for i in range(win.stack.count())] == ["Fill region (blue)"]
    assert all(t is not threading.main_thread() for t, _ in segment_calls)


def test_click_is_dropped_when_the_document_is_replaced(make_window, qtbot) -> None:
    win = make_window()
    bucket(win, RED)
    drag(win.canvas, [(70, 70)])
    assert win.regions.busy
    win.set_document(Document(sketch(200)), None)
    assert not win.regions.busy
    bucket(win, BLUE)
    drag(win.canvas, [(150, 150)])  # inside the new picture's circle
    qtbot.waitUntil(lambda: bool(win.doc.hints), timeout=WAIT_MS)
    assert {s.color for s in win.doc.hints} == {BLUE}
    assert win.stack.count() == 1


def test_undo_of_a_fill_restores_the_previous_hints_exactly(make_window, qtbot) -> None:
    win = make_window()
    win.set_tool(Tool.HINT)
    win._on_color_chosen((30, 200, 30))
    drag(win.canvas, line(150, 30, 230, 30))
    before = win.doc.hints
    assert len(before) == 1
    bucket(win, RED)
    drag(win.canvas, [(70, 70)])
    qtbot.waitUntil(lambda: len(win.doc.hints) > 1, timeout=WAIT_MS)
    filled = win.doc.hints
    assert filled[:1] == before
    assert win.stack.count() == 2 and win.stack.text(1) == "Fill region (red)"
    win.stack.undo()
    assert win.doc.hints == before
    win.stack.redo()
    assert win.doc.hints == filled


def test_hover_shows_nothing_until_ready_and_prefetch_follows_the_tool(
        make_window, qtbot, segment_calls) -> None:
    win = make_window()
    c = win.canvas
    win.set_tool(Tool.BUCKET)  # picking the tool segments in the background (debounced)
    assert win.regions.hover(70, 70, RED) is None, "nothing until the regions are ready"
    qtbot.mouseMove(c, widget_point(c, 60, 60))  # two moves: one is sure to be an event
    qtbot.mouseMove(c, widget_point(c, 70, 70))
    qtbot.waitUntil(lambda: c.region_shown, timeout=WAIT_MS)  # no second move needed
    square = c._fill.key[1]
    rgba = from_qimage(c._fill.image)
    x0, y0 = int(c._fill.pos.x()), int(c._fill.pos.y())
    assert 15 <= x0 <= 25 and 15 <= y0 <= 25 and rgba.shape[0] < 110, "cropped to its box"
    assert rgba[70 - y0, 70 - x0, 3] > 0
    qtbot.mouseMove(c, widget_point(c, 200, 40))  # the paper around the shapes
    qtbot.waitUntil(lambda: c.region_shown and c._fill.key[1] != square, timeout=WAIT_MS)

    key = win.regions.key()
    win.set_tool(Tool.PEN)
    assert not c.region_shown
    drag(c, line(200, 10, 240, 10))
    assert win.regions.key() != key
    qtbot.wait(400)  # past the debounce: no prefetch while another tool is in use
    assert win.regions.cache.get(win.regions.key()) is None
    assert len(segment_calls) == 1
    assert win.regions.hover(70, 70, RED) is None, "old regions never serve new lines"
    qtbot.waitUntil(lambda: win.regions.hover(70, 70, RED) is not None, timeout=WAIT_MS)
    assert len(segment_calls) == 2  # the hover asked once, and got them
    assert all(t is not threading.main_thread() for t, _ in segment_calls)


def test_shutdown_stops_the_region_thread(make_window) -> None:
    win = make_window()
    bucket(win, RED)
    drag(win.canvas, [(70, 70)])  # work still queued
    win.shutdown()
    assert not win.regions.worker_thread.isRunning()


def test_a_window_destroyed_without_shutdown_stops_the_region_thread(make_window,
                                                                     qtbot) -> None:
    win = make_window(register=False)
    bucket(win, RED)
    drag(win.canvas, [(70, 70)])
    thread = win.regions.worker_thread
    win.host.stop()
    win.deleteLater()  # like a crash: no close, no shutdown
    qtbot.waitUntil(lambda: not thread.isRunning(), timeout=WAIT_MS)


def test_a_failing_segmentation_is_a_message_not_a_stuck_click(make_window, qtbot,
                                                               monkeypatch, prompter) -> None:
    import ganime_core.regions as core_regions

    def broken(*_args, **_kwargs):
        raise MemoryError("no room for the labels")

    monkeypatch.setattr(core_regions, "segment", broken)
    win = make_window()
    bucket(win, RED)
    drag(win.canvas, [(70, 70)])
    qtbot.waitUntil(lambda: bool(prompter.errors), timeout=WAIT_MS)
    title, text = prompter.errors[-1]
    assert title == "Fill region" and "no room for the labels" in text
    assert not win.regions.busy and win.doc.hints == () and win.stack.count() == 0
    assert win.canvas.cursor().shape() == Qt.CursorShape.CrossCursor
