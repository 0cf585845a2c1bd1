"""The fill tool segments off the GUI thread; clicks wait for their regions, stale ones drop;
its regions are the API's, cut once per picture and size for both."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThread

from ganime_core.inputs.barriers import Barrier, barrier_mask
from ganime_core.inputs.hints import rasterize
from ganime_core.inputs.lineart import to_line_art
from ganime_core.inputs.page import make_page
from ganime_core.regions.cache import SHARED, content_key
from ganime_desktop.commands import SetBarriersCommand
from ganime_desktop.document import Document
from ganime_desktop.main_window import FINDING_REGIONS
from ganime_desktop.messages import FULL, Job
from ganime_desktop.qt_util import from_qimage
from ganime_desktop.tools import Tool

from .conftest import sketch
from .helpers import drag, line, widget_point

RED, BLUE = (240, 20, 20), (20, 90, 240)
WAIT_MS = 20000  # two shared cores and a training job beside us


@pytest.fixture
def segment_calls(monkeypatch) -> list[tuple[threading.Thread, QThread]]:
    """Record the thread of every real ``segment`` call (the real result is returned): the
    shared segmentation cache (``ganime_core.regions.cache``) is where the fill tool cuts."""
    import ganime_core.regions.cache as core_cache

    real = core_cache.segment
    calls: list[tuple[threading.Thread, QThread]] = []

    def recording(*args, **kwargs):
        calls.append((threading.current_thread(), QThread.currentThread()))
        return real(*args, **kwargs)

    monkeypatch.setattr(core_cache, "segment", recording)
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
    import ganime_core.regions.cache as core_cache

    def broken(*_args, **_kwargs):
        raise MemoryError("no room for the labels")

    monkeypatch.setattr(core_cache, "segment", broken)
    win = make_window()
    bucket(win, RED)
    drag(win.canvas, [(70, 70)])
    qtbot.waitUntil(lambda: bool(prompter.errors), timeout=WAIT_MS)
    title, text = prompter.errors[-1]
    assert title == "Fill region" and "no room for the labels" in text
    assert not win.regions.busy and win.doc.hints == () and win.stack.count() == 0
    assert win.canvas.cursor().shape() == Qt.CursorShape.CrossCursor


# -- one segmentation for the fill tool and the API ------------------------------------------


@pytest.fixture
def segment_shapes(monkeypatch) -> list[tuple[int, int]]:
    """The shape of the line art of every segmentation actually cut (the real one runs)."""
    import ganime_core.regions.cache as core_cache

    real = core_cache.segment
    shapes: list[tuple[int, int]] = []

    def recording(lines, *args, **kwargs):
        shapes.append(tuple(lines.shape))
        return real(lines, *args, **kwargs)

    monkeypatch.setattr(core_cache, "segment", recording)
    return shapes


def fill_and_wait(win, qtbot, x: int, y: int, color: tuple[int, int, int] = RED) -> None:
    bucket(win, color)
    n = win.stack.count()
    drag(win.canvas, [(x, y)])
    qtbot.waitUntil(lambda: win.stack.count() == n + 1, timeout=WAIT_MS)


def the_job(win) -> Job:
    """The request the colorize worker would get for the current document (not sent)."""
    jobs: list[Job] = []
    win.host.submit = lambda job: jobs.append(job) or 1
    win.settings.model_path = str(Path(__file__))  # any file: only the job is looked at
    assert win.colorize() == 1
    return jobs[-1]


@pytest.mark.parametrize("working_size", [256, 128])
def test_the_api_page_reuses_the_fill_tools_segmentation(make_window, qtbot,
                                                          working_size: int) -> None:
    """What ``Colorizer.colorize`` would cut at full size from the worker's job (flats, locked)
    is found in the shared cache after a fill: nothing is cut again, at any working size."""
    win = make_window()
    win.stack.push(SetBarriersCommand(win.doc, (Barrier(((20.0, 60.0), (118.0, 60.0)), 3.0),),
                                      "Barrier stroke"))  # halves the square: part of the key
    fill_and_wait(win, qtbot, 70, 40)
    mask = rasterize(win.doc.hints, *win.doc.size).mask
    assert mask[40, 70] and not mask[90, 70], "the barrier halves the square"
    cut = SHARED.segmented
    filled = win.regions.cache.get(win.regions.key())
    assert cut >= 1 and filled is not None

    job = the_job(win)  # the API's inputs: Colorizer._page(job.image, ..., job.barriers, gap)
    img = job.image
    lines = to_line_art(img)
    height, width = lines.shape
    page = make_page(lines, content_key(img.rgb, img.alpha), working_size,
                     barrier_mask(job.barriers, width, height), job.options.gap)
    assert page.regions_full() is filled, "the very regions the fill tool cut"
    assert SHARED.segmented == cut, "nothing was segmented again"


def test_flats_colorize_and_the_fill_tool_cut_the_full_size_page_once(
        make_window, qtbot, tiny_weights, segment_shapes) -> None:
    """Through the real worker: a flats colorize after a fill cuts only its working size, and a
    fill after a colorize (a new gap) cuts nothing."""
    win = make_window(model=tiny_weights)  # works at 128 px; the sketch is 256 px
    win.settings.color_mode, win.settings.preview_size = "flats", 0  # one pass, at 128 px
    fill_and_wait(win, qtbot, 70, 70)
    assert segment_shapes == [(256, 256)]

    def colorize() -> None:
        with qtbot.waitSignal(win.host.result_ready, timeout=60_000,
                              check_params_cb=lambda out: out.stage == FULL):
            assert win.colorize() > 0

    colorize()
    assert segment_shapes == [(256, 256), (128, 128)], "the full-size page came from the fill tool"
    assert win.doc.result is not None and win.doc.result.flats is not None

    win.set_tool(Tool.HINT)  # no prefetch: the colorize worker cuts first this time
    win.bars.gap_slider.setValue(10)  # a new gap
    colorize()
    assert sorted(segment_shapes[2:]) == [(128, 128), (256, 256)]
    fill_and_wait(win, qtbot, 190, 190, BLUE)  # the circle
    assert len(segment_shapes) == 4, "the fill tool took the colorize worker's regions"
    assert win.prompter.errors == []
