"""The GANime docker: line layer, the colorize options, colour guide, live toggle, status line.

The option controls come from the schema the service publishes (``controls``, ``options``);
connecting asks for ``/v1/health`` and ``/v1/options``. Krita calls (reading and writing
layers) happen on the GUI thread; only HTTP requests run on a worker thread, and their answers
come back through a queued Qt signal.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from krita import DockWidget, Krita
from PyQt5.QtCore import QObject, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from . import bridge
from .client import START_COMMAND, Client, ServiceError, find_ganime, start_service, wait_ready
from .controls import OptionControls, ServiceSettings
from .options import probe, request_fields

log = logging.getLogger(__name__)

LIVE_POLL_MS = 400
LIVE_SETTLE_S = 0.5
IMAGE_FILTER = "Pictures or GIMP palettes (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gpl)"


class _Signals(QObject):
    done = pyqtSignal(object, object, object)  # (job, result, error)


def message_for(err: Exception) -> str:
    """A plain message for the status line."""
    if isinstance(err, ServiceError):
        return err.message
    if isinstance(err, bridge.PluginError):
        return str(err)
    return f"Unexpected error: {type(err).__name__}: {err}"


def same_document(a, b) -> bool:
    """Krita hands out a new Python wrapper on every call, so compare what they wrap."""
    if a is None or b is None:
        return False
    if a == b:
        return True
    try:
        return a.rootNode().uniqueId() == b.rootNode().uniqueId()
    except AttributeError:
        return False


class GanimeDocker(DockWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("GANime")
        self._signals = _Signals()
        self._signals.done.connect(self._route)
        self._busy = False
        self._again = False
        self._health: dict | None = None
        self._live_sig: tuple | None = None
        self._live_changed = 0.0
        self._build()
        self._client = self._make_client()
        self._timer = QTimer(self)
        self._timer.setInterval(LIVE_POLL_MS)
        self._timer.timeout.connect(self._poll_live)
        self._check_service()

    # -- UI ----------------------------------------------------------------------------------

    def _build(self) -> None:
        root = QWidget(self)
        box = QVBoxLayout(root)
        form = QFormLayout()
        self.lines = QComboBox()
        self.lines.setToolTip("The line-art layer to colorize (default: the active layer)")
        self.lines.addItem("Active layer", "")
        form.addRow("Lines", self.lines)
        self.controls = OptionControls(form)
        widgets = self.controls.widgets
        self.mode, self.gap, self.working_size, self.layers = (
            widgets["mode"], widgets["gap"], widgets["working_size"], widgets["layers"])
        guide = QHBoxLayout()
        self.guide = QLineEdit()
        self.guide.setPlaceholderText("reference picture or .gpl palette")
        self.guide.setClearButtonEnabled(True)
        pick = QToolButton()
        pick.setText("…")
        pick.setToolTip("Choose a reference picture or a GIMP palette for the colours")
        pick.clicked.connect(self._pick_guide)
        guide.addWidget(self.guide)
        guide.addWidget(pick)
        form.addRow("Colours", guide)
        box.addLayout(form)

        buttons = QHBoxLayout()
        self.hints_button = QPushButton("Paint hints")
        self.hints_button.setToolTip('Select (and create) the "GANime hints" layer: paint colour '
                                     "hints on it with any brush")
        self.hints_button.clicked.connect(self._paint_hints)
        self.go = QPushButton("Colorize")
        self.go.setDefault(True)
        self.go.clicked.connect(lambda: self.colorize(live=False))
        buttons.addWidget(self.hints_button)
        buttons.addWidget(self.go)
        box.addLayout(buttons)
        self.live = QCheckBox("Live: re-colorize after each stroke")
        self.live.toggled.connect(self._toggle_live)
        box.addWidget(self.live)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        box.addWidget(self.status)
        self.start_button = QPushButton("Start the GANime service")
        self.start_button.clicked.connect(self._start_service)
        self.start_button.hide()
        box.addWidget(self.start_button)
        self.settings = ServiceSettings()
        self.settings.changed.connect(self._settings_changed)
        box.addWidget(self.settings)
        box.addStretch(1)
        self.setWidget(root)

    def _settings_changed(self) -> None:
        self._client = self._make_client()
        self._check_service()

    def _make_client(self) -> Client:
        return Client(self.settings.service_url(), self.settings.token_path())

    @property
    def health(self) -> dict | None:
        """The service's last health answer (None: not reached yet, or down)."""
        return self._health

    def say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #d05050;" if error else "")

    # -- Krita -------------------------------------------------------------------------------

    def canvasChanged(self, canvas) -> None:  # noqa: N802 - Krita's name
        self._refresh_layers()
        self._live_sig = None

    def _doc(self):
        return Krita.instance().activeDocument()

    def _refresh_layers(self) -> None:
        doc = self._doc()
        current = self.lines.currentData()
        self.lines.blockSignals(True)
        self.lines.clear()
        self.lines.addItem("Active layer", "")
        if doc is not None:
            for node in bridge.pixel_layers(doc):
                self.lines.addItem(node.name(), node.name())
        i = self.lines.findData(current)
        self.lines.setCurrentIndex(max(i, 0))
        self.lines.blockSignals(False)

    def _paint_hints(self) -> None:
        doc = self._doc()
        if doc is None:
            self.say("Open or create a document first.", True)
            return
        self._pin_lines(doc)
        node = bridge.ensure_hints(doc)
        node.setVisible(True)
        doc.setActiveNode(node)
        doc.refreshProjection()
        self.say('Paint colour hints on the "GANime hints" layer, then Colorize.')

    def _pin_lines(self, doc) -> None:
        """Before the hint layer becomes active, remember the line layer by name in the list."""
        if self.lines.currentData():
            return
        try:
            node = bridge.lines_node(doc, "")
        except bridge.PluginError:
            return
        self._refresh_layers()
        i = self.lines.findData(node.name())
        if i >= 0:
            self.lines.setCurrentIndex(i)

    def _pick_guide(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Colour guide", "", IMAGE_FILTER)
        if path:
            self.guide.setText(path)

    def options(self, live: bool) -> bridge.Options:
        """What to send: every control the service takes at its value (a gap of 0 included)."""
        sent = request_fields(self.controls.values(), self.controls.schema)
        opts = bridge.Options(live=live, **sent)
        guide = self.guide.text().strip()
        if guide:
            path = Path(guide).expanduser()
            try:
                if path.suffix.lower() == ".gpl":
                    opts.palette = path.read_text(encoding="utf-8", errors="replace")
                else:
                    opts.reference = path.read_bytes()
            except OSError as exc:
                raise bridge.PluginError(f"Cannot read the colour guide {path.name}: "
                                         f"{exc.strerror or exc}") from None
        return opts

    # -- colorize ----------------------------------------------------------------------------

    def colorize(self, live: bool = False) -> None:
        if self._busy:
            self._again = True
            return
        doc = self._doc()
        try:
            max_px = (self._health or {}).get("max_pixels")
            inputs = bridge.prepare(doc, self.lines.currentData() or "", max_px)
            opts = self.options(live)
        except (bridge.PluginError, ServiceError) as exc:
            self.say(message_for(exc), True)
            return
        self._busy = True
        self.go.setEnabled(False)
        self.say("Colorizing…" if not live else "Live preview…")
        job = {"doc": doc, "lines": self.lines.currentData() or "", "t0": time.perf_counter(),
               "live": live}
        client = self._client

        def work() -> None:
            try:
                self._signals.done.emit(job, bridge.request(client, inputs, opts), None)
            except Exception as exc:  # delivered to the GUI thread, shown in the status line
                self._signals.done.emit(job, None, exc)

        threading.Thread(target=work, name="ganime-request", daemon=True).start()

    def _finished(self, job: dict, result, err) -> None:
        try:
            self._apply(job, result, err)
        finally:  # only now: writing layers can spin Krita's event loop
            self._busy = False
            self.go.setEnabled(True)
        if self._again:
            self._again = False
            self.colorize(live=self.live.isChecked())

    def _apply(self, job: dict, result, err) -> None:
        if err is None:
            body, headers = result
            try:
                if not same_document(job["doc"], Krita.instance().activeDocument()):
                    raise bridge.PluginError("The document changed while colorizing; try again.")
                bridge.apply_ora(job["doc"], bridge.lines_node(job["doc"], job["lines"]), body)
                hints = bridge.find_hints(job["doc"])
                if hints is not None and not job["live"] and not self.live.isChecked():
                    hints.setVisible(False)  # keep hint strokes out of the picture and exports
                    job["doc"].refreshProjection()
                self.start_button.hide()
                total = time.perf_counter() - job["t0"]
                self.say(f"Done in {total:.2f} s (model {float(headers.get('x-ganime-seconds', 0)):.2f} s).")
            except bridge.PluginError as exc:
                self.say(str(exc), True)
        elif isinstance(err, ServiceError) and err.kind == "superseded":
            pass  # a newer live request is on its way
        else:
            self._show_error(err)

    def _show_error(self, err: Exception) -> None:
        self.say(message_for(err), True)
        down = isinstance(err, ServiceError) and err.kind == "down"
        self.start_button.setVisible(down and find_ganime(self.settings.command_text()) is not None)

    # -- service -----------------------------------------------------------------------------

    def _check_service(self) -> None:
        """Ask for the service's health and options on a worker thread; say what was found."""
        client = self._client
        sig = self._signals

        def work() -> None:
            try:
                sig.done.emit({"health": True}, probe(client), None)
            except Exception as exc:
                sig.done.emit({"health": True}, None, exc)

        threading.Thread(target=work, name="ganime-health", daemon=True).start()

    def _route(self, job: dict, result, err) -> None:
        if job.get("health"):
            self._health_answer(result, err)
        else:
            self._finished(job, result, err)

    def _health_answer(self, result, err) -> None:
        if err is not None:
            self._health = None
            self._show_error(err)
            return
        info, schema = result
        self._health = info
        self.start_button.hide()
        self.controls.apply(schema, info)
        log.info("GANime service %s: options %s", info.get("version", "?"),
                 "published" if schema.published else "built in (no /v1/options)")
        model = info.get("model", {})
        self.say(f"Ready: GANime {info.get('version', '?')} on {info.get('device', '?')}, "
                 f"model {model.get('arch', '?')} ({model.get('working_size', '?')} px).")

    def _start_service(self) -> None:
        exe = find_ganime(self.settings.command_text())
        if exe is None:
            self.say(f"GANime is not installed where the plugin can find it. Start it yourself: "
                     f"{START_COMMAND}", True)
            return
        self.start_button.setEnabled(False)
        self.say("Starting the GANime service (the model loads first)…")
        client, sig = self._client, self._signals
        try:
            proc = start_service(exe, client.url, client.token_file)
        except OSError as exc:
            self.start_button.setEnabled(True)
            self.say(f"Could not start {exe}: {exc}", True)
            return

        def work() -> None:
            try:
                sig.done.emit({"health": True}, probe(client, wait_ready(client, proc=proc)), None)
            except Exception as exc:
                sig.done.emit({"health": True}, None, exc)

        threading.Thread(target=work, name="ganime-start", daemon=True).start()
        QTimer.singleShot(100, lambda: self.start_button.setEnabled(True))

    # -- live --------------------------------------------------------------------------------

    def _toggle_live(self, on: bool) -> None:
        self._live_sig = None
        if on:
            self._paint_hints()
            self._timer.start()
        else:
            self._timer.stop()

    def _poll_live(self) -> None:
        """Re-colorize once the line and hint layers have stopped changing for a moment."""
        sig = bridge.layers_signature(self._doc(), self.lines.currentData() or "")
        now = time.monotonic()
        if sig is None:
            return
        if self._live_sig is None:
            self._live_sig, self._live_changed = sig, 0.0
            return
        if sig != self._live_sig:
            self._live_sig, self._live_changed = sig, now
            return
        if self._live_changed and now - self._live_changed >= LIVE_SETTLE_S:
            self._live_changed = 0.0
            self.colorize(live=True)
