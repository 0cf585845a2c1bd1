"""File operations: new, open, import, paste, drop, save, export, palettes, autosave, recovery.

:class:`FileOperations` works on the :class:`session.DocumentSession` and reaches the rest of
the window only through :class:`FileHost`, the explicit list of what it needs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from ganime_core.io.formats import BY_KIND
from ganime_core.io.imageio import from_array, is_image_path, load_image

from . import export as ex
from .commands import ReplaceImageCommand
from .document import Document, lines_from_loaded
from .file_names import start_folder, suggested_path
from .palette import load_gpl, save_gpl
from .project_io import SUFFIX, load_project, save_project
from .prompts import IMAGE_FILTER, OPEN_FILTER, PROJECT_FILTER, ErrorGuard, Prompter
from .qt_util import from_qimage, to_qimage
from .recovery import RecoverySession, find_orphans
from .session import DocumentSession
from .settings import AppSettings
from .widgets.dialogs import NewCanvasDialog
from .widgets.palette_dock import PaletteWidget

log = logging.getLogger(__name__)

def _with_suffix(path: str, suffix: str) -> Path:
    p = Path(path)
    return p if p.suffix.lower() == suffix else p.with_name(p.name + suffix)


class FileHost(Protocol):
    """What file operations need from the window."""

    prompter: Prompter
    recovery: RecoverySession
    palette_widget: PaletteWidget

    @property
    def settings(self) -> AppSettings: ...

    def dialog_parent(self): ...  # -> QWidget

    def guard(self, title: str) -> ErrorGuard: ...

    def show_status(self, text: str, ms: int = 6000) -> None: ...

    def schedule_regen(self, force: bool = False) -> None: ...

    def fit_view(self) -> None: ...

    def recent_files_changed(self) -> None: ...

    def show_project_warnings(self, name: str, warnings: list[str]) -> None: ...

    def palette_replaced(self) -> None: ...


class FileOperations:
    def __init__(self, session: DocumentSession, host: FileHost) -> None:
        self.session = session
        self.host = host

    @property
    def doc(self) -> Document:
        return self.session.doc

    # -- new / open -------------------------------------------------------------------------------

    def new_canvas(self) -> None:
        if not self.maybe_save():
            return
        dlg = NewCanvasDialog(self.host.dialog_parent(), *self.doc.size)
        if dlg.exec():
            self.session.set_document(Document.blank(*dlg.size_value()), None)

    def open_dialog(self) -> None:
        path = self.host.prompter.open_file("Open", OPEN_FILTER, self.folder())
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        """Open a project or a picture as a new document (asks about unsaved changes).

        A picture then behaves as if imported: it becomes the current sketch (title, dialog
        folders, suggested names) and is colorized at once when Auto is on."""
        path = Path(path)
        if not self.maybe_save():
            return False
        with self.host.guard("Cannot open file"):
            if path.suffix.lower() == SUFFIX:
                project = load_project(path)
                self.host.palette_widget.set_palette(project.palette)
                self.session.set_document(project.doc, path)
                self.host.show_project_warnings(path.name, project.warnings)
            else:
                self.session.set_document(Document.from_loaded(load_image(path)), None, path.name)
                self.session.set_sketch(path)
                self.host.schedule_regen()
            self.host.settings.add_recent(str(path))
            self.host.recent_files_changed()
            self.host.show_status(f"Opened {path.name}")
            return True
        return False

    def import_dialog(self) -> None:
        path = self.host.prompter.open_file("Import line art", IMAGE_FILTER, self.folder())
        if path:
            self.import_path(path)

    def import_path(self, path: str | Path) -> None:
        path = Path(path)
        with self.host.guard("Cannot import image"):
            self.import_array(*lines_from_loaded(load_image(path)), path.name, path)

    def import_array(self, lines: np.ndarray, alpha: np.ndarray | None, name: str,
                     source: Path | None = None) -> None:
        """Replace the line art (undoable; colorized at once when Auto is on).

        While a project is open, asks first: a new project from the picture (the project is
        closed with the usual save prompt) or this project's new sketch, keeping the hints or
        not (one undo step that also gives back the old sketch's name)."""
        session = self.session
        same = lines.shape[:2] == self.doc.lines.shape[:2]
        keep = True
        if session.path is not None:
            choice = self.host.prompter.import_into_project(session.name, name, same)
            if choice.action == "new":
                self._new_from(lines, alpha, name, source)
                return
            if choice.action != "replace":
                return
            keep = choice.keep_hints
        had = bool(self.doc.hints or self.doc.barriers)
        sketch = (session.restore_sketch, session.sketch, (source, name))
        session.stack.push(ReplaceImageCommand(self.doc, lines, alpha, f"Import {name}",
                                               keep_hints=keep, sketch=sketch))
        if not same:
            self.host.fit_view()
        dropped = "; its hints and barriers were dropped" if had and not (keep and same) else ""
        self.host.show_status(f"Imported {name} ({lines.shape[1]}×{lines.shape[0]}){dropped}")

    def _new_from(self, lines: np.ndarray, alpha: np.ndarray | None, name: str,
                  source: Path | None) -> None:
        """A new document from an imported picture, once the open one may close."""
        if not self.maybe_save():
            return
        self.session.set_document(Document(lines, alpha), None, name)
        self.session.set_sketch(source, name)
        self.host.schedule_regen()
        self.host.show_status(f"New from {name} ({lines.shape[1]}×{lines.shape[0]})")

    def paste(self) -> None:
        cb = QGuiApplication.clipboard()
        mime = cb.mimeData()
        with self.host.guard("Cannot paste"):
            if mime is not None and mime.hasUrls():
                for url in mime.urls():
                    if url.isLocalFile() and is_image_path(Path(url.toLocalFile())):
                        self.import_path(url.toLocalFile())
                        return
            img = cb.image()
            if img.isNull():
                self.host.show_status("The clipboard holds no picture to paste")
                return
            loaded = from_array(from_qimage(img), "clipboard")
            self.import_array(*lines_from_loaded(loaded), "clipboard image")

    def drop(self, mime: QMimeData) -> None:
        """What was dropped on the window: a project or picture file, else a picture's pixels."""
        paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        if paths:
            self.drop_paths(paths)
        elif mime.hasImage():
            with self.host.guard("Cannot import the dropped picture"):
                loaded = from_array(from_qimage(mime.imageData()), "dropped image")
                self.import_array(*lines_from_loaded(loaded), "dropped image")

    def drop_paths(self, paths: list[Path]) -> None:
        for p in paths:
            if p.suffix.lower() == SUFFIX:
                self.open_path(p)
                return
            if is_image_path(p):
                self.import_path(p)
                return
        self.host.prompter.error("Cannot open", "Drop a picture (PNG, JPEG, WebP, TIFF, BMP) or a "
                            ".ganime project.")

    # -- save ------------------------------------------------------------------------------------

    def save(self) -> bool:
        if self.session.path is None:
            return self.save_as()
        return self.save_to(self.session.path)

    def save_as(self) -> bool:
        suggested = str(self.session.path or self.suggest("project"))
        path = self.host.prompter.save_file("Save project", PROJECT_FILTER, suggested)
        return self.save_to(_with_suffix(path, SUFFIX)) if path else False

    def save_to(self, path: Path) -> bool:
        with self.host.guard("Cannot save"):
            save_project(path, self.doc, self.host.palette_widget.palette_model)
            self.session.saved_as(path)
            self.host.recovery.clear()  # a crash now must not offer older work than this save
            self.host.settings.add_recent(str(path))
            self.host.recent_files_changed()
            self.host.show_status(f"Saved {path.name}")
            return True
        return False

    # -- export ------------------------------------------------------------------------------------

    def export(self, kind: str) -> bool:
        fmt = BY_KIND[kind]
        if fmt.needs_result and self.doc.result is None:
            self.host.prompter.info(fmt.title, "There is no result to export yet: press "
                                    "Colorize (Ctrl+Enter) first.")
            return False
        path = self.host.prompter.save_file(fmt.title, fmt.filter, str(self.suggest(kind)))
        if not path:
            return False
        return self.export_to(kind, _with_suffix(path, fmt.suffix))

    def export_to(self, kind: str, path: Path) -> bool:
        with self.host.guard("Export failed"):  # barriers: a hidden layer in ORA and PSD
            ex.export(path, self.doc, kind, barriers=self.doc.barrier_mask())
            self.host.show_status(f"Exported {path.name}")
            return True
        return False

    def copy_result(self) -> None:
        with self.host.guard("Cannot copy"):
            QGuiApplication.clipboard().setImage(to_qimage(ex.result_array(self.doc, True)))
            self.host.show_status("Result copied to the clipboard")

    # -- palette files ----------------------------------------------------------------------------

    def load_palette(self) -> None:
        path = self.host.prompter.open_file("Load palette", "GIMP palettes (*.gpl)", self.folder())
        if path:
            with self.host.guard("Cannot load palette"):
                self.host.palette_widget.set_palette(load_gpl(path))
                self.host.palette_replaced()

    def save_palette(self) -> None:
        path = self.host.prompter.save_file("Save palette", "GIMP palettes (*.gpl)",
                                            str(self.suggest("palette")))
        if path:
            with self.host.guard("Cannot save palette"):
                save_gpl(_with_suffix(path, ".gpl"), self.host.palette_widget.palette_model)

    # -- autosave and recovery ----------------------------------------------------------------------

    def autosave(self) -> bool:
        """Autosave to the recovery folder when there are unsaved changes (never nags)."""
        session = self.session
        if not session.modified or session.autosaved_rev == self.doc.revision:
            return False
        try:  # the source names the picture in the recovery prompt
            self.host.recovery.save(self.doc, self.host.palette_widget.palette_model,
                               str(session.path or session.sketch_path or ""))
        except Exception as exc:  # autosave must never interrupt painting
            log.warning("autosave failed: %s", exc)
            self.host.show_status(f"Autosave failed: {exc}")
            return False
        session.autosaved_rev = self.doc.revision
        return True

    def check_recovery(self) -> bool:
        """Offer to recover autosaves left by windows that did not close cleanly."""
        recovered = False
        for orphan in find_orphans(self.host.recovery.folder):
            if not recovered and self.host.prompter.ask(
                    "Recover unsaved work?",
                    f"GANime did not close cleanly and kept an autosave of "
                    f"{orphan.describe()}.\n\nRecover it now?"):
                with self.host.guard("Cannot recover"):
                    project = load_project(orphan.project)
                    self.host.palette_widget.set_palette(project.palette)
                    source = Path(orphan.source) if orphan.source else None
                    name = f"{source.name if source else 'untitled'} (recovered)"
                    self.session.set_document(project.doc, None, name)
                    if source is not None and source.suffix.lower() != SUFFIX:
                        # exports are named after it again
                        self.session.sketch_path, self.session.sketch_name = source, source.name
                    self.session.mark_unsaved()
                    self.host.show_project_warnings(name, project.warnings)
                    recovered = True
            orphan.discard()
        return recovered

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document (saved, or the user said so)."""
        if not self.session.modified:
            return True
        answer = self.host.prompter.save_discard_cancel("Unsaved changes",
                                                        self.session.save_question())
        if answer == "save":
            return self.save()
        return answer == "discard"

    def folder(self) -> str:
        """Where file dialogs start: the sketch's folder, else the project's, else recent."""
        s = self.session
        return str(start_folder(s.sketch_path, s.path, self.host.settings.recent_files))

    def suggest(self, kind: str) -> Path:
        s = self.session
        return suggested_path(kind, s.sketch_path, s.path, self.host.settings.recent_files)
