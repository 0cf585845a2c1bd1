"""Small Qt helpers: numpy <-> QImage, icons, and one place to define an action."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QColor, QIcon, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox

log = logging.getLogger(__name__)


def qimage_view(arr: np.ndarray) -> QImage:
    """A QImage that *shares* a C-contiguous uint8 HxWx3/HxWx4 array (keep the array alive)."""
    h, w = arr.shape[:2]
    if arr.ndim == 2:
        return QImage(arr.data, w, h, arr.strides[0], QImage.Format.Format_Grayscale8)
    fmt = QImage.Format.Format_RGB888 if arr.shape[2] == 3 else QImage.Format.Format_RGBA8888
    return QImage(arr.data, w, h, arr.strides[0], fmt)


def to_qimage(arr: np.ndarray) -> QImage:
    """A QImage with its own copy of the pixels."""
    return qimage_view(np.ascontiguousarray(arr)).copy()


def from_qimage(img: QImage) -> np.ndarray:
    """QImage -> uint8 HxWx4 RGBA array (a copy)."""
    img = img.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = img.width(), img.height()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes())
    return buf.reshape(h, img.bytesPerLine())[:, : w * 4].reshape(h, w, 4).copy()


def icon(name: str, color: str = "#3a3f4b") -> QIcon:
    try:
        import qtawesome

        return qtawesome.icon(name, color=color)
    except Exception:  # a missing glyph must not stop the app
        log.warning("icon %s unavailable", name)
        return QIcon()


def swatch_icon(rgb: tuple[int, int, int], size: int = 16) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(QColor(*rgb))
    p = QPainter(pm)
    p.setPen(QColor(80, 80, 80))
    p.drawRect(0, 0, size - 1, size - 1)
    p.end()
    return QIcon(pm)


def app_icon() -> QIcon:
    """The application icon: a palette on a rounded square."""
    ic = QIcon()
    try:
        import qtawesome

        for size in (16, 32, 64, 128, 256):
            pm = QPixmap(size, size)
            pm.fill(QColor(0, 0, 0, 0))
            p = QPainter(pm)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setBrush(QColor("#e85d75"))
            p.setPen(QColor(0, 0, 0, 0))
            p.drawRoundedRect(0, 0, size, size, size * 0.2, size * 0.2)
            glyph = qtawesome.icon("fa5s.palette", color="white").pixmap(int(size * 0.7))
            p.drawPixmap(int(size * 0.15), int(size * 0.15), glyph)
            p.end()
            ic.addPixmap(pm)
    except Exception:
        log.warning("could not draw the application icon", exc_info=True)
    return ic


def new_action(parent: QObject, text: str, slot: Callable | None = None, *,
               shortcut: str | QKeySequence.StandardKey | list | None = None,
               icon_name: str | None = None, tip: str = "", checkable: bool = False,
               checked: bool = False) -> QAction:
    """An action with icon, shortcut(s) and a tooltip that shows the shortcut."""
    action = QAction(text, parent)
    if icon_name:
        action.setIcon(icon(icon_name))
    keys: list = [] if shortcut is None else shortcut if isinstance(shortcut, list) else [shortcut]
    seqs = [QKeySequence(k) for k in keys]
    if seqs:
        action.setShortcuts(seqs)
    label = tip or text.replace("&", "").rstrip(".…")
    hint = seqs[0].toString(QKeySequence.SequenceFormat.NativeText) if seqs else ""
    action.setToolTip(f"{label} ({hint})" if hint else label)
    action.setStatusTip(label)
    if checkable:
        action.setCheckable(True)
        action.setChecked(checked)
    if slot is not None:
        if checkable:
            action.toggled.connect(slot)
        else:
            action.triggered.connect(lambda _checked=False: slot())
    return action


def ok_cancel(dialog: QDialog) -> QDialogButtonBox:
    """OK / Cancel buttons wired to the dialog's accept / reject."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
