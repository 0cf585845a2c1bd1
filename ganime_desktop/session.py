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

SketchState = tuple[Path | None, str | None]  # the sketch's file (if any) and its name


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
        self.sketch_name: str | None = None  # its name ("clipboard image" for pixels alone)
        self.saved_sketch: SketchState = (None, None)  # the sketch the project file holds
        self.name = "untitled"
        self._doc_name = self.name
        self.autosaved_rev = -1  # the revision the last autosave holds

    def set_document(self, doc: Document, path: Path | None, name: str = "") -> None:
        """Replace the document: a fresh history, clean, named after ``name`` or the file."""
        self.doc = doc
        self.path = path
        self.sketch_path, self.sketch_name = self.saved_sketch = (None, None)
        self.name = self._doc_name = name or (path.name if path else "untitled")
        self.stack.clear()
        self.stack.setClean()
        self.autosaved_rev = -1
        self.replaced.emit(doc)
        self.title_changed.emit()

    def set_sketch(self, path: Path | None, name: str | None = None) -> None:
        """The picture the line art came from (``name``: when it has no file, e.g. pasted
        pixels): names the title (unless a project does) and the file dialogs' folder and
        suggestions."""
        self.sketch_path = path
        self.sketch_name = name or (path.name if path is not None else None)
        if self.path is None:
            self.name = self.sketch_name or self._doc_name
        self.title_changed.emit()

    @property
    def sketch(self) -> SketchState:
        return self.sketch_path, self.sketch_name

    def restore_sketch(self, state: SketchState) -> None:
        """Undo's way back to an earlier sketch (see :class:`commands.ReplaceImageCommand`)."""
        self.set_sketch(*state)

    def saved_as(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.saved_sketch = self.sketch
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

    @property
    def sketch_replaced(self) -> bool:
        """A project is open and its sketch was replaced by another picture since it was saved
        (or opened): saving it writes that picture into the project."""
        return self.path is not None and self.sketch != self.saved_sketch

    def title(self) -> str:
        name = self.name
        if self.path is not None and self.sketch_name:  # a sketch imported into it
            name = f"{name} (sketch {self.sketch_name})"
        return f"{name}[*] — GANime"

    def save_question(self) -> str:
        """The question before the work is closed: what a Save would write, and where."""
        if self.path is None:
            return f"Save your work on {self.name} as a GANime project before closing it?"
        if self.sketch_replaced and self.sketch_name:
            return (f"Save the changes to {self.name}? Its sketch is now "
                    f"{self.sketch_name}: saving puts that picture into {self.name}.")
        return f"Save the changes to {self.name} before closing it?"
