"""Every question and message the app asks, in one replaceable object (tests swap it out)."""

from __future__ import annotations

import logging
from types import TracebackType

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ganime_core.errors import GanimeError

log = logging.getLogger(__name__)

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp)"
PROJECT_FILTER = "GANime projects (*.ganime)"
OPEN_FILTER = f"Pictures and projects (*.ganime *.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp);;" \
              f"{PROJECT_FILTER};;{IMAGE_FILTER}"


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
