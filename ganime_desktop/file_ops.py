"""File handling of the main window: new, open, import, paste, drop, save, export, recovery."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtGui import QGuiApplication

from ganime_core.imageio import from_array, is_image_path, load_image

from . import export as ex
from .commands import ReplaceImageCommand
from .document import Document, lines_from_loaded
from .file_names import start_folder, suggested_path
from .palette import load_gpl, save_gpl
from .project_io import SUFFIX, load_project, save_project
from .prompts import IMAGE_FILTER, OPEN_FILTER, PROJECT_FILTER
from .qt_util import from_qimage, to_qimage
from .recovery import find_orphans
from .widgets.dialogs import NewCanvasDialog

log = logging.getLogger(__name__)

EXPORTS = {  # kind -> (dialog title, filter, suffix); suggested names: file_names.py
    "png": ("Export PNG", "PNG images (*.png)", ".png"),
    "color": ("Export colour-only PNG", "PNG images (*.png)", ".png"),
    "ora": ("Export OpenRaster", "OpenRaster (*.ora)", ".ora"),
    "psd": ("Export PSD", "Photoshop documents (*.psd)", ".psd"),
    "hints": ("Export hints as PNG", "PNG images (*.png)", ".png"),
    "hints_json": ("Export hint strokes", "Hint strokes (*.json)", ".json"),
}


def _with_suffix(path: str, suffix: str) -> Path:
    p = Path(path)
    return p if p.suffix.lower() == suffix else p.with_name(p.name + suffix)


class FileOpsMixin:
    """Mixed into MainWindow; relies on its doc, stack, prompter, settings and helpers."""

    # -- new / open -------------------------------------------------------------------------------

    def new_canvas(self) -> None:
        if not self.maybe_save():
            return
        dlg = NewCanvasDialog(self, *self.doc.size)
        if dlg.exec():
            self.set_document(Document.blank(*dlg.size_value()), None)

    def open_dialog(self) -> None:
        path = self.prompter.open_file("Open", OPEN_FILTER, self._folder())
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        """Open a project or a picture as a new document (asks about unsaved changes).

        A picture then behaves as if imported: it becomes the current sketch (title, dialog
        folders, suggested names) and is colorized at once when Auto is on."""
        path = Path(path)
        if not self.maybe_save():
            return False
        with self.guard("Cannot open file"):
            if path.suffix.lower() == SUFFIX:
                project = load_project(path)
                self.palette_widget.set_palette(project.palette)
                self.set_document(project.doc, path)
                self.show_project_warnings(path.name, project.warnings)
            else:
                self.set_document(Document.from_loaded(load_image(path)), None, path.name)
                self.set_sketch(path)
                self.schedule_regen()
            self.settings.add_recent(str(path))
            self.update_recent_menu()
            self.show_status(f"Opened {path.name}")
            return True
        return False

    def import_dialog(self) -> None:
        path = self.prompter.open_file("Import line art", IMAGE_FILTER, self._folder())
        if path:
            self.import_path(path)

    def import_path(self, path: str | Path) -> None:
        path = Path(path)
        with self.guard("Cannot import image"):
            self.import_array(*lines_from_loaded(load_image(path)), path.name, path)

    def import_array(self, lines: np.ndarray, alpha: np.ndarray | None, name: str,
                     source: Path | None = None) -> None:
        """Replace the line art (undoable; colorized at once when Auto is on)."""
        same = lines.shape[:2] == self.doc.lines.shape[:2]
        self.stack.push(ReplaceImageCommand(self.doc, lines, alpha, f"Import {name}"))
        if not same:
            self.canvas.fit()
        if source is not None:
            self.set_sketch(source)
        self.show_status(f"Imported {name} ({lines.shape[1]}×{lines.shape[0]})")

    def set_sketch(self, path: Path | None) -> None:
        """The picture the line art came from: names the title (unless a project does) and
        the file dialogs' folder and suggestions."""
        self.sketch_path = path
        if path is not None and self.path is None:
            self._name = path.name
        self.update_title()

    def paste(self) -> None:
        cb = QGuiApplication.clipboard()
        mime = cb.mimeData()
        with self.guard("Cannot paste"):
            if mime is not None and mime.hasUrls():
                for url in mime.urls():
                    if url.isLocalFile() and is_image_path(Path(url.toLocalFile())):
                        self.import_path(url.toLocalFile())
                        return
            img = cb.image()
            if img.isNull():
                self.show_status("The clipboard holds no picture to paste")
                return
            loaded = from_array(from_qimage(img), "clipboard")
            self.import_array(*lines_from_loaded(loaded), "clipboard image")

    def drop_paths(self, paths: list[Path]) -> None:
        for p in paths:
            if p.suffix.lower() == SUFFIX:
                self.open_path(p)
                return
            if is_image_path(p):
                self.import_path(p)
                return
        self.prompter.error("Cannot open", "Drop a picture (PNG, JPEG, WebP, TIFF, BMP) or a "
                            ".ganime project.")

    # -- save ------------------------------------------------------------------------------------

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        suggested = str(self.path or self._suggest("project"))
        path = self.prompter.save_file("Save project", PROJECT_FILTER, suggested)
        return bool(path) and self.save_to(_with_suffix(path, SUFFIX))

    def save_to(self, path: Path) -> bool:
        with self.guard("Cannot save"):
            save_project(path, self.doc, self.palette_widget.palette_model)
            self.path = path
            self._name = path.name
            self.stack.setClean()
            self.recovery.clear()  # a crash now must not offer older work than this save
            self._autosaved_rev = -1
            self.settings.add_recent(str(path))
            self.update_recent_menu()
            self.update_title()
            self.show_status(f"Saved {path.name}")
            return True
        return False

    # -- export ------------------------------------------------------------------------------------

    def export(self, kind: str) -> bool:
        title, filters, suffix = EXPORTS[kind]
        if kind in ("png", "color", "ora", "psd") and self.doc.result is None:
            self.prompter.info(title, "There is no result to export yet: press Colorize "
                               "(Ctrl+Enter) first.")
            return False
        path = self.prompter.save_file(title, filters, str(self._suggest(kind)))
        if not path:
            return False
        return self.export_to(kind, _with_suffix(path, suffix))

    def export_to(self, kind: str, path: Path) -> bool:
        with self.guard("Export failed"):
            if kind == "png":
                ex.export_png(path, self.doc, True)
            elif kind == "color":
                ex.export_png(path, self.doc, False)
            elif kind == "ora":
                ex.export_ora(path, self.doc)
            elif kind == "psd":
                ex.export_psd(path, self.doc)
            elif kind == "hints":
                ex.export_hint_png(path, self.doc)
            else:
                self.doc.hint_set().save(path)
            self.show_status(f"Exported {path.name}")
            return True
        return False

    def copy_result(self) -> None:
        with self.guard("Cannot copy"):
            QGuiApplication.clipboard().setImage(to_qimage(ex.result_array(self.doc, True)))
            self.show_status("Result copied to the clipboard")

    # -- palette files ----------------------------------------------------------------------------

    def load_palette(self) -> None:
        path = self.prompter.open_file("Load palette", "GIMP palettes (*.gpl)", self._folder())
        if path:
            with self.guard("Cannot load palette"):
                self.palette_widget.set_palette(load_gpl(path))
                self.palette_replaced()

    def save_palette(self) -> None:
        path = self.prompter.save_file("Save palette", "GIMP palettes (*.gpl)",
                                       str(Path(self._folder()) / "palette.gpl"))
        if path:
            with self.guard("Cannot save palette"):
                save_gpl(_with_suffix(path, ".gpl"), self.palette_widget.palette_model)

    # -- autosave and recovery ----------------------------------------------------------------------

    def autosave(self) -> bool:
        """Autosave to the recovery folder when there are unsaved changes (never nags)."""
        if self.stack.isClean() or self._autosaved_rev == self.doc.revision:
            return False
        try:  # the source names the picture in the recovery prompt
            self.recovery.save(self.doc, self.palette_widget.palette_model,
                               str(self.path or self.sketch_path or ""))
        except Exception as exc:  # autosave must never interrupt painting
            log.warning("autosave failed: %s", exc)
            self.show_status(f"Autosave failed: {exc}")
            return False
        self._autosaved_rev = self.doc.revision
        return True

    def check_recovery(self) -> bool:
        """Offer to recover autosaves left by windows that did not close cleanly."""
        recovered = False
        for orphan in find_orphans(self.recovery.folder):
            if not recovered and self.prompter.ask(
                    "Recover unsaved work?",
                    f"GANime did not close cleanly and kept an autosave of "
                    f"{orphan.describe()}.\n\nRecover it now?"):
                with self.guard("Cannot recover"):
                    project = load_project(orphan.project)
                    self.palette_widget.set_palette(project.palette)
                    source = Path(orphan.source) if orphan.source else None
                    name = f"{source.name if source else 'untitled'} (recovered)"
                    self.set_document(project.doc, None, name)
                    if source is not None and source.suffix.lower() != SUFFIX:
                        self.sketch_path = source  # exports are named after it again
                    self.stack.resetClean()  # recovered work is unsaved work
                    self.show_project_warnings(name, project.warnings)
                    self.update_title()
                    recovered = True
            orphan.discard()
        return recovered

    def _folder(self) -> str:
        """Where file dialogs start: the sketch's folder, else the project's, else recent."""
        return str(start_folder(self.sketch_path, self.path, self.settings.recent_files))

    def _suggest(self, kind: str) -> Path:
        return suggested_path(kind, self.sketch_path, self.path, self.settings.recent_files)
