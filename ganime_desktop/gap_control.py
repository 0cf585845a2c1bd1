"""The "Close gaps" slider: the document's gap-closing size, with a live region preview.

While the slider moves, the region worker segments the line art at the slider's value in the
background and the canvas lays the regions over the picture in distinct translucent colours
(the GUI never waits). Releasing the slider (or a keyboard step) sets the document's gap as
one undo step; the preview stays a moment so the user sees what they chose.

Every change of the gap (a drag, a key, an undo or redo) is told in the status line with what
it did to the hints (:mod:`.gap_report`: "Close gaps 64 px: the peach hint colours nothing
now (its region is the brown hint's)"), measured by a :class:`GapReporter` on the region thread
from the regions at both sizes (the shared segmentation cache usually has them already).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QSlider

from ganime_core.inputs.hints import Stroke

from .canvas import Canvas
from .commands import SetGapCommand
from .document import Document
from .gap_report import gap_message, hint_cover, hint_marks
from .region_worker import RegionService
from .regionfill import PageSource, segment_page
from .session import DocumentSession

log = logging.getLogger(__name__)

PREVIEW_LINGER_MS = 1200
NOTE_MS = 12000


class GapReporter(QObject):
    """Lives on the region thread: the status line of one gap change."""

    reported = Signal(int, int, str)  # serial, gap, message

    def __init__(self) -> None:
        super().__init__()
        self.latest = 0  # written by the GUI thread; an int store is atomic under the GIL

    @Slot(int, object, object, int, int)
    def run(self, serial: int, src: PageSource, hints: tuple[Stroke, ...], old: int,
            new: int) -> None:
        if serial < self.latest:
            return  # the slider has moved on
        try:
            width, height = src.image.size
            marks = hint_marks(hints, width, height)
            if not marks:
                message = f"Close gaps {new} px"
            else:
                before = hint_cover(segment_page(src, old), marks)
                after = hint_cover(segment_page(src, new), marks)
                message = gap_message(new, marks, before, after)
        except Exception:  # a report is a nicety: never let it break the gap change
            log.exception("measuring what the gap change did to the hints failed")
            message = f"Close gaps {new} px"
        self.reported.emit(serial, new, message)


class GapControl(QObject):
    _report = Signal(int, object, object, int, int)

    def __init__(self, slider: QSlider, value: QLabel, session: DocumentSession,
                 regions: RegionService, canvas: Canvas, note: Callable[[str, int], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.slider, self.value, self.session = slider, value, session
        self.regions, self.canvas, self.note = regions, canvas, note
        self.linger = QTimer(self)
        self.linger.setSingleShot(True)
        self.linger.setInterval(PREVIEW_LINGER_MS)
        self.linger.timeout.connect(lambda: self.regions.preview(None))
        slider.valueChanged.connect(self._on_value)
        slider.sliderReleased.connect(self._commit)
        regions.preview_ready.connect(self._on_preview)
        session.replaced.connect(self._watch)
        self.reporter = GapReporter()
        self.reporter.moveToThread(regions.worker_thread)  # beside the segmentations it reuses
        self._report.connect(self.reporter.run)
        self.reporter.reported.connect(self._on_reported)
        self._serial = 0
        self.last_report = ""  # the newest status line about the gap (tests read it)
        self._doc: Document | None = None
        self._gap = 0
        self._watch(session.doc)

    def _watch(self, doc: Document) -> None:
        if self._doc is not None:
            self._doc.unsubscribe(self._on_doc)
        self._doc = doc
        self._gap = doc.gap
        self._serial += 1  # a report on the last document is no news
        doc.subscribe(self._on_doc)
        self._show(doc.gap)

    def _on_doc(self, kind: str) -> None:
        if kind != "gap" or self._doc is None:
            return
        old, self._gap = self._gap, self._doc.gap
        if not self.slider.isSliderDown():
            self._show(self._doc.gap)  # an undo, a redo
        if old != self._doc.gap:
            self._ask_report(old, self._doc.gap)

    def _ask_report(self, old: int, new: int) -> None:
        doc = self._doc
        assert doc is not None
        self._serial += 1
        self.reporter.latest = self._serial
        self.last_report = f"Close gaps {new} px"
        if not self.regions.worker_thread.isRunning():
            return
        self._report.emit(self._serial, PageSource(doc.loaded_image(), doc.barrier_mask()),
                          doc.hints, old, new)

    @Slot(int, int, str)
    def _on_reported(self, serial: int, gap: int, message: str) -> None:
        if serial != self._serial or self._doc is None or self._doc.gap != gap:
            return
        self.last_report = message
        self.note(message, NOTE_MS)

    def _show(self, gap: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(gap)
        self.slider.blockSignals(False)
        self.value.setText(f" {gap} px")

    def _on_value(self, gap: int) -> None:
        self.value.setText(f" {gap} px")
        self.linger.stop()
        self.regions.preview(gap)
        if not self.slider.isSliderDown():  # a keyboard step or a click on the track
            self._commit()

    def _commit(self) -> None:
        gap = self.slider.value()
        if gap != self.session.doc.gap:
            self.session.stack.push(SetGapCommand(self.session.doc, gap))
        self.linger.start()

    def _on_preview(self, image: QImage | None) -> None:
        self.canvas.set_region_preview(image)
