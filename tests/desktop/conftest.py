"""Desktop test fixtures: isolated settings and recovery folder, fake prompts, clean threads."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QThread
from PySide6.QtWidgets import QApplication

from ganime_desktop.document import Document


class FakePrompter:
    """Records every dialog; answers from ``answers`` (defaults: yes / discard / no path)."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []
        self.asked: list[str] = []
        self.asked_text: list[str] = []
        self.dialogs: list[tuple[str, str, str]] = []  # (kind, title, folder or suggested path)
        self.answers: dict[str, object] = {"ask": True, "save_discard_cancel": "discard",
                                           "import_into_project": ("replace", True)}
        self.save_questions: list[str] = []
        self.import_questions: list[tuple[str, str, bool]] = []
        self.open_path: str | None = None
        self.save_path: str | None = None

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))

    def info(self, title: str, text: str) -> None:
        self.infos.append((title, text))

    def ask(self, title: str, text: str) -> bool:
        self.asked.append(title)
        self.asked_text.append(text)
        return bool(self.answers["ask"])

    def save_discard_cancel(self, title: str, text: str) -> str:
        self.asked.append(title)
        self.save_questions.append(text)
        return str(self.answers["save_discard_cancel"])

    def import_into_project(self, project: str, picture: str, can_keep: bool):
        from ganime_desktop.prompts import ImportChoice

        self.asked.append("Import into a project")
        self.import_questions.append((project, picture, can_keep))
        action, keep = self.answers["import_into_project"]  # type: ignore[misc]
        return ImportChoice(action, keep)

    def open_file(self, title: str, _filters: str = "", folder: str = "") -> str | None:
        self.dialogs.append(("open", title, folder))
        return self.open_path

    def save_file(self, title: str, _filters: str = "", suggested: str = "") -> str | None:
        self.dialogs.append(("save", title, suggested))
        return self.save_path


@pytest.fixture(autouse=True)
def fresh_segmentations() -> Iterator[None]:
    """An empty process-wide segmentation cache for each test (the colorize worker and the fill
    tool share it): regions one test cut never serve, or hide a segmentation in, another."""
    from ganime_core.regions.cache import SHARED

    SHARED.clear()
    yield
    SHARED.clear()


@pytest.fixture
def prompter() -> FakePrompter:
    return FakePrompter()


@pytest.fixture
def store(tmp_path: Path) -> QSettings:
    s = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    s.setValue("autosave_s", 3600)
    s.setValue("auto_regen", False)
    s.setValue("preview_size", 64)
    return s


def sketch(size: int = 256) -> np.ndarray:
    """A simple line drawing: a square and a circle in black on white."""
    import cv2

    img = np.full((size, size, 3), 255, np.uint8)
    cv2.rectangle(img, (20, 20), (size // 2 - 10, size // 2 - 10), (0, 0, 0), 2)
    cv2.circle(img, (size * 3 // 4, size * 3 // 4), size // 6, (0, 0, 0), 2)
    return img


@pytest.fixture
def make_window(qtbot, tmp_path: Path, store: QSettings,
                prompter: FakePrompter) -> Iterator[Callable]:
    from ganime_desktop.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(model: Path | str | None = None, doc: Document | None = None,
             recovery: Path | None = None, show: bool = True,
             register: bool = True) -> MainWindow:
        if model is not None:
            store.setValue("model_path", str(model))
        win = MainWindow(store, recovery or tmp_path / "recovery", prompter,
                         doc or Document(sketch()))
        win.resize(900, 700)
        if register:  # a test that destroys its window itself does not register it
            qtbot.addWidget(win)
        if show:
            win.show()
            qtbot.waitExposed(win)
            win.activateWindow()  # shortcuts need the active window
            QApplication.processEvents()
        windows.append(win)
        return win

    yield make
    for win in windows:
        with contextlib.suppress(RuntimeError):  # the C++ window may already be gone
            win.shutdown()
    for win in windows:
        with contextlib.suppress(RuntimeError):
            thread: QThread = win.host.worker_thread
            assert not thread.isRunning(), "a worker thread was left running"
