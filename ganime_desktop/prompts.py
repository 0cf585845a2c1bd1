"""Every question and message the app asks, in one replaceable object (tests swap it out)."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import NamedTuple

from PySide6.QtWidgets import QCheckBox, QFileDialog, QMessageBox, QWidget

from ganime_core.errors import GanimeError

log = logging.getLogger(__name__)

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp)"
PROJECT_FILTER = "GANime projects (*.ganime)"
OPEN_FILTER = f"Pictures and projects (*.ganime *.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp);;" \
              f"{PROJECT_FILTER};;{IMAGE_FILTER}"


class ImportChoice(NamedTuple):
    """What to do with a picture imported while a project is open: ``action`` is "new" (a new
    project from it; the open one is closed with the usual save prompt), "replace" (it becomes
    this project's sketch, one undo step) or "cancel"; ``keep_hints`` keeps the hints and
    barriers when replacing."""

    action: str
    keep_hints: bool = True


class Prompter:
    """Modal dialogs. ``save_discard_cancel`` returns "save", "discard" or "cancel"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def error(self, title: str, text: str) -> None:
        log.warning("%s: %s", title, text)
        QMessageBox.warning(self.parent, title, text)

    def info(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent, title, text)

    def ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self.parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def save_discard_cancel(self, title: str, text: str) -> str:
        b = QMessageBox.StandardButton
        answer = QMessageBox.question(self.parent, title, text, b.Save | b.Discard | b.Cancel,
                                      b.Save)
        return {b.Save: "save", b.Discard: "discard"}.get(answer, "cancel")

    def import_into_project(self, project: str, picture: str, can_keep: bool) -> ImportChoice:
        """Ask what a picture imported into an open project is for (``can_keep``: it has the
        sketch's size, so the hints can stay)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Import into a project",
                          f"{project} is open. What should {picture} become?", parent=self.parent)
        box.setInformativeText(
            f"New project: {project} is closed first (you are asked to save it).\n"
            f"Replace the sketch: {picture} becomes {project}'s line art (undo brings the old "
            f"one back).")
        new = box.addButton("New project", QMessageBox.ButtonRole.AcceptRole)
        replace = box.addButton("Replace this project's sketch", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(new)
        keep = QCheckBox("Keep the hints and barriers" if can_keep else
                         "Keep the hints and barriers (not possible: the sizes differ)")
        keep.setChecked(can_keep)
        keep.setEnabled(can_keep)
        box.setCheckBox(keep)
        box.exec()
        clicked = box.clickedButton()
        action = "new" if clicked is new else "replace" if clicked is replace else "cancel"
        return ImportChoice(action, keep.isChecked() and can_keep)

    def open_file(self, title: str, filters: str, folder: str = "") -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, title, folder, filters)
        return path or None

    def save_file(self, title: str, filters: str, suggested: str = "") -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, title, suggested, filters)
        return path or None


class ErrorGuard:
    """``with ErrorGuard(prompter, "title"):`` turns any exception into a message box.

    GANime's own errors show their plain message; anything else is logged with its traceback
    and shown as an unexpected error. The exception is swallowed: the app keeps running.
    """

    def __init__(self, prompter: Prompter, title: str) -> None:
        self.prompter, self.title = prompter, title

    def __enter__(self) -> None:
        return None

    def __exit__(self, typ: type | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        if isinstance(exc, GanimeError):
            self.prompter.error(self.title, str(exc))
        else:
            log.error("%s", self.title, exc_info=(typ, exc, tb))
            self.prompter.error(self.title, f"Unexpected error: {type(exc).__name__}: {exc}")
        return True
