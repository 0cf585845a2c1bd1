"""The document controller: the open document, its undo stack, its file and its title.

:class:`DocumentSession` owns what belongs to "the picture being worked on": the
:class:`Document`, the :class:`QUndoStack` of its edits, the project file it was saved to,
the sketch it came from and the name the title shows. Views listen to its signals
(``replaced`` when another document is loaded, ``title_changed``); nobody else writes these.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from .commands import UNDO_LIMIT
from .document import Document


class DocumentSession(QObject):
    replaced = Signal(object)  # the new Document
    title_changed = Signal()

    def __init__(self, doc: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self.stack.setUndoLimit(UNDO_LIMIT)
        self.stack.cleanChanged.connect(self.title_changed)  # signal to signal: dies with us
        self.doc = doc
        self.path: Path | None = None  # the project file, once saved or opened
        self.sketch_path: Path | None = None  # the picture opened or imported last
        self.name = "untitled"
        self.autosaved_rev = -1  # the revision the last autosave holds

    def set_document(self, doc: Document, path: Path | None, name: str = "") -> None:
        """Replace the document: a fresh history, clean, named after ``name`` or the file."""
        self.doc = doc
        self.path = path
        self.sketch_path = None
        self.name = name or (path.name if path else "untitled")
        self.stack.clear()
        self.stack.setClean()
        self.autosaved_rev = -1
        self.replaced.emit(doc)
        self.title_changed.emit()

    def set_sketch(self, path: Path | None) -> None:
        """The picture the line art came from: names the title (unless a project does) and
        the file dialogs' folder and suggestions."""
        self.sketch_path = path
        if path is not None and self.path is None:
            self.name = path.name
        self.title_changed.emit()

    def saved_as(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.stack.setClean()
        self.autosaved_rev = -1
        self.title_changed.emit()

    def mark_unsaved(self) -> None:
        """Recovered work is unsaved work, though nothing was done since it was loaded."""
        self.stack.resetClean()
        self.title_changed.emit()

    @property
    def modified(self) -> bool:
        return not self.stack.isClean()

    def title(self) -> str:
        name = self.name
        if self.path is not None and self.sketch_path is not None:  # a sketch imported into it
            name = f"{name} ({self.sketch_path.name})"
        return f"{name}[*] — GANime"
