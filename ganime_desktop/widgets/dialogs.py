"""Small dialogs: new canvas size (About and the help dialogs: help_dialogs.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QSpinBox, QWidget

from ..qt_util import ok_cancel

MAX_SIDE = 8000


class NewCanvasDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, width: int = 1024,
                 height: int = 1024) -> None:
        super().__init__(parent)
        self.setWindowTitle("New canvas")
        form = QFormLayout(self)
        self.width_box, self.height_box = QSpinBox(), QSpinBox()
        for box, value in ((self.width_box, width), (self.height_box, height)):
            box.setRange(16, MAX_SIDE)
            box.setSuffix(" px")
            box.setValue(value)
        form.addRow("Width", self.width_box)
        form.addRow("Height", self.height_box)
        form.addRow(ok_cancel(self))

    def size_value(self) -> tuple[int, int]:
        return self.width_box.value(), self.height_box.value()
