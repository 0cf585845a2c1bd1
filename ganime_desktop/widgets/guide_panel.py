"""The colour-guide dock: reference picture thumbnail, its palette chips, the palette guide."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ganime_core.io.imageio import is_image_path

from ..guide import RGB, ColourGuide, Reference, hex_of
from ..qt_util import to_qimage

THUMB_W, THUMB_H = 236, 150
CHIP_H = 22
MIN_CHIP_W = 8
PLACEHOLDER_STYLE = ("QLabel { color: #6b7080; border: 1px dashed #b8bcc6; border-radius: 4px; "
                     "padding: 6px; }")


def chip_rects(weights: list[float], width: int, height: int = CHIP_H, gap: int = 2) -> list[QRect]:
    """Chip boxes left to right: widths in proportion to the weights, none narrower than
    ``MIN_CHIP_W`` (so a rare colour still shows), together filling ``width``."""
    n = len(weights)
    if n == 0 or width <= 0:
        return []
    free = max(0, width - gap * (n - 1))
    floor = min(MIN_CHIP_W, free // n)
    total = sum(max(0.0, w) for w in weights) or 1.0
    spare = free - floor * n
    widths = [floor + int(spare * max(0.0, w) / total) for w in weights]
    widths[max(range(n), key=lambda i: weights[i])] += free - sum(widths)  # rounding to the largest
    rects, x = [], 0
    for w in widths:
        rects.append(QRect(x, 0, w, height))
        x += w + gap
    return rects


class ChipStrip(QWidget):
    """A row of colour chips; chip width in proportion to the colour's weight (area)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chips: list[tuple[RGB, float]] = []
        self.dimmed = False
        self.setMinimumHeight(CHIP_H)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(THUMB_W, CHIP_H)

    def set_chips(self, chips: list[tuple[RGB, float]], dimmed: bool = False) -> None:
        self.chips = list(chips)
        self.dimmed = dimmed
        self.setVisible(bool(self.chips))
        self.update()

    def rects(self) -> list[QRect]:
        return chip_rects([w for _, w in self.chips], self.width())

    def paintEvent(self, _e: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        if self.dimmed:
            p.setOpacity(0.35)
        p.setPen(QPen(QColor(70, 70, 70)))
        for (rgb, _w), r in zip(self.chips, self.rects(), strict=True):
            p.setBrush(QColor(*rgb))
            p.drawRect(r.adjusted(0, 0, -1, -1))
        p.end()

    def event(self, e) -> bool:  # tooltips per chip: colour and share
        if e.type() == e.Type.ToolTip and isinstance(e, QHelpEvent):
            for (rgb, w), r in zip(self.chips, self.rects(), strict=True):
                if r.contains(e.pos()):
                    QToolTip.showText(e.globalPos(), f"{hex_of(rgb)}  {w * 100:.0f} %", self)
                    return True
            QToolTip.hideText()
            return True
        return super().event(e)


class GuidePanel(QWidget):
    """Shows the document's colour guide; its buttons drive the window's guide actions."""

    reference_dropped = Signal(str)  # a picture file dropped on the panel

    def __init__(self, choose: QAction, clear: QAction, use_palette: QAction,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._thumb_of: Reference | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Reference picture</b>"), 1)
        self.choose_btn = self._button(choose, "Choose…")
        self.clear_btn = self._button(clear, "Clear")
        row.addWidget(self.choose_btn)
        row.addWidget(self.clear_btn)
        lay.addLayout(row)
        self.thumb = QLabel()
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setWordWrap(True)
        self.thumb.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        lay.addWidget(self.thumb)
        self.ref_name = QLabel()
        self.ref_name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.ref_name)
        self.ref_chips = ChipStrip()
        lay.addWidget(self.ref_chips)
        lay.addSpacing(6)
        self.use_palette = QCheckBox(use_palette.text().replace("&", ""))
        self.use_palette.setToolTip(use_palette.toolTip())
        self.use_palette.clicked.connect(lambda checked=False: use_palette.setChecked(bool(checked)))
        self._palette_action = use_palette
        lay.addWidget(self.use_palette)
        self.pal_chips = ChipStrip()
        lay.addWidget(self.pal_chips)
        self.family_chips = ChipStrip()  # a colour suggestion's family, when it is the guide
        lay.addWidget(self.family_chips)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("QLabel { color: #4a4f5c; }")
        lay.addWidget(self.status)
        self.model_note = QLabel("The current model has no colour input: the guide is saved with "
                                 "the project but does not change the colours.")
        self.model_note.setWordWrap(True)
        self.model_note.setStyleSheet("QLabel { color: #8a5300; }")
        self.model_note.setVisible(False)
        lay.addWidget(self.model_note)
        lay.addStretch(1)
        self.model_takes_guide: bool | None = None  # unknown until a model has loaded
        self.show_guide(ColourGuide())

    @staticmethod
    def _button(action: QAction, text: str) -> QPushButton:
        """A short-labelled button for a window action (enabled with it)."""
        b = QPushButton(action.icon(), text)
        b.setToolTip(action.toolTip())
        b.clicked.connect(lambda _c=False: action.trigger())
        action.changed.connect(lambda: b.setEnabled(action.isEnabled()))
        b.setEnabled(action.isEnabled())
        return b

    # -- showing the guide ----------------------------------------------------------------------

    def show_guide(self, guide: ColourGuide) -> None:
        ref = guide.reference
        if ref is None:
            self._thumb_of = None
            self.thumb.setPixmap(QPixmap())
            self.thumb.setText("No reference picture.\nChoose one or drop a picture here; "
                               "the model will use its colours.")
            self.thumb.setStyleSheet(PLACEHOLDER_STYLE)
            self.thumb.setFixedHeight(64)
            self.ref_name.setText("")
            self.ref_name.setVisible(False)
        else:
            if self._thumb_of is not ref:
                self._thumb_of = ref
                pm = QPixmap.fromImage(to_qimage(ref.rgb)).scaled(
                    THUMB_W, THUMB_H, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation)
                self.thumb.setText("")
                self.thumb.setStyleSheet("")
                self.thumb.setPixmap(pm)
                self.thumb.setFixedHeight(pm.height() + 4)
            self.ref_name.setText(ref.name)
            self.ref_name.setToolTip(f"{ref.name}, kept in the project at {ref.size[0]}×{ref.size[1]}")
            self.ref_name.setVisible(True)
        overridden = guide.source in ("palette", "suggestion") and ref is not None
        self.ref_chips.set_chips(guide.reference_chips(), dimmed=overridden)
        self.use_palette.setChecked(guide.use_palette)
        self.pal_chips.set_chips(guide.palette_chips() if guide.use_palette else [])
        self.family_chips.set_chips(guide.family_chips())
        self.status.setText(self._status_text(guide))

    def _status_text(self, guide: ColourGuide) -> str:
        if guide.source == "suggestion" and guide.family is not None:
            text = (f"Colour guide: the colour suggestion “{guide.family.name}” (Colorize → "
                    f"Suggest colours)")
            if guide.reference is not None:
                text += "; the reference picture is kept for later"
        elif guide.source == "palette":
            name = f" “{guide.palette_name}”" if guide.palette_name else ""
            text = (f"Colour guide: the first {len(guide.palette_colors)} colours of the "
                    f"palette{name}")
            if guide.reference is not None:
                text += " (they win over the reference picture)"
        elif guide.source == "reference":
            text = "Colour guide: the reference picture's main colours (chip width = area)"
        else:
            text = "No colour guide: the model picks the colours."
        self.model_note.setVisible(bool(guide.source) and self.model_takes_guide is False)
        return text + "." if guide.source else text

    def set_model_takes_guide(self, takes: bool, guide: ColourGuide) -> None:
        self.model_takes_guide = takes
        self.status.setText(self._status_text(guide))

    # -- drop a picture --------------------------------------------------------------------------

    def _dropped_image(self, e: QDragEnterEvent | QDropEvent) -> str | None:
        for url in e.mimeData().urls():
            if url.isLocalFile() and is_image_path(Path(url.toLocalFile())):
                return url.toLocalFile()
        return None

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802
        if self._dropped_image(e):
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802
        path = self._dropped_image(e)
        if path:
            e.acceptProposedAction()
            self.reference_dropped.emit(path)
