"""The main window: the view that puts the parts together.

The parts, each with an explicit interface:

* :class:`session.DocumentSession` — the document, its undo stack, file and title;
* :class:`file_ops.FileOperations` — new/open/import/save/export/autosave (needs a ``FileHost``);
* :class:`colorize_ctl.ColorizeController` — the worker, auto-regenerate, the model's state;
* :class:`guide_ops.GuideOperations`, :class:`help_ops.HelpOperations` — colour guide, help;
* :class:`region_worker.RegionService` — the regions, cut on their own thread, wired to the
  canvas and the undo stack by :class:`fill_control.FillControl` (the fill tool) and
  :class:`gap_control.GapControl` (the gap slider);
* the view: :class:`canvas.Canvas`, docks, menus and toolbars (:mod:`.actions`).

The window implements the small host protocols those parts ask for, wires their signals, and
owns the tool state. Nothing outside sets attributes on it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMenuBar,
    QProgressBar,
    QUndoView,
    QWidget,
)

from .actions import build_actions, build_menus, build_toolbars
from .canvas import Canvas
from .colorize_ctl import NO_MODEL, ColorizeController
from .commands import SetBarriersCommand, SetHintsCommand
from .document import Document
from .file_ops import FileOperations
from .fill_control import FINDING_REGIONS, FillControl
from .gap_control import GapControl
from .guide_ops import GuideOperations
from .help_ops import HINT_OPACITY_KEY, HelpOperations
from .messages import ModelLoaded
from .palette import Palette
from .part_hover import PartHover
from .prompts import ErrorGuard, Prompter
from .qt_util import app_icon
from .recovery import RecoverySession
from .region_worker import RegionService
from .session import DocumentSession
from .settings import AppSettings, default_recovery_dir, load_settings, save_settings
from .status_line import StatusLine
from .suggest_ctl import SuggestionsController
from .tools import TOOLS, BrushState, Tool, ToolController
from .widgets.guide_panel import GuidePanel
from .widgets.palette_dock import PaletteWidget
from .widgets.settings_dialog import SettingsDialog
from .workers import WorkerHost

log = logging.getLogger(__name__)

__all__ = ["FINDING_REGIONS", "NO_MODEL", "MainWindow"]


class MainWindow(QMainWindow):
    def __init__(self, store: QSettings | None = None, recovery_dir: str | Path | None = None,
                 prompter: Prompter | None = None, doc: Document | None = None) -> None:
        super().__init__()
        self.store = store or QSettings()
        self._settings: AppSettings = load_settings(self.store)
        self.prompter = prompter or Prompter(self)
        self._closed = False
        self._watched: Document | None = None  # the document whose changes regenerate
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)

        self.session = DocumentSession(doc or Document.blank(1024, 768), self)
        self.brush = BrushState()
        self.controller = ToolController(self.session.stack, self.brush)
        self.regions = RegionService(self)  # segmentation runs on its own thread
        self.canvas = Canvas(self.controller, self)
        self.setCentralWidget(self.canvas)
        self.colorizer = ColorizeController(self.session, lambda: self._settings, self.prompter,
                                            lambda: self.controller.active, self)
        self.palette_widget = PaletteWidget(Palette(), self)
        self._docks = [self._add_dock("Palette", "palette_dock", self.palette_widget)]
        self.recovery = RecoverySession(recovery_dir or default_recovery_dir())
        self.destroyed.connect(self.recovery.detach)
        self.files = FileOperations(self.session, self)
        self.help_ops = HelpOperations(self)
        self.guide_ops = GuideOperations(self.session, self)
        self.suggestions = SuggestionsController(self.session, self.colorizer, self.show_status, self)

        self.actions_by_name = build_actions(self)
        a = self.actions_by_name
        self.guide_panel = GuidePanel(a["reference"], a["clear_reference"], a["palette_guide"], self)
        self._docks += [self._add_dock("Colour guide", "guide_dock", self.guide_panel), self.suggestions.dock,
                        self._add_dock("History", "history_dock", QUndoView(self.session.stack))]
        self.tabifyDockWidget(self.suggestions.dock, self._docks[1])  # one tab each, the guide in front
        self.menus = build_menus(self, a)
        for dock in self._docks:
            self.menus.view.addAction(dock.toggleViewAction())
        self.bars = build_toolbars(self, a)
        self.status_line = StatusLine(self.statusBar())  # messages, and a note that stays a while
        self.gap_control = GapControl(self.bars.gap_slider, self.bars.gap_value, self.session,
                                      self.regions, self.canvas, self.status_line.note, self)
        self.fill_control = FillControl(self.session, self.regions, self.canvas, self.controller,
                                        self.statusBar(), self.prompter.error, self.schedule_regen, self)
        self.part_hover = PartHover(self.session, self.colorizer, self.regions, self.canvas, self)
        self._build_status_bar()
        self._connect_parts()
        self.canvas.set_show_hints(self._settings.show_hints)
        self.canvas.set_hint_opacity(self.bars.hint_opacity_box.value() / 100)

        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.files.autosave)
        self.autosave_timer.start(self._settings.autosave_s * 1000)

        self.set_document(self.session.doc, None)
        self.set_tool(Tool.HINT)
        self._on_color_chosen(self.brush.color)
        self.recent_files_changed()
        self._restore_window_state()
        self.colorizer.start_model()

    # -- construction ------------------------------------------------------------------------------

    def _add_dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _connect_parts(self) -> None:
        s, c = self.session, self.controller
        s.replaced.connect(self._on_replaced)
        s.title_changed.connect(self.update_title)
        c.on_color_picked = self._on_color_picked
        c.on_edit_finished = self.schedule_regen
        c.sampler = self.canvas.sample
        self.palette_widget.color_chosen.connect(self._on_color_chosen)
        self.palette_widget.load_requested.connect(self.files.load_palette)
        self.palette_widget.save_requested.connect(self.files.save_palette)
        self.guide_panel.reference_dropped.connect(self.guide_ops.set_reference_path)
        col = self.colorizer
        col.status.connect(lambda text, ms: self.status_line.show(text, ms, keep_note=True))
        col.model_state.connect(self._on_model_state)
        col.model_ready.connect(self._on_model_ready)
        col.host.busy_changed.connect(self.busy_bar.setVisible)
        for menu in self.menuBar().findChildren(QMenu):  # no stale hover under an open menu
            menu.aboutToShow.connect(self.canvas.clear_hover)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.model_label = QLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setVisible(False)
        self.pos_label = QLabel()
        self.zoom_label = QLabel("100%")
        for widget in (self.busy_bar, self.pos_label, self.zoom_label, self.model_label):
            sb.addPermanentWidget(widget)
        self.canvas.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        self.canvas.cursor_moved.connect(lambda x, y: self.pos_label.setText(f"{x}, {y}"))

    def _restore_window_state(self) -> None:
        geo, state = self.store.value("window/geometry"), self.store.value("window/state")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:  # first start: 1280x820, or what the screen has room for
            self.resize(self.screen().availableSize().boundedTo(QSize(1280, 820)))
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        else:  # first start: palette and colour guide get the room, history the rest
            self.resizeDocks(self._docks, [270, 330, 330, 100], Qt.Orientation.Vertical)

    # -- the host protocols (FileHost, GuideHost, HelpHost) --------------------------------------

    @property
    def settings(self) -> AppSettings:
        return self._settings

    def guard(self, title: str) -> ErrorGuard:
        """``with win.guard("title"):`` turns any error into a message; the app keeps running."""
        return ErrorGuard(self.prompter, title)

    def show_status(self, text: str, ms: int = 6000) -> None:
        log.info("%s", text)
        self.status_line.show(text, ms)

    def dialog_parent(self) -> QWidget:
        return self

    def menu_bar(self) -> QMenuBar:
        return self.menuBar()

    def action(self, name: str) -> QAction:
        return self.actions_by_name[name]

    def start_folder(self) -> str:
        return self.files.folder()

    def fit_view(self) -> None:
        self.canvas.fit()

    def model_summary(self) -> str:
        return self.colorizer.model_summary

    def schedule_regen(self, force: bool = False) -> None:
        self.colorizer.schedule(force)

    def palette_replaced(self) -> None:
        self.guide_ops.palette_replaced()

    def recent_files_changed(self) -> None:
        menu = self.menus.recent
        menu.clear()
        for p in self._settings.recent_files:
            menu.addAction(Path(p).name, lambda p=p: self.files.open_path(p)).setToolTip(p)
        menu.setEnabled(bool(self._settings.recent_files))

    def show_project_warnings(self, name: str, warnings: list[str]) -> None:
        for w in warnings:
            log.warning("%s: %s", name, w)
            self.prompter.error("Part of the project could not be read", f"{name}: {w}")

    # -- the session's document --------------------------------------------------------------------

    @property
    def doc(self) -> Document:
        return self.session.doc

    @property
    def stack(self) -> QUndoStack:
        return self.session.stack

    @property
    def path(self) -> Path | None:
        return self.session.path

    @property
    def sketch_path(self) -> Path | None:
        return self.session.sketch_path

    @property
    def host(self) -> WorkerHost:
        return self.colorizer.host

    def set_document(self, doc: Document, path: Path | None, name: str = "") -> None:
        self.session.set_document(doc, path, name)

    def _on_replaced(self, doc: Document) -> None:
        if self._watched is not None:
            self._watched.unsubscribe(self._on_doc_changed)
        self._watched = doc
        self.controller.set_document(doc)
        self.canvas.set_document(doc)
        self.regions.set_document(doc)
        doc.subscribe(self._on_doc_changed)
        self.guide_ops.sync_ui()

    def update_title(self) -> None:
        self.setWindowTitle(self.session.title())
        self.setWindowModified(self.session.modified)

    def _on_doc_changed(self, kind: str) -> None:
        if kind in ("hints", "image", "lines", "guide", "gap", "barriers"):
            self.schedule_regen()  # debounced; waits while the pen is down
        if kind == "guide":
            self.guide_ops.sync_ui()

    def colorize(self, quiet: bool = False) -> int:
        return self.colorizer.colorize(quiet)

    def export(self, kind: str) -> bool:
        return self.files.export(kind)

    # -- tools -------------------------------------------------------------------------------------

    def set_tool(self, tool: Tool) -> None:
        self.brush.tool = Tool(tool)
        self.actions_by_name[f"tool_{tool.value}"].setChecked(True)
        size_box = self.bars.size_box
        size_box.setEnabled(tool in self.brush.sizes)
        if tool in self.brush.sizes:
            size_box.blockSignals(True)
            size_box.setValue(int(round(self.brush.size)))
            size_box.blockSignals(False)
        self.canvas.restore_cursor()
        self.canvas.update()  # the barriers show while the barrier tool is in hand
        self.regions.set_prefetch(tool == Tool.BUCKET)  # regions ready before the first click
        self.show_status(f"{TOOLS[tool].label}: {TOOLS[tool].tip}", 3000)

    def set_brush_size(self, value: int) -> None:
        self.brush.set_size(value)
        self.canvas.update()

    def resize_brush(self, direction: int) -> None:
        self.brush.grow() if direction > 0 else self.brush.shrink()
        self.bars.size_box.setValue(int(round(self.brush.size)))

    def _on_color_chosen(self, rgb: tuple) -> None:
        self.brush.color = tuple(int(c) for c in rgb)  # type: ignore[assignment]
        self.palette_widget.set_current(self.brush.color)
        if self.brush.tool in (Tool.EYEDROPPER, Tool.HINT_ERASER):
            self.set_tool(Tool.HINT)

    def _on_color_picked(self, rgb: tuple) -> None:
        self.palette_widget.set_current(rgb)
        self.palette_widget.palette_model.use(rgb)

    def clear_hints(self) -> None:
        if self.doc.hints:
            self.stack.push(SetHintsCommand(self.doc, (), "Clear hints"))

    def clear_barriers(self) -> None:
        if self.doc.barriers:
            self.stack.push(SetBarriersCommand(self.doc, (), "Clear barriers"))

    # -- view options, settings ----------------------------------------------------------------------

    def set_hint_opacity(self, percent: int) -> None:
        self.canvas.set_hint_opacity(percent / 100)
        self.store.setValue(HINT_OPACITY_KEY, int(percent))

    def set_color_mode(self, mode: str) -> None:
        self._settings.color_mode = mode
        save_settings(self.store, self._settings)
        self.schedule_regen(force=True)

    def set_spread(self, spread: str) -> None:
        self._settings.spread = spread
        save_settings(self.store, self._settings)
        self.schedule_regen(force=True)

    def set_auto(self, on: bool) -> None:
        self._settings.auto_regen = bool(on)
        if on:
            self.schedule_regen()

    def open_settings(self) -> None:
        dlg = SettingsDialog(self._settings, self)
        if dlg.exec():
            self.apply_settings(dlg.result_settings())

    def apply_settings(self, new: AppSettings) -> None:
        old = self._settings
        self._settings = new
        save_settings(self.store, new)
        self.autosave_timer.start(new.autosave_s * 1000)
        self.actions_by_name["auto"].setChecked(new.auto_regen)
        model = ("model_path", "device", "precision", "memory_format")
        if any(getattr(old, k) != getattr(new, k) for k in model) or self.colorizer.model_failed:
            self.colorizer.start_model()

    def _on_model_state(self, text: str, tooltip: str) -> None:
        self.model_label.setText(text)
        self.model_label.setToolTip(tooltip)

    def _on_model_ready(self, loaded: ModelLoaded) -> None:
        self.guide_panel.set_model_takes_guide(loaded.takes_guide, self.doc.guide)

    # -- drag and drop, close -------------------------------------------------------------------------

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802
        if e.mimeData().hasUrls() or e.mimeData().hasImage():
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802
        self.files.drop(e.mimeData())
        e.acceptProposedAction()

    def closeEvent(self, e: QCloseEvent) -> None:  # noqa: N802
        if self._closed:
            e.accept()
            return
        if not self.files.maybe_save():
            e.ignore()
            return
        self.shutdown()
        e.accept()

    def shutdown(self) -> None:
        """A clean exit: save settings and window state, stop the workers, drop the autosave."""
        if self._closed:
            return
        self._closed = True
        self.autosave_timer.stop()
        self._settings.show_hints = self.canvas.show_hints
        self.store.setValue("window/geometry", self.saveGeometry())
        self.store.setValue("window/state", self.saveState())
        save_settings(self.store, self._settings)
        self.colorizer.stop()
        self.regions.stop()
        self.recovery.discard()
