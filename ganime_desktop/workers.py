"""Inference on a dedicated QThread. The only desktop module that touches ``ganime_core.api``.

``ganime_core.api`` (and so torch) is imported lazily inside the worker thread, so the
window opens before torch loads. Every request is stamped with a serial: the worker skips
requests that a newer one has overtaken, and the host drops any result that is not the
newest (stylegan3's renderer does the same). Requests, results and failures are the typed
messages of :mod:`.messages`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from ganime_core.options import ColorizeOptions
from ganime_core.regions import shading_image

from .messages import (
    FULL,
    PREVIEW,
    ErrorKind,
    Failure,
    Job,
    ModelChoice,
    ModelLoaded,
    Output,
    Reach,
    ReachJob,
    Suggestions,
    SuggestJob,
    error_kind,
)
from .preview import Pictures, PreviewMemory, context_key
from .stroke_spread import split_hints
from .worker_thread import WorkerThread

log = logging.getLogger(__name__)

__all__ = ["FULL", "PREVIEW", "ColorizeWorker", "Job", "ModelChoice", "Output", "WorkerHost"]


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


class ColorizeWorker(QObject):
    """Lives on the worker thread; holds the loaded Colorizer."""

    done = Signal(object)  # Output
    failed = Signal(object)  # Failure
    model_loaded = Signal(object)  # ModelLoaded
    suggested = Signal(object)  # Suggestions
    suggest_failed = Signal(object)  # Failure (its serial: the SuggestJob's)
    reached = Signal(object)  # Reach

    def __init__(self, threads: int = 0) -> None:
        super().__init__()
        self.threads = threads
        self.latest = 0  # written by the GUI thread; an int store is atomic under the GIL
        self.latest_suggest = 0
        self.latest_reach = 0
        self._colorizer: Any = None  # ganime_core.api.Colorizer, imported on this thread
        self._choice: ModelChoice | None = None
        self.previews = PreviewMemory()  # the last (preview, full) pair: previews stay local

    def skip_all(self) -> None:
        self.latest = self.latest_suggest = self.latest_reach = 1 << 62

    def _model(self, choice: ModelChoice):  # -> ganime_core.api.Colorizer
        if self._colorizer is None or self._choice != choice:
            limit_cpu_threads(self.threads)
            from ganime_core.api import Colorizer  # torch loads here, on this thread

            self._colorizer = None
            self._colorizer = Colorizer.load(choice.path or None, device=choice.device,
                                             precision=choice.precision,
                                             memory_format=choice.memory_format)
            self._choice = choice
            c = self._colorizer
            summary = (f"{c.info.summary()}\nforward: {c.precision}, {c.memory_format}"
                       f"\ndevice: {c.device}")
            self.model_loaded.emit(ModelLoaded(summary, int(c.info.working_size), c.code_dim > 0))
        return self._colorizer

    @Slot(object)
    def preload(self, choice: ModelChoice) -> None:
        try:
            self._model(choice)
        except Exception as exc:  # reported, never raised into Qt
            self._report(0, exc)

    @Slot(object)
    def run(self, job: Job) -> None:
        """Colorize ``job``: the full result, after a local preview if one was asked for
        (:mod:`.preview`: only what the edit changed, over the last full result)."""
        if job.serial < self.latest:
            log.debug("skipping stale request %d (newest %d)", job.serial, self.latest)
            return
        try:
            colorizer = self._model(job.model)
            opts = job.options  # working_size None: the model's own
            full = int(opts.working_size or colorizer.info.working_size)
            low = context = None
            if job.preview_size and job.preview_size < 0.75 * full:
                context = context_key(job.image.rgb, job.image.alpha, opts, job.model,
                                      job.preview_size, job.palette, job.barriers)
                res = self._colorize(colorizer, job, opts.replace(working_size=job.preview_size))
                low = Pictures(res.image, res.color)
                shown = self.previews.compose(context, low)
                if shown is not None:
                    self._emit(job, PREVIEW, SimpleNamespace(
                        image=shown.image, color=shown.color, working_size=res.working_size,
                        seconds=res.seconds, device=res.device, layers=None))
                if job.serial < self.latest:
                    return
            res = self._colorize(colorizer, job, opts)
            self.previews.remember(context, low, Pictures(res.image, res.color))
            self._emit(job, FULL, res)
        except Exception as exc:  # every failure becomes a message in the GUI
            self._report(job.serial, exc)

    @Slot(object)
    def run_suggest(self, job: SuggestJob) -> None:
        """Colour suggestions (``ganime_core.suggest``) with the loaded model, on this thread."""
        if job.serial < self.latest_suggest:
            return  # the sketch changed again: a newer request is queued
        try:
            from ganime_core.suggest import suggest

            colorizer = self._model(job.model)
            t0 = time.perf_counter()
            previews = suggest(colorizer, job.image, job.n, size=job.size, options=job.options)
            self.suggested.emit(Suggestions(job.serial, tuple(previews),
                                            time.perf_counter() - t0))
        except Exception as exc:  # reported, never raised into Qt
            self._report(job.serial, exc, self.suggest_failed)

    @Slot(object)
    def run_reach(self, job: ReachJob) -> None:
        """The hint brush's hover: the part a stroke would colour (``parts.query.hint_reach``,
        one network pass with the hints and the dot), drawn as its highlight. Skipped when a
        colorize was asked since (it goes first) or a newer hover overtook it; a failure shows
        nothing (logged): the highlight is a nicety."""
        if job.serial < self.latest_reach or job.after != self.latest:
            self.reached.emit(Reach(job.serial, job.key, None, skipped=True))
            return
        image, crop, x, y, pixels, t0 = None, None, 0, 0, 0, time.perf_counter()
        try:
            from ganime_core.parts.query import hint_reach

            from .part_picture import part_mask, part_rgba
            from .qt_util import to_qimage

            mask, colours = hint_reach(self._model(job.model), job.image, job.hints, job.options,
                                       palette=job.palette, barriers=job.barriers)
            part = part_mask(mask, colours, job.color)
            rgba, x, y = part_rgba(part, job.color)
            if rgba is not None:
                image, crop = to_qimage(rgba), part[y:y + rgba.shape[0], x:x + rgba.shape[1]]
            pixels = int(part.sum())
        except Exception:  # never raised into Qt; the canvas just shows no highlight
            log.exception("hover highlight of the part failed")
        self.reached.emit(Reach(job.serial, job.key, image, x, y, pixels, time.perf_counter() - t0,
                                mask=crop))

    @staticmethod
    def _colorize(colorizer, job: Job, options: ColorizeOptions):  # -> ganime_core.api.Result
        """The colorize; strokes painted with Alt beside others split the hints (stroke_spread)."""
        hints, options = split_hints(colorizer, job.image, job.hints, job.marks, options,
                                     palette=job.palette, barriers=job.barriers)
        return colorizer.colorize(job.image, hints, options, palette=job.palette,
                                  barriers=job.barriers)

    def _emit(self, job: Job, stage: str, res) -> None:
        layers = getattr(res, "layers", None)
        mode = job.options.mode
        flats = None if layers is None or mode == "plain" else layers.flats
        shading = None if layers is None or mode != "locked" else shading_image(layers.shading, "overlay")
        self.done.emit(Output(job.serial, stage, job.revision, res.image, res.color,
                              tuple(res.working_size), float(res.seconds), str(res.device),
                              flats, shading))

    def _report(self, serial: int, exc: BaseException, to: Any = None) -> None:
        kind = error_kind(exc)
        if kind == ErrorKind.INTERNAL:
            log.exception("colorize failed")
            msg = f"Colorizing failed unexpectedly: {type(exc).__name__}: {exc}"
        elif kind == ErrorKind.MEMORY:
            msg = "Not enough memory to colorize at this size; lower the working size in Settings."
        else:
            msg = str(exc)
        (to or self.failed).emit(Failure(serial, kind, msg))


class WorkerHost(QObject):
    """GUI-thread side: owns the thread, stamps requests, forwards only the newest results."""

    result_ready = Signal(object)  # Output of the newest request
    error = Signal(object)  # Failure
    busy_changed = Signal(bool)
    model_loaded = Signal(object)  # ModelLoaded
    suggestions_ready = Signal(object)  # Suggestions of the newest SuggestJob
    suggest_failed = Signal(object)  # Failure of the newest SuggestJob
    reach_ready = Signal(object)  # Reach: the answer to every ReachJob (skipped ones too)

    _submit = Signal(object)
    _preload = Signal(object)
    _suggest = Signal(object)
    _reach = Signal(object)

    def __init__(self, parent: QObject | None = None, threads: int = 0) -> None:
        super().__init__(parent)
        self.latest = 0
        self.latest_suggest = 0
        self.dropped = 0
        self.busy = False
        self.worker = ColorizeWorker(threads)
        self._submit.connect(self.worker.run)
        self._suggest.connect(self.worker.run_suggest)
        self.worker.suggested.connect(self._on_suggested)
        self.worker.suggest_failed.connect(self._on_suggest_failed)
        self.latest_reach = 0
        self._reach.connect(self.worker.run_reach)
        self.worker.reached.connect(self.reach_ready)
        self._preload.connect(self.worker.preload)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.worker.model_loaded.connect(self.model_loaded)
        self._shell = WorkerThread("ganime-colorize", self.worker, self)
        self.worker_thread = self._shell.thread

    def submit(self, job: Job) -> int:
        """Queue a request; returns the serial it was stamped with."""
        self.latest += 1
        self.worker.latest = self.latest
        self._set_busy(True)
        self._submit.emit(dataclasses.replace(job, serial=self.latest))
        return self.latest

    def preload(self, choice: ModelChoice) -> None:
        self._preload.emit(choice)

    def suggest(self, job: SuggestJob) -> int:
        """Queue colour suggestions (behind any colorize already queued); only the newest
        request's answer comes back."""
        self.latest_suggest += 1
        self.worker.latest_suggest = self.latest_suggest
        self._suggest.emit(dataclasses.replace(job, serial=self.latest_suggest))
        return self.latest_suggest

    def reach(self, job: ReachJob) -> int:
        """Ask where a stroke would go (after the colorize asked last: one asked later wins)."""
        self.latest_reach += 1
        self.worker.latest_reach = self.latest_reach
        self._reach.emit(dataclasses.replace(job, serial=self.latest_reach, after=self.latest))
        return self.latest_reach

    def cancel_suggestions(self) -> None:
        """Whatever is queued or under way is no longer wanted."""
        self.latest_suggest += 1
        self.worker.latest_suggest = self.latest_suggest

    @Slot(object)
    def _on_suggested(self, out: Suggestions) -> None:
        if out.serial == self.latest_suggest:
            self.suggestions_ready.emit(out)

    @Slot(object)
    def _on_suggest_failed(self, failure: Failure) -> None:
        if failure.serial == self.latest_suggest:
            self.suggest_failed.emit(failure)

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

    @Slot(object)
    def _on_failed(self, failure: Failure) -> None:
        if failure.serial and failure.serial != self.latest:
            self.dropped += 1
            return
        if failure.serial:
            self._set_busy(False)
        self.error.emit(failure)

    def stop(self) -> None:
        """Stop the thread and wait for it (a QThread destroyed while running aborts)."""
        self._shell.stop()
