"""The "Close gaps" slider: the document's gap-closing size, with a live region preview.

While the slider moves, the region worker segments the line art at the slider's value in the
background and the canvas lays the regions over the picture in distinct translucent colours
(the GUI never waits). Releasing the slider (or a keyboard step) sets the document's gap as
one undo step; the preview stays a moment so the user sees what they chose.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QSlider

from .canvas import Canvas
from .commands import SetGapCommand
from .document import Document
from .region_worker import RegionService
from .session import DocumentSession

PREVIEW_LINGER_MS = 1200


class GapControl(QObject):
    def __init__(self, slider: QSlider, value: QLabel, session: DocumentSession,
                 regions: RegionService, canvas: Canvas, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.slider, self.value, self.session = slider, value, session
        self.regions, self.canvas = regions, canvas
        self.linger = QTimer(self)
        self.linger.setSingleShot(True)
        self.linger.setInterval(PREVIEW_LINGER_MS)
        self.linger.timeout.connect(lambda: self.regions.preview(None))
        slider.valueChanged.connect(self._on_value)
        slider.sliderReleased.connect(self._commit)
        regions.preview_ready.connect(self._on_preview)
        session.replaced.connect(self._watch)
        self._doc: Document | None = None
        self._watch(session.doc)

    def _watch(self, doc: Document) -> None:
        if self._doc is not None:
            self._doc.unsubscribe(self._on_doc)
        self._doc = doc
        doc.subscribe(self._on_doc)
        self._show(doc.gap)

    def _on_doc(self, kind: str) -> None:
        if kind == "gap" and self._doc is not None and not self.slider.isSliderDown():
            self._show(self._doc.gap)  # an undo, a redo

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
