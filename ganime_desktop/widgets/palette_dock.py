"""The palette dock: current colour, swatches, recent colours, custom colour, .gpl load/save."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..palette import Palette
from ..qt_util import icon, swatch_icon

RGB = tuple[int, int, int]
COLUMNS = 6


class PaletteWidget(QWidget):
    color_chosen = Signal(tuple)
    load_requested = Signal()
    save_requested = Signal()

    def __init__(self, palette: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.palette_model = palette
        self.current: RGB = (0, 0, 0)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.current_btn = QToolButton()
        self.current_btn.setIconSize(QSize(36, 36))
        self.current_btn.setToolTip("Current hint colour: click for a custom colour")
        self.current_btn.clicked.connect(self.pick_custom)
        self.current_label = QLabel()
        top.addWidget(self.current_btn)
        top.addWidget(self.current_label, 1)
        lay.addLayout(top)
        self.name_label = QLabel()
        lay.addWidget(self.name_label)
        self.grid = QGridLayout()
        self.grid.setSpacing(2)
        lay.addLayout(self.grid)
        lay.addWidget(QLabel("Recent"))
        self.recent_grid = QGridLayout()
        self.recent_grid.setSpacing(2)
        lay.addLayout(self.recent_grid)
        row = QHBoxLayout()
        for text, ic, sig, tip in (("Load…", "fa5s.folder-open", self.load_requested,
                                    "Load a GIMP palette (.gpl)"),
                                   ("Save…", "fa5s.save", self.save_requested,
                                    "Save the palette as a GIMP palette (.gpl)")):
            b = QPushButton(icon(ic), text)
            b.setToolTip(tip)
            b.clicked.connect(sig)
            row.addWidget(b)
        lay.addLayout(row)
        lay.addStretch(1)
        self.rebuild()

    def _button(self, name: str, rgb: RGB) -> QToolButton:
        b = QToolButton()
        b.setIcon(swatch_icon(rgb, 20))
        b.setIconSize(QSize(20, 20))
        b.setAutoRaise(True)
        b.setToolTip(f"{name}  #{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x}")
        b.clicked.connect(lambda _c=False, c=rgb: self.choose(c))
        return b

    @staticmethod
    def _clear(grid: QGridLayout) -> None:
        while grid.count():
            item = grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()

    def _place(self, grid: QGridLayout, buttons: list[QToolButton]) -> None:
        """Swatches in rows of COLUMNS equal columns; a short last row is padded with empty
        cells, so the recent colours line up under the palette's, evenly spaced."""
        for i, b in enumerate(buttons):
            grid.addWidget(b, i // COLUMNS, i % COLUMNS)
        if buttons and len(buttons) % COLUMNS:
            size = buttons[0].sizeHint()
            for i in range(len(buttons), len(buttons) + COLUMNS - len(buttons) % COLUMNS):
                cell = QWidget()
                cell.setFixedSize(size)
                grid.addWidget(cell, i // COLUMNS, i % COLUMNS)
        for c in range(COLUMNS):
            grid.setColumnStretch(c, 1)

    def rebuild(self) -> None:
        self._clear(self.grid)
        self._place(self.grid, [self._button(name, rgb) for name, rgb in self.palette_model.swatches])
        self.name_label.setText(f"Palette: {self.palette_model.name}")
        self._rebuild_recent()
        self.set_current(self.current)

    def _rebuild_recent(self) -> None:
        self._clear(self.recent_grid)
        self._place(self.recent_grid, [self._button("recent", rgb) for rgb in self.palette_model.recent])

    def set_palette(self, palette: Palette) -> None:
        palette.recent = self.palette_model.recent
        self.palette_model = palette
        self.rebuild()

    def set_current(self, rgb: RGB) -> None:
        self.current = tuple(int(c) for c in rgb)  # type: ignore[assignment]
        self.current_btn.setIcon(swatch_icon(self.current, 36))
        self.current_label.setText("#{:02x}{:02x}{:02x}".format(*self.current))

    def choose(self, rgb: RGB) -> None:
        self.set_current(rgb)
        self.palette_model.use(self.current)
        self._rebuild_recent()
        self.color_chosen.emit(self.current)

    def pick_custom(self) -> None:
        c = QColorDialog.getColor(QColor(*self.current), self, "Hint colour")
        if c.isValid():
            self.choose((c.red(), c.green(), c.blue()))
