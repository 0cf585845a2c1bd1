"""The colour-suggestions dock: the sketch coloured with a few colour families, click one to use it.

The panel only shows and reports clicks; :class:`suggest_ctl.SuggestionsController` asks the
worker for the previews and turns a click into the colour guide (one undo step).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..guide import hex_of
from ..qt_util import icon, to_qimage

THUMB_W, THUMB_H = 84, 64  # the preview inside a thumbnail (three fit a dock's width)
CHIP_ROWS = 8  # the family's colours under it, each as wide as its share
COLUMNS = 3
SHOWN = 6
PICKED_STYLE = ("QToolButton { border: 1px solid transparent; border-radius: 4px; padding: 2px; }"
                "QToolButton:hover { border-color: #9aa3b5; }"
                "QToolButton:checked { border: 2px solid #e85d75; background: #fde8ec; }")


def thumbnail(preview: np.ndarray, colours: tuple, weights: tuple) -> np.ndarray:
    """The preview fitted into THUMB_W x THUMB_H on white, with the family's colour strip under it."""
    h, w = preview.shape[:2]
    scale = min(THUMB_W / w, THUMB_H / h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(np.ascontiguousarray(preview[..., :3]), size, interpolation=cv2.INTER_AREA)
    out = np.full((THUMB_H + 2 + CHIP_ROWS, THUMB_W, 3), 255, np.uint8)
    y0, x0 = (THUMB_H - size[1]) // 2, (THUMB_W - size[0]) // 2
    out[y0:y0 + size[1], x0:x0 + size[0]] = small
    edges = np.round(np.cumsum((0.0, *weights)) / max(sum(weights), 1e-6) * THUMB_W).astype(int)
    for c, a, b in zip(colours, edges[:-1], edges[1:], strict=True):
        out[THUMB_H + 2:, a:b] = c
    return out


class SuggestionsPanel(QWidget):
    chosen = Signal(object)  # the ColourFamily of the thumbnail clicked
    cleared = Signal()  # "No suggestion"
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.families: list[Any] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        row = QHBoxLayout()
        self.refresh_btn = QPushButton(icon("mdi6.refresh"), "Refresh")
        self.refresh_btn.setToolTip("Colour the sketch in the colour families again")
        self.refresh_btn.clicked.connect(self.refresh_requested)
        self.clear_btn = QPushButton(icon("fa5s.times"), "No suggestion")
        self.clear_btn.setToolTip("Stop using the chosen suggestion as the colour guide (undoable)")
        self.clear_btn.clicked.connect(self.cleared)
        self.clear_btn.setEnabled(False)
        row.addWidget(self.refresh_btn)
        row.addWidget(self.clear_btn)
        row.addStretch(1)
        lay.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("QLabel { color: #4a4f5c; }")
        self.status.setMinimumHeight(2 * self.status.fontMetrics().lineSpacing() + 2)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.status)
        grid_box = QWidget()
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        self.buttons: list[QToolButton] = []
        for i in range(SHOWN):
            b = QToolButton()
            b.setCheckable(True)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)  # the name: hover, status
            b.setIconSize(QSize(THUMB_W, THUMB_H + 2 + CHIP_ROWS))
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.setStyleSheet(PICKED_STYLE)
            b.clicked.connect(lambda _c=False, i=i: self._clicked(i))
            b.setVisible(False)
            grid.addWidget(b, i // COLUMNS, i % COLUMNS)
            self.buttons.append(b)
        grid.setRowStretch((SHOWN + COLUMNS - 1) // COLUMNS, 1)  # rows close together, at the top
        self.scroll = QScrollArea()  # a short dock scrolls instead of making the window taller
        self.scroll.setWidget(grid_box)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setMinimumHeight(THUMB_H + CHIP_ROWS + 16)
        lay.addWidget(self.scroll, 1)
        self._chosen: Any = None
        self._hint = ""
        self.show_message("Shows the sketch in a few colour families once it is there.")

    # -- what the controller shows ----------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.status.setText(text)

    def set_busy(self, text: str) -> None:
        """Working: the old thumbnails stay, greyed out, until the new ones arrive."""
        self.status.setText(text)
        for b in self.buttons:
            b.setEnabled(False)

    def show_previews(self, previews: list[tuple[Any, np.ndarray]], text: str) -> None:
        self.families = [f for f, _ in previews][:SHOWN]
        for i, b in enumerate(self.buttons):
            if i < len(previews):
                family, image = previews[i]
                pm = QPixmap.fromImage(to_qimage(thumbnail(image, family.colours, family.weights)))
                b.setIcon(QIcon(pm))
                b.setText(family.name)
                b.setAccessibleName(f"Colour suggestion {family.name}")
                b.setToolTip(f"<b>{family.name.replace('&', '&amp;')}</b><br>"
                             + " ".join(hex_of(c) for c in family.colours)
                             + "<br>Click to use these colours as the colour guide")
            b.setVisible(i < len(previews))
            b.setEnabled(True)
        self._hint = text
        self.set_chosen(self._chosen)

    def clear_previews(self, text: str) -> None:
        self.families = []
        for b in self.buttons:
            b.setVisible(False)
        self.status.setText(text)

    def set_chosen(self, family: Any) -> None:
        """Check the thumbnail of the guide's family (by name: a reopened project's is a copy)."""
        self._chosen = family
        name = None if family is None else family.name
        for b, f in zip(self.buttons, self.families, strict=False):
            b.setChecked(f.name == name)
        for b in self.buttons[len(self.families):]:
            b.setChecked(False)
        self.clear_btn.setEnabled(family is not None)
        if self.families:  # the thumbnails show: say which one is the guide
            chosen = f"\nThe colour guide: {name}" if name is not None else ""
            self.status.setText(self._hint + chosen)

    def _clicked(self, i: int) -> None:
        self.set_chosen(self._chosen)  # the check follows the document, not the click
        if i < len(self.families):
            self.chosen.emit(self.families[i])
