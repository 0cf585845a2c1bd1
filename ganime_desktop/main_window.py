"""The main window: wires the document, canvas, tools, worker, autosave and dialogs together."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QUndoView,
    QWidget,
)

from ganime_core.hints import Stroke
from ganime_core.imageio import from_array

from .actions import build_actions, build_menus, build_toolbars
from .canvas import Canvas
from .colour_names import fill_text
from .commands import UNDO_LIMIT, SetHintsCommand
from .document import Document, ResultImages, lines_from_loaded
from .file_ops import FileOpsMixin
from .guide_ops import GuideOpsMixin
from .help_ops import HelpOpsMixin
from .palette import Palette
from .prompts import ErrorGuard, Prompter
from .qt_util import app_icon, from_qimage
from .recovery import RecoverySession
from .region_worker import RegionService
from .settings import AppSettings, default_recovery_dir, load_settings, save_settings
from .tools import TOOLS, BrushState, Tool, ToolController
from .widgets.guide_panel import GuidePanel
from .widgets.palette_dock import PaletteWidget
from .workers import FULL, Output, WorkerHost

log = logging.getLogger(__name__)

NO_MODEL = ("No colorizing model is installed yet. Choose a GANime model file "
            "(.safetensors) in Edit → Settings (Ctrl+,). Drawing, hints, projects and "
            "export all work without one.")

FINDING_REGIONS = "Finding the regions to fill…"


class MainWindow(FileOpsMixin, GuideOpsMixin, HelpOpsMixin, QMainWindow):
    def __init__(self, store: QSettings | None = None, recovery_dir: str | Path | None = None,
                 prompter: Prompter | None = None, doc: Document | None = None) -> None:
        super().__init__()
        self.store = store or QSettings()
        self.settings: AppSettings = load_settings(self.store)
        self.prompter = prompter or Prompter(self)
        self.path: Path | None = None  # the project file, once saved or opened
        self.sketch_path: Path | None = None  # the picture opened or imported last
        self._name = "untitled"
        self._autosaved_rev = -1
        self._model_summary = ""
        self._model_failed = False
        self._closed = False
        self._quiet = False
        self._last_submit = 0.0
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)

        self.stack = QUndoStack(self)
        self.stack.setUndoLimit(UNDO_LIMIT)
        self.stack.cleanChanged.connect(self._on_clean_changed)
        self.brush = BrushState()
        self.controller = ToolController(self.stack, self.brush)
        self.regions = RegionService(self)  # segmentation runs on its own thread
        self.controller.region_fill = self._queue_fill
        self.controller.on_color_picked = self._on_color_picked
        self.controller.on_edit_finished = self.schedule_regen
        self.controller.on_error = lambda msg: self.prompter.error("Fill region", msg)
        self.canvas = Canvas(self.controller, self)
        self.controller.sampler = self.canvas.sample
        self.canvas.region_hover = self.regions.hover
        self.regions.highlight_ready.connect(
            lambda h: self.canvas.show_region(h.key, h.image, h.x, h.y))
        self.regions.ready.connect(self.canvas.refresh_region)
        self.regions.fill_ready.connect(self._apply_fill)
        self.regions.fill_failed.connect(lambda msg: self.prompter.error("Fill region", msg))
        self.regions.fill_dropped.connect(lambda _n: self.show_status(
            "Fill cancelled: the lines changed before the regions were ready", 4000))
        self.regions.busy_changed.connect(self._on_fill_busy)
        self.setCentralWidget(self.canvas)

        self.palette_widget = PaletteWidget(Palette(), self)
        self.palette_widget.color_chosen.connect(self._on_color_chosen)
        self.palette_widget.load_requested.connect(self.load_palette)
        self.palette_widget.save_requested.connect(self.save_palette)
        self._docks = [self._add_dock("Palette", "palette_dock", self.palette_widget)]

        self.host = WorkerHost(self, self.settings.cpu_threads)
        self.host.result_ready.connect(self._on_result)
        self.host.error.connect(self._on_worker_error)
        self.host.busy_changed.connect(self._on_busy)
        self.host.model_loaded.connect(self._on_model_loaded)

        self.actions_by_name = build_actions(self)
        a = self.actions_by_name
        self.guide_panel = GuidePanel(a["reference"], a["clear_reference"], a["palette_guide"], self)
        self.guide_panel.reference_dropped.connect(self.set_reference_path)
        self._docks += [self._add_dock("Colour guide", "guide_dock", self.guide_panel),
                        self._add_dock("History", "history_dock", QUndoView(self.stack))]
        build_menus(self, self.actions_by_name)
        build_toolbars(self, self.actions_by_name)
        self._build_status_bar()
        self.canvas.set_show_hints(self.settings.show_hints)
        self.canvas.set_hint_opacity(self.hint_opacity_box.value() / 100)
        for menu in self.menuBar().findChildren(QMenu):  # no stale hover under an open menu
            menu.aboutToShow.connect(self.canvas.clear_hover)

        self.regen_timer = QTimer(self)
        self.regen_timer.setSingleShot(True)
        self.regen_timer.timeout.connect(self._auto_regen)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start(self.settings.autosave_s * 1000)
        self.recovery = RecoverySession(recovery_dir or default_recovery_dir())
        self.destroyed.connect(self.recovery.detach)

        self.set_document(doc or Document.blank(1024, 768), None)
        self.set_tool(Tool.HINT)
        self._on_color_chosen(self.brush.color)
        self.update_recent_menu()
        self._restore_window_state()
        self._start_model()

    # -- construction helpers ----------------------------------------------------------------------

    def _add_dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        if hasattr(self, "view_menu"):
            self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.model_label = QLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setVisible(False)
        self.pos_label = QLabel()
        self.zoom_label = QLabel("100%")
        sb.addPermanentWidget(self.busy_bar)
        sb.addPermanentWidget(self.pos_label)
        sb.addPermanentWidget(self.zoom_label)
        sb.addPermanentWidget(self.model_label)
        self.canvas.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        self.canvas.cursor_moved.connect(lambda x, y: self.pos_label.setText(f"{x}, {y}"))

    def _restore_window_state(self) -> None:
        geo, state = self.store.value("window/geometry"), self.store.value("window/state")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            self.resize(1280, 820)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        else:  # first start: palette and colour guide get the room, history the rest
            self.resizeDocks(self._docks, [290, 340, 150], Qt.Orientation.Vertical)

    def guard(self, title: str) -> ErrorGuard:
        """``with win.guard("title"):`` turns any error into a message; the app keeps running."""
        return ErrorGuard(self.prompter, title)

    def show_status(self, text: str, ms: int = 6000) -> None:
        log.info("%s", text)
        self.statusBar().showMessage(text, ms)

    # -- document ----------------------------------------------------------------------------------

    def set_document(self, doc: Document, path: Path | None, name: str = "") -> None:
        if getattr(self, "doc", None) is not None:
            self.doc.unsubscribe(self._on_doc_changed)
        self.doc = doc
        self.path = path
        self.sketch_path = None
        self._name = name or (path.name if path else "untitled")
        self.stack.clear()
        self.stack.setClean()
        self._autosaved_rev = -1
        self.controller.set_document(doc)
        self.canvas.set_document(doc)
        self.regions.set_document(doc)
        doc.subscribe(self._on_doc_changed)
        self._sync_guide_ui()
        self.update_title()

    def display_name(self) -> str:
        return self._name

    def _on_clean_changed(self, _clean: bool) -> None:
        self.update_title()

    def update_title(self) -> None:
        name = self._name
        if self.path is not None and self.sketch_path is not None:  # a sketch imported into it
            name = f"{name} ({self.sketch_path.name})"
        self.setWindowTitle(f"{name}[*] — GANime")
        self.setWindowModified(not self.stack.isClean())

    def update_recent_menu(self) -> None:
        menu = getattr(self, "recent_menu", None)
        if menu is None:
            return
        menu.clear()
        for p in self.settings.recent_files:
            menu.addAction(Path(p).name, lambda p=p: self.open_path(p)).setToolTip(p)
        menu.setEnabled(bool(self.settings.recent_files))

    def _on_doc_changed(self, kind: str) -> None:
        if kind in ("hints", "image", "lines", "guide"):
            self.schedule_regen()  # debounced; waits while the pen is down
        if kind == "guide":
            self._sync_guide_ui()

    # -- tools -------------------------------------------------------------------------------------

    def set_tool(self, tool: Tool) -> None:
        self.brush.tool = Tool(tool)
        self.actions_by_name[f"tool_{tool.value}"].setChecked(True)
        self.size_box.setEnabled(tool in self.brush.sizes)
        if tool in self.brush.sizes:
            self.size_box.blockSignals(True)
            self.size_box.setValue(int(round(self.brush.size)))
            self.size_box.blockSignals(False)
        self.canvas.restore_cursor()
        self.regions.set_prefetch(tool == Tool.BUCKET)  # regions ready before the first click
        self.show_status(f"{TOOLS[tool].label}: {TOOLS[tool].tip}", 3000)

    def set_brush_size(self, value: int) -> None:
        self.brush.set_size(value)
        self.canvas.update()

    def resize_brush(self, direction: int) -> None:
        self.brush.grow() if direction > 0 else self.brush.shrink()
        self.size_box.setValue(int(round(self.brush.size)))

    def _on_color_chosen(self, rgb: tuple) -> None:
        self.brush.color = tuple(int(c) for c in rgb)  # type: ignore[assignment]
        self.palette_widget.set_current(self.brush.color)
        if self.brush.tool in (Tool.EYEDROPPER, Tool.HINT_ERASER):
            self.set_tool(Tool.HINT)

    def _on_color_picked(self, rgb: tuple) -> None:
        self.palette_widget.set_current(rgb)
        self.palette_widget.palette_model.use(rgb)

    def _queue_fill(self, doc: Document, x: int, y: int,
                    color: tuple[int, int, int]) -> tuple[Stroke, ...]:
        """The fill tool's click: segmenting happens off this thread, the fill comes later."""
        if doc is self.doc:
            self.regions.fill(x, y, color)
        return ()  # nothing to push now: :meth:`_apply_fill` pushes the strokes

    def _apply_fill(self, strokes: tuple[Stroke, ...]) -> None:
        if strokes:  # the same single undo step as any hint edit
            self.stack.push(SetHintsCommand(self.doc, self.doc.hints + tuple(strokes),
                                            fill_text(strokes[0].color)))
            self.schedule_regen()

    def _on_fill_busy(self, busy: bool) -> None:
        self.canvas.set_busy(busy)
        if busy:
            self.statusBar().showMessage(FINDING_REGIONS)
        elif self.statusBar().currentMessage() == FINDING_REGIONS:
            self.statusBar().clearMessage()

    def clear_hints(self) -> None:
        if self.doc.hints:
            self.stack.push(SetHintsCommand(self.doc, (), "Clear hints"))

    # -- colorize -------------------------------------------------------------------------------------

    def _start_model(self) -> None:
        model = self.settings.model_file()
        if model is None:
            self.model_label.setText("No model installed — see Settings")
            self.model_label.setToolTip(NO_MODEL)
            self.statusBar().showMessage(NO_MODEL)
            return
        self.model_label.setText(f"Model: {model.name} (loading…)")
        self._model_failed = False
        self.host.preload(str(model) if self.settings.model_path else "", self.settings.device)

    def colorize(self, quiet: bool = False) -> int:
        """Send the picture and hints to the worker; returns the request serial (0 if none)."""
        if self.settings.model_file() is None:
            if not quiet:
                self.prompter.info("No model installed", NO_MODEL)
            return 0
        s = self.settings
        serial = self.host.submit(dict(
            image=self.doc.loaded_image(), hints=self.doc.hint_set(), revision=self.doc.revision,
            model_path=s.model_path, device=s.device, working_size=s.working_size or None,
            preview_size=s.preview_size, mode=s.color_mode, palette=self.doc.guide.model_palette()))
        self._quiet = quiet
        self._last_submit = time.monotonic()
        self.statusBar().showMessage("Colorizing…")
        return serial

    def set_color_mode(self, mode: str) -> None:
        self.settings.color_mode = mode
        save_settings(self.store, self.settings)
        self.schedule_regen(force=True)

    def set_auto(self, on: bool) -> None:
        self.settings.auto_regen = bool(on)
        if on:
            self.schedule_regen()

    def schedule_regen(self, force: bool = False) -> None:
        if force and self.doc.result is not None:
            self.doc.result.revision = -1  # the shown result no longer matches the settings
        if self.settings.auto_regen and self.settings.model_file() is not None \
                and not self._model_failed:
            # leading edge: when idle, start at once; while edits come quickly, debounce
            delay = self.settings.regen_delay_ms
            idle = not self.host.busy and time.monotonic() - self._last_submit > delay / 1000
            self.regen_timer.start(0 if idle and not self.controller.active else delay)

    def _auto_regen(self) -> None:
        if self.controller.active:  # still drawing: wait for the pen to lift
            self.regen_timer.start(max(50, self.settings.regen_delay_ms))
            return
        if not self.doc.result_is_current:
            self.colorize(quiet=True)

    def _on_result(self, out: Output) -> None:
        self.doc.set_result(ResultImages(out.image, out.color, out.revision, out.working_size,
                                         out.seconds, out.device, out.flats))
        w, h = out.working_size
        stage = "Done" if out.stage == FULL else "Preview"
        self.statusBar().showMessage(f"{stage}: {w}×{h} on {out.device} in {out.seconds:.2f} s",
                                     8000)

    def _on_worker_error(self, kind: str, message: str) -> None:
        if kind in ("no_model", "weights", "device"):
            self._model_failed = True
            self.model_label.setText("No usable model — see Settings")
            self.model_label.setToolTip(message)
        self.statusBar().showMessage(message, 10000)
        if self._quiet and kind in ("input", "internal"):
            return  # an automatic regenerate does not pop up dialogs on every stroke
        title = {"no_model": "No model installed", "weights": "Cannot load the model",
                 "device": "Device not available", "memory": "Out of memory"}.get(
            kind, "Colorize failed")
        text = NO_MODEL if kind == "no_model" else message
        if kind in ("weights", "device"):
            text += "\n\nChoose another model or device in Edit → Settings (Ctrl+,)."
        self.prompter.error(title, text)

    def _on_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)

    def _on_model_loaded(self, summary: str, working_size: int, takes_guide: bool = True) -> None:
        self._model_summary = summary
        self._model_failed = False
        self.guide_panel.set_model_takes_guide(takes_guide, self.doc.guide)
        model = self.settings.model_file()
        self.model_label.setText(f"Model: {model.name if model else '?'} ({working_size}px)")
        self.model_label.setToolTip(summary)

    # -- drag and drop, close -------------------------------------------------------------------------

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802
        if e.mimeData().hasUrls() or e.mimeData().hasImage():
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802
        md = e.mimeData()
        paths = [Path(u.toLocalFile()) for u in md.urls() if u.isLocalFile()]
        if paths:
            self.drop_paths(paths)
        elif md.hasImage():
            with self.guard("Cannot import the dropped picture"):
                loaded = from_array(from_qimage(md.imageData()), "dropped image")
                self.import_array(*lines_from_loaded(loaded), "dropped image")
        e.acceptProposedAction()

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document (saved, or the user said so)."""
        if self.stack.isClean():
            return True
        answer = self.prompter.save_discard_cancel(
            "Unsaved changes", f"Save the changes to {self._name} before closing it?")
        if answer == "save":
            return self.save()
        return answer == "discard"

    def closeEvent(self, e: QCloseEvent) -> None:  # noqa: N802
        if self._closed:
            e.accept()
            return
        if not self.maybe_save():
            e.ignore()
            return
        self.shutdown()
        e.accept()

    def shutdown(self) -> None:
        """A clean exit: save settings and window state, stop the worker, drop the autosave."""
        if self._closed:
            return
        self._closed = True
        self.regen_timer.stop()
        self.autosave_timer.stop()
        self.settings.show_hints = self.canvas.show_hints
        self.store.setValue("window/geometry", self.saveGeometry())
        self.store.setValue("window/state", self.saveState())
        save_settings(self.store, self.settings)
        self.host.stop()
        self.regions.stop()
        self.recovery.discard()
