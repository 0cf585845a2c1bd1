"""Inference on a dedicated QThread. The only desktop module that touches ``ganime_core.api``.

``ganime_core.api`` (and so torch) is imported lazily inside the worker thread, so the
window opens before torch loads. Every request is stamped with a serial: the worker skips
requests that a newer one has overtaken, and the host drops any result that is not the
newest (stylegan3's renderer does the same).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from ganime_core.errors import DeviceError, GanimeError, NoDefaultModelError, WeightsError
from ganime_core.hints import HintSet
from ganime_core.imageio import LoadedImage

log = logging.getLogger(__name__)

PREVIEW = "preview"
FULL = "full"


@dataclass(frozen=True)
class Job:
    serial: int
    image: LoadedImage
    hints: HintSet
    revision: int = 0
    model_path: str = ""  # "" = the installed default model
    device: str = "auto"
    working_size: int | None = None
    preview_size: int | None = None
    mode: str = "plain"  # plain / flats / locked (ganime_core.api.COLOR_MODES)
    palette: np.ndarray | None = None  # the colour guide: (k, 4) Lab+weight rows, or None


@dataclass
class Output:
    serial: int
    stage: str
    revision: int
    image: np.ndarray
    color: np.ndarray
    working_size: tuple[int, int]
    seconds: float
    device: str
    flats: np.ndarray | None = None  # one exact colour per region (flats and locked modes)


def cpu_threads(requested: int = 0) -> int:
    """Inference threads: ``requested``, or all cores but one (the GUI keeps a core)."""
    return requested if requested > 0 else max(1, (os.cpu_count() or 2) - 1)


def limit_cpu_threads(requested: int = 0) -> int:
    """Cap torch's CPU threads before torch is first imported (it reads these variables then).

    On a 2-core laptop, two inference threads beside the GUI thread oversubscribe the CPU:
    measured here, a 256 px preview took 0.06 s with one thread and 0.2-0.4 s with two under
    load. An explicit OMP_NUM_THREADS from the user is left alone.
    """
    n = cpu_threads(requested)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(n))
    return n


def error_kind(exc: BaseException) -> str:
    if isinstance(exc, NoDefaultModelError):
        return "no_model"
    if isinstance(exc, WeightsError):
        return "weights"
    if isinstance(exc, DeviceError):
        return "device"
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, GanimeError):
        return "input"
    return "internal"


class ColorizeWorker(QObject):
    """Lives on the worker thread; holds the loaded Colorizer."""

    done = Signal(object)  # Output
    failed = Signal(int, str, str)  # serial, kind, message
    model_loaded = Signal(str, int, bool)  # summary, working size, takes a colour guide

    def __init__(self, threads: int = 0) -> None:
        super().__init__()
        self.threads = threads
        self.latest = 0  # written by the GUI thread; an int store is atomic under the GIL
        self._colorizer = None
        self._key: tuple[str, str] | None = None

    def _model(self, path: str, device: str):  # -> ganime_core.api.Colorizer
        key = (path, device)
        if self._colorizer is None or self._key != key:
            limit_cpu_threads(self.threads)
            from ganime_core.api import Colorizer  # torch loads here, on this thread

            self._colorizer = None
            self._colorizer = Colorizer.load(path or None, device=device)
            self._key = key
            info = self._colorizer.info
            self.model_loaded.emit(f"{info.summary()}\ndevice: {self._colorizer.device}",
                                   int(info.working_size), self._colorizer.code_dim > 0)
        return self._colorizer

    @Slot(str, str)
    def preload(self, path: str, device: str) -> None:
        try:
            self._model(path, device)
        except Exception as exc:  # reported, never raised into Qt
            self._report(0, exc)

    @Slot(object)
    def run(self, job: Job) -> None:
        if job.serial < self.latest:
            log.debug("skipping stale request %d (newest %d)", job.serial, self.latest)
            return
        try:
            colorizer = self._model(job.model_path, job.device)
            full = int(job.working_size or colorizer.info.working_size)
            if job.preview_size and job.preview_size < 0.75 * full:
                self._emit(job, PREVIEW, colorizer.colorize(
                    job.image, job.hints, working_size=job.preview_size, mode=job.mode,
                    palette=job.palette))
                if job.serial < self.latest:
                    return
            self._emit(job, FULL, colorizer.colorize(job.image, job.hints, working_size=full,
                                                     mode=job.mode, palette=job.palette))
        except Exception as exc:  # every failure becomes a message in the GUI
            self._report(job.serial, exc)

    def _emit(self, job: Job, stage: str, res) -> None:
        layers = getattr(res, "layers", None)
        flats = None if layers is None or job.mode == "plain" else layers.flats
        self.done.emit(Output(job.serial, stage, job.revision, res.image, res.color,
                              tuple(res.working_size), float(res.seconds), str(res.device),
                              flats))

    def _report(self, serial: int, exc: BaseException) -> None:
        kind = error_kind(exc)
        if kind == "internal":
            log.exception("colorize failed")
            msg = f"Colorizing failed unexpectedly: {type(exc).__name__}: {exc}"
        elif kind == "memory":
            msg = "Not enough memory to colorize at this size; lower the working size in Settings."
        else:
            msg = str(exc)
        self.failed.emit(serial, kind, msg)


class WorkerHost(QObject):
    """GUI-thread side: owns the thread, stamps requests, forwards only the newest results."""

    result_ready = Signal(object)  # Output of the newest request
    error = Signal(str, str)  # kind, message
    busy_changed = Signal(bool)
    model_loaded = Signal(str, int, bool)

    _submit = Signal(object)
    _preload = Signal(str, str)

    def __init__(self, parent: QObject | None = None, threads: int = 0) -> None:
        super().__init__(parent)
        self.latest = 0
        self.dropped = 0
        self.busy = False
        self.thread = QThread()
        self.thread.setObjectName("ganime-colorize")
        self.worker = ColorizeWorker(threads)
        self.worker.moveToThread(self.thread)
        self._submit.connect(self.worker.run)
        self._preload.connect(self.worker.preload)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.worker.model_loaded.connect(self.model_loaded)
        self.thread.start()

    def submit(self, job_args: dict) -> int:
        """Queue a request (the keyword arguments of :class:`Job` minus ``serial``)."""
        self.latest += 1
        self.worker.latest = self.latest
        self._set_busy(True)
        self._submit.emit(Job(serial=self.latest, **job_args))
        return self.latest

    def preload(self, model_path: str, device: str) -> None:
        self._preload.emit(model_path, device)

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busy_changed.emit(busy)

    @Slot(object)
    def _on_done(self, out: Output) -> None:
        if out.serial != self.latest:
            self.dropped += 1
            log.debug("dropped stale result %d (newest %d)", out.serial, self.latest)
            return
        if out.stage == FULL:
            self._set_busy(False)
        self.result_ready.emit(out)

    @Slot(int, str, str)
    def _on_failed(self, serial: int, kind: str, message: str) -> None:
        if serial and serial != self.latest:
            self.dropped += 1
            return
        if serial:
            self._set_busy(False)
        self.error.emit(kind, message)

    def stop(self) -> None:
        """Stop the thread and wait for it (a QThread destroyed while running aborts)."""
        if self.thread.isRunning():
            self.worker.latest = 1 << 62  # skip anything still queued
            self.thread.quit()
            self.thread.wait()
