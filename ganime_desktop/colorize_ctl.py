"""The colorize controller: when to colorize, what to send, what to do with the answer.

:class:`ColorizeController` owns the worker (:class:`workers.WorkerHost`), the debounce timer
of auto-regenerate and the model's state. It reads the document from the
:class:`session.DocumentSession` and the settings through a getter (they are replaced when
the user changes them), asks ``is_drawing`` before an automatic run, and tells the window
what to show through its signals; dialogs go through the :class:`Prompts` it is given.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from ganime_core.options import ColorizeOptions, OptionsError

from .document import Document, ResultImages
from .messages import FULL, Failure, Job, ModelChoice, ModelLoaded, Output
from .preview import FullTimes
from .session import DocumentSession
from .settings import AppSettings
from .stroke_spread import colorize_spread
from .workers import WorkerHost

log = logging.getLogger(__name__)

NO_MODEL = ("No colorizing model is installed yet. Choose a GANime model file "
            "(.safetensors) in Edit → Settings (Ctrl+,). Drawing, hints, projects and "
            "export all work without one.")


class Prompts(Protocol):
    def error(self, title: str, text: str) -> None: ...

    def info(self, title: str, text: str) -> None: ...


def model_choice(s: AppSettings) -> ModelChoice:
    return ModelChoice(str(s.model_file()) if s.model_path else "", s.device, s.precision,
                       s.memory_format)


def colorize_options(doc: Document, s: AppSettings) -> ColorizeOptions:
    """How to colorize ``doc``: the gap is the document's, the mode, spread and working size are
    settings (0 = the model's own); the lines are multiplied and the layers left to the mode
    (the defaults); strokes painted with Alt colour only their regions (``stroke_spread``: when
    they are all there is, the spread is ``region``). Raises :class:`OptionsError` for a value
    out of its range."""
    spread = colorize_spread(s.spread, doc.hints, doc.region_marks())
    return ColorizeOptions(mode=s.color_mode, spread=spread, gap=doc.gap, working_size=s.working_size or None)


class ColorizeController(QObject):
    status = Signal(str, int)  # text, milliseconds (0 = until replaced)
    model_state = Signal(str, str)  # label text, tooltip
    model_ready = Signal(object)  # ModelLoaded
    invalidated = Signal()  # a setting changed how to colorize (the mode, the spread)

    def __init__(self, session: DocumentSession, settings: Callable[[], AppSettings],
                 prompts: Prompts, is_drawing: Callable[[], bool],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self.prompts = prompts
        self.is_drawing = is_drawing
        self.model_summary = ""
        self.model_failed = False
        self._quiet = False
        self._last_submit = 0.0
        self.full_times = FullTimes()  # measured: a preview only where the full result is slow
        self._timing_key: tuple | None = None  # the newest request's
        self.host = WorkerHost(self, settings().cpu_threads)
        self.host.result_ready.connect(self._on_result)
        self.host.error.connect(self._on_failure)
        self.host.model_loaded.connect(self._on_model_loaded)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._auto_regen)

    # -- the model ------------------------------------------------------------------------------

    def start_model(self) -> None:
        """Load the configured model on the worker (or say that there is none)."""
        model = self.settings().model_file()
        if model is None:
            self.model_state.emit("No model installed — see Settings", NO_MODEL)
            self.status.emit(NO_MODEL, 0)
            return
        self.model_state.emit(f"Model: {model.name} (loading…)", "")
        self.model_failed = False
        self.host.preload(model_choice(self.settings()))

    def _on_model_loaded(self, loaded: ModelLoaded) -> None:
        self.model_summary = loaded.summary
        self.model_failed = False
        model = self.settings().model_file()
        self.model_state.emit(f"Model: {model.name if model else '?'} ({loaded.working_size}px)",
                              loaded.summary)
        self.model_ready.emit(loaded)

    # -- requests -------------------------------------------------------------------------------

    def colorize(self, quiet: bool = False) -> int:
        """Send the picture and hints to the worker; returns the request serial (0 if none)."""
        s = self.settings()
        if s.model_file() is None:
            if not quiet:
                self.prompts.info("No model installed", NO_MODEL)
            return 0
        doc = self.session.doc
        try:
            options = colorize_options(doc, s)
        except OptionsError as exc:  # a setting the core does not take (a working size of 8 px)
            self.status.emit(f"Cannot colorize: {exc}", 10000)
            if not quiet:
                self.prompts.error("Colorize failed",
                                   f"{exc}\n\nChange it in Edit → Settings (Ctrl+,).")
            return 0
        palette = doc.guide.model_palette()
        self._timing_key = (doc.size, options, model_choice(s), palette is not None)
        preview = s.preview_size if self.full_times.wants_preview(self._timing_key) else None
        serial = self.host.submit(Job(
            image=doc.loaded_image(), hints=doc.hint_set(), options=options, model=model_choice(s),
            revision=doc.revision, preview_size=preview, palette=palette,
            barriers=doc.barrier_mask(), marks=doc.region_marks()))
        self._quiet = quiet
        self._last_submit = time.monotonic()
        self.status.emit("Colorizing…", 0)
        return serial

    def schedule(self, force: bool = False) -> None:
        """Colorize soon if Auto is on (``force``: the shown result no longer matches)."""
        result = self.session.doc.result
        if force and result is not None:
            result.revision = -1
        if force:
            self.invalidated.emit()
        s = self.settings()
        if s.auto_regen and s.model_file() is not None and not self.model_failed:
            # leading edge: when idle, start at once; while edits come quickly, debounce
            delay = s.regen_delay_ms
            idle = not self.host.busy and time.monotonic() - self._last_submit > delay / 1000
            self.timer.start(0 if idle and not self.is_drawing() else delay)

    def _auto_regen(self) -> None:
        if self.is_drawing():  # still drawing: wait for the pen to lift
            self.timer.start(max(50, self.settings().regen_delay_ms))
            return
        if not self.session.doc.result_is_current:
            self.colorize(quiet=True)

    # -- answers -------------------------------------------------------------------------------

    def _on_result(self, out: Output) -> None:
        self.session.doc.set_result(ResultImages(out.image, out.color, out.revision,
                                                 out.working_size, out.seconds, out.device,
                                                 out.flats, out.shading))
        if out.stage == FULL and self._timing_key is not None:
            self.full_times.record(self._timing_key, out.seconds)
        w, h = out.working_size
        stage = "Done" if out.stage == FULL else "Preview"
        self.status.emit(f"{stage}: {w}×{h} on {out.device} in {out.seconds:.2f} s", 8000)

    def _on_failure(self, failure: Failure) -> None:
        kind, message = failure.kind, failure.message
        if kind.model_unusable:
            self.model_failed = True
            self.model_state.emit("No usable model — see Settings", message)
        self.status.emit(message, 10000)
        if self._quiet and kind.per_edit:
            return  # an automatic regenerate does not pop up dialogs on every stroke
        text = NO_MODEL if kind == kind.NO_MODEL else message
        if kind in (kind.WEIGHTS, kind.DEVICE):
            text += "\n\nChoose another model or device in Edit → Settings (Ctrl+,)."
        self.prompts.error(kind.heading, text)

    def stop(self) -> None:
        self.timer.stop()
        self.host.stop()
