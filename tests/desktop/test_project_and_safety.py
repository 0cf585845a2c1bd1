"""Projects round-trip exactly; unsaved changes prompt; autosave recovers; bad files never crash."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from ganime_core.inputs.hints import Stroke
from ganime_desktop.commands import add_hint
from ganime_desktop.document import Document, ResultImages
from ganime_desktop.project_io import ProjectError, load_project, save_project
from ganime_desktop.recovery import find_orphans
from ganime_desktop.tools import Tool

from .helpers import drag, line


def paint_something(win) -> None:
    win.set_tool(Tool.PEN)
    drag(win.canvas, line(30, 220, 200, 160))
    win.set_tool(Tool.HINT)
    win._on_color_chosen((12, 34, 200))
    drag(win.canvas, line(40, 60, 110, 90, n=7))
    win.stack.push(add_hint(win.doc, Stroke(points=((70.5, 70.25), (80.0, 75.0)),
                                            color=(250, 1, 2), width=6.5,
                                            pressures=(0.25, 0.75))))


def test_project_save_open_round_trips_exactly(make_window, tmp_path: Path, prompter) -> None:
    win = make_window()
    paint_something(win)
    win.doc.set_result(ResultImages(np.full((256, 256, 3), 99, np.uint8),
                                    np.full((256, 256, 3), 120, np.uint8), win.doc.revision))
    lines, hints = win.doc.lines.copy(), win.doc.hints
    prompter.save_path = str(tmp_path / "art")  # the suffix is added
    assert win.files.save()
    path = tmp_path / "art.ganime"
    assert path.is_file() and win.path == path
    assert not win.isWindowModified() and "art.ganime" in win.windowTitle()
    other = make_window()
    assert other.files.open_path(path)
    assert np.array_equal(other.doc.lines, lines)
    assert other.doc.hints == hints  # every point, colour, width and pressure
    assert other.doc.result is not None and int(other.doc.result.image[0, 0, 0]) == 99
    assert str(path.resolve()) in other.settings.recent_files
    with zipfile.ZipFile(path) as zf:
        assert {"manifest.json", "lines.png", "hints.json", "result.png",
                "palette.gpl"} <= set(zf.namelist())


def test_alpha_survives_a_project(tmp_path: Path) -> None:
    alpha = np.zeros((32, 48), np.uint8)
    alpha[8:24, 8:40] = 255
    doc = Document(np.full((32, 48, 3), 255, np.uint8), alpha)
    save_project(tmp_path / "a.ganime", doc)
    back = load_project(tmp_path / "a.ganime").doc
    assert np.array_equal(back.alpha, alpha) and back.size == (48, 32)


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04broken"])
def test_corrupt_project_is_a_message(make_window, tmp_path: Path, prompter,
                                      content: bytes) -> None:
    bad = tmp_path / "bad.ganime"
    bad.write_bytes(content)
    with pytest.raises(ProjectError):
        load_project(bad)
    win = make_window()
    assert not win.files.open_path(bad)
    assert prompter.errors and "bad.ganime" in prompter.errors[-1][1]


def test_corrupt_image_is_a_message_and_app_keeps_running(make_window, tmp_path: Path,
                                                          prompter) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    win = make_window()
    before = win.doc.lines.copy()
    assert not win.files.open_path(bad)
    win.files.import_path(bad)
    assert len(prompter.errors) == 2 and "broken.png" in prompter.errors[0][1]
    assert np.array_equal(win.doc.lines, before)
    win.set_tool(Tool.PEN)
    drag(win.canvas, line(10, 10, 50, 50))
    assert win.stack.count() == 1


def test_import_is_undoable(make_window, samples_dir: Path) -> None:
    win = make_window()
    before = win.doc.lines.copy()
    win.files.import_path(samples_dir / "lineart_1.png")
    assert win.doc.size == (500, 469)
    win.stack.undo()
    assert np.array_equal(win.doc.lines, before)


def test_closing_with_unsaved_changes_prompts(make_window, prompter, tmp_path: Path) -> None:
    win = make_window()
    assert win.close()  # nothing changed: no question
    assert prompter.asked == []
    win = make_window()
    paint_something(win)
    prompter.answers["save_discard_cancel"] = "cancel"
    assert not win.close()
    assert prompter.asked == ["Unsaved changes"] and win.isVisible()
    prompter.answers["save_discard_cancel"] = "save"
    prompter.save_path = str(tmp_path / "kept.ganime")
    assert win.close()
    assert (tmp_path / "kept.ganime").is_file()
    assert not win.host.worker_thread.isRunning()


def test_autosave_recovery_after_the_window_dies(make_window, qtbot, tmp_path: Path,
                                                 prompter) -> None:
    rec = tmp_path / "rec"
    win = make_window(recovery=rec, register=False)
    paint_something(win)
    lines, hints = win.doc.lines.copy(), win.doc.hints
    assert win.files.autosave()
    assert not win.files.autosave(), "nothing new to autosave"
    assert find_orphans(rec) == [], "a live window's autosave is not an orphan"
    # the window is destroyed without saving or closing (like a crash)
    win.host.stop()
    win.deleteLater()
    qtbot.waitUntil(lambda: len(find_orphans(rec)) == 1, timeout=5000)
    user_files = list(tmp_path.glob("*.ganime"))
    assert user_files == [], "autosave never writes outside the recovery folder"
    fresh = make_window(recovery=rec)
    assert fresh.files.check_recovery()
    assert np.array_equal(fresh.doc.lines, lines) and fresh.doc.hints == hints
    assert fresh.isWindowModified() and fresh.path is None
    assert find_orphans(rec) == []
    # a clean close leaves nothing behind
    prompter.answers["save_discard_cancel"] = "discard"
    fresh.files.autosave()
    assert fresh.close()
    assert list(rec.glob("autosave-*")) == []


def test_saving_clears_the_autosave(make_window, tmp_path: Path, prompter) -> None:
    rec = tmp_path / "rec"
    win = make_window(recovery=rec)
    paint_something(win)
    assert win.files.autosave() and list(rec.glob("autosave-*.ganime"))
    prompter.save_path = str(tmp_path / "mine.ganime")
    assert win.files.save()
    assert list(rec.glob("autosave-*")) == []
    assert not win.files.autosave(), "nothing unsaved"
