"""Issue 24.2: importing a picture while a project is open asks what it is for; replacing the
sketch is one undo step (hints kept or dropped); the title and the save prompt say it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ganime_core.inputs.hints import Stroke
from ganime_desktop.commands import add_hint
from ganime_desktop.project_io import load_project

from .conftest import sketch


@pytest.fixture
def other_picture(tmp_path: Path) -> Path:
    img = sketch(256)
    cv2.line(img, (10, 240), (240, 10), (0, 0, 0), 3)  # not the project's sketch
    path = tmp_path / "other.png"
    cv2.imwrite(str(path), img[..., ::-1])
    return path


HINT = Stroke(points=((60.0, 60.0), (90.0, 70.0)), color=(200, 40, 40), width=8.0)


def project_window(make_window, tmp_path: Path):
    win = make_window()
    win.stack.push(add_hint(win.doc, HINT, "Hint stroke"))
    assert win.files.save_to(tmp_path / "p1.ganime")
    return win, win.doc.lines.copy()


def test_replacing_the_sketch_is_asked_for_and_one_undo_step(make_window, tmp_path, prompter,
                                                             other_picture) -> None:
    win, old_lines = project_window(make_window, tmp_path)
    steps = win.stack.count()
    prompter.answers["import_into_project"] = ("replace", True)
    win.files.import_path(other_picture)
    assert prompter.import_questions == [("p1.ganime", "other.png", True)]
    assert win.stack.count() == steps + 1 and win.isWindowModified()
    assert not np.array_equal(win.doc.lines, old_lines) and win.doc.hints == (HINT,)
    assert "p1.ganime (sketch other.png)" in win.windowTitle()
    # the quit prompt says what Save would write into the project
    prompter.answers["save_discard_cancel"] = "cancel"
    assert not win.files.maybe_save()
    assert "Its sketch is now other.png" in prompter.save_questions[-1]
    assert "puts that picture into p1.ganime" in prompter.save_questions[-1]
    win.stack.undo()  # the old sketch, its hints and its name are back
    assert np.array_equal(win.doc.lines, old_lines) and win.doc.hints == (HINT,)
    assert "other.png" not in win.windowTitle() and not win.session.sketch_replaced
    assert not win.isWindowModified()
    win.stack.redo()
    assert "p1.ganime (sketch other.png)" in win.windowTitle()


def test_replacing_the_sketch_can_drop_the_hints_and_undo_gives_them_back(
        make_window, tmp_path, prompter, other_picture) -> None:
    win, old_lines = project_window(make_window, tmp_path)
    prompter.answers["import_into_project"] = ("replace", False)
    win.files.import_path(other_picture)
    assert win.doc.hints == () and "dropped" in win.statusBar().currentMessage()
    win.stack.undo()
    assert win.doc.hints == (HINT,) and np.array_equal(win.doc.lines, old_lines)


def test_a_new_project_leaves_the_open_one_as_it_was_saved(make_window, tmp_path, prompter,
                                                           other_picture) -> None:
    win, old_lines = project_window(make_window, tmp_path)
    win.stack.push(add_hint(win.doc, HINT, "Hint stroke"))  # an unsaved change: the usual prompt comes first
    saved = (tmp_path / "p1.ganime").read_bytes()
    prompter.answers["import_into_project"] = ("new", True)
    prompter.answers["save_discard_cancel"] = "discard"
    win.files.import_path(other_picture)
    assert "Unsaved changes" in prompter.asked
    assert "Save the changes to p1.ganime" in prompter.save_questions[-1]
    assert win.path is None and win.doc.hints == () and win.stack.count() == 0
    assert win.windowTitle().startswith("other.png")
    assert (tmp_path / "p1.ganime").read_bytes() == saved
    assert np.array_equal(load_project(tmp_path / "p1.ganime").doc.lines, old_lines)
    # and the save prompt of the new work never offers to write over a picture
    win.stack.push(add_hint(win.doc, HINT, "Hint stroke"))
    prompter.answers["save_discard_cancel"] = "cancel"
    win.files.maybe_save()
    assert "as a GANime project" in prompter.save_questions[-1]


def test_cancel_or_a_cancelled_save_prompt_changes_nothing(make_window, tmp_path, prompter,
                                                           other_picture) -> None:
    win, old_lines = project_window(make_window, tmp_path)
    steps = win.stack.count()
    prompter.answers["import_into_project"] = ("cancel", True)
    win.files.import_path(other_picture)
    win.stack.push(add_hint(win.doc, HINT, "Hint stroke"))
    prompter.answers.update(import_into_project=("new", True), save_discard_cancel="cancel")
    win.files.import_path(other_picture)  # new project, but the save prompt is cancelled
    assert win.path == tmp_path / "p1.ganime" and win.stack.count() == steps + 1
    assert np.array_equal(win.doc.lines, old_lines)


def test_without_a_project_an_import_asks_nothing(make_window, prompter, other_picture) -> None:
    win = make_window()
    win.files.import_path(other_picture)
    assert prompter.import_questions == [] and win.stack.count() == 1


def test_a_picture_of_another_size_cannot_keep_the_hints(make_window, tmp_path, prompter) -> None:
    win, _ = project_window(make_window, tmp_path)
    big = tmp_path / "big.png"
    cv2.imwrite(str(big), sketch(320))
    win.files.import_path(big)
    assert prompter.import_questions[-1] == ("p1.ganime", "big.png", False)
    assert win.doc.size == (320, 320) and win.doc.hints == ()
    win.stack.undo()
    assert win.doc.size == (256, 256) and win.doc.hints == (HINT,)


@pytest.mark.parametrize(("button", "keep", "expected"), [
    ("Replace this project's sketch", False, ("replace", False)),
    ("New project", True, ("new", True)), ("Cancel", True, ("cancel", True))])
def test_the_real_question_offers_new_replace_and_keep(qtbot, button, keep, expected) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ganime_desktop.prompts import Prompter

    seen: list[str] = []

    def answer() -> None:
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.isVisible())
        seen.extend(b.text() for b in box.buttons())
        box.checkBox().setChecked(keep)
        next(b for b in box.buttons() if b.text().replace("&", "") == button).click()

    QTimer.singleShot(200, answer)
    choice = Prompter(None).import_into_project("p1.ganime", "other.png", True)
    assert tuple(choice) == expected
    assert {"New project", "Replace this project's sketch"} <= set(seen)
