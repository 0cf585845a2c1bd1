"""Help: the quick guide (the workflow in five pictures), keyboard shortcuts, About."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QMenuBar,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ganime_core import __version__

from ..settings import ModelFacts

RESOURCES = Path(__file__).resolve().parents[1] / "resources"


@dataclass(frozen=True)
class GuideStep:
    title: str
    text: str
    picture: str  # file name under ganime_desktop/resources/


GUIDE = (
    GuideStep("1. Open your sketch",
              "File → Open (Ctrl+O) or Import (Ctrl+I), drop a picture on the window or paste "
              "one (Ctrl+V). Both colorize at once when Auto is on.", "guide_1_open.png"),
    GuideStep("2. Colorize",
              "Press the Colorize button (Ctrl+Enter). Other colours? Colorize → Suggest "
              "colours shows the sketch in six colour families: click one.",
              "guide_2_colorize.png"),
    GuideStep("3. Paint colour hints",
              "Pick a colour in the palette and paint a few strokes with the hint brush (C). "
              "Hints have a dark outline; H shows or hides them.", "guide_3_hints.png"),
    GuideStep("4. Fill regions, undo",
              "The fill tool (G) turns a closed area of the line art into a hint. A colour "
              "leaks through a gap? Raise Close gaps, or draw a barrier (Shift+B). Ctrl+Z "
              "undoes anything; the History dock lists every step.", "guide_4_fill.png"),
    GuideStep("5. Export",
              "File → Export: PNG (Ctrl+E), layered OpenRaster for Krita/GIMP "
              "(Ctrl+Shift+E) or PSD. Save the project with Ctrl+S.", "guide_5_export.png"),
)

EXTRA_KEYS = (  # pointer gestures that are no menu action
    ("Pan", "Space + drag, or middle-button drag"),
    ("Zoom around the pointer", "Mouse wheel"),
    ("Before/after divider", "Drag the white line (before/after view)"),
)


def _buttons(dlg: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    box.rejected.connect(dlg.reject)
    return box


class QuickGuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("GANime quick guide")
        lay = QVBoxLayout(self)
        grid = QGridLayout()
        lay.addLayout(grid)
        self.pictures: list[QLabel] = []
        for i, step in enumerate(GUIDE):  # three steps a row: fits a 1366x768 screen
            row, col = 2 * (i // 3), i % 3
            pic = QLabel()
            pm = QPixmap(str(RESOURCES / step.picture))
            if pm.isNull():
                pic.setText("(picture missing)")
            else:
                pic.setPixmap(pm.scaled(240, 190, Qt.AspectRatioMode.KeepAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation))
            self.pictures.append(pic)
            text = QLabel(f"<b>{html.escape(step.title)}</b><br>{html.escape(step.text)}")
            text.setWordWrap(True)
            text.setFixedWidth(250)
            text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(pic, row, col, Qt.AlignmentFlag.AlignBottom)
            grid.addWidget(text, row + 1, col, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(_buttons(self))


def shortcut_rows(menubar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, action, shortcuts) for every menu action that has a shortcut."""
    rows = []

    def walk(menu_title: str, actions: list[QAction]) -> None:
        for a in actions:
            if a.menu() is not None:
                walk(menu_title, a.menu().actions())
            elif a.shortcuts():
                keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                                 for s in a.shortcuts())
                rows.append((menu_title, a.text().replace("&", "").rstrip("…"), keys))

    for top in menubar.actions():
        if top.menu() is not None:
            walk(top.text().replace("&", ""), top.menu().actions())
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, menubar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(520, 640)
        lay = QVBoxLayout(self)
        self.browser = QTextBrowser()
        parts, last = ["<table cellspacing=0 cellpadding=3>"], ""
        for menu, name, keys in shortcut_rows(menubar):
            if menu != last:
                parts.append(f"<tr><td colspan=2><h3>{html.escape(menu)}</h3></td></tr>")
                last = menu
            parts.append(f"<tr><td>{html.escape(name)}</td><td><b>{html.escape(keys)}</b></td></tr>")
        parts.append("<tr><td colspan=2><h3>Canvas</h3></td></tr>")
        parts += [f"<tr><td>{a}</td><td><b>{b}</b></td></tr>" for a, b in EXTRA_KEYS]
        self.browser.setHtml("".join(parts) + "</table>")
        lay.addWidget(self.browser)
        lay.addWidget(_buttons(self))


def _arch(facts: ModelFacts) -> str:
    c = facts.config
    name = {"unet": "U-Net", "resnet": "ResNet"}.get(facts.arch, facts.arch)
    bits = [f"base width {c['base_width']}" if "base_width" in c else "",
            f"{c['depth']} levels" if "depth" in c else ""]
    return ", ".join([name] + [b for b in bits if b])


def _training(t: dict) -> str:
    bits = []
    if t.get("train_seconds"):
        bits.append(f"{float(t['train_seconds']) / 3600:.1f} hours")
    if t.get("steps"):
        bits.append(f"{int(t['steps']):,} steps")
    if t.get("images_seen"):
        bits.append(f"{int(t['images_seen']):,} pictures seen")
    if t.get("data"):
        bits.append(f"on {Path(str(t['data'])).name}")
    return ", ".join(bits) or str(t.get("note", "")) or "not recorded"


def _scores(metrics: dict) -> str:
    methods = metrics.get("methods")
    if not isinstance(methods, dict) or not isinstance(methods.get("model"), dict):
        return ""
    names = {"model": "this model", "sketch": "the bare sketch",
             "mean_color": "a mean-colour fill"}

    def fmt(m: dict) -> str:
        return ", ".join(f"{k.upper()} {m[k]:.3g}" for k in ("ssim", "fid")
                         if isinstance(m.get(k), int | float))

    parts = [f"{names.get(k, k)}: {fmt(m)}" for k, m in
             sorted(methods.items(), key=lambda kv: kv[0] != "model") if isinstance(m, dict)]
    n = metrics.get("n_images")
    tail = f" ({n} validation pictures; SSIM higher is better, FID lower)" if n else ""
    return "; ".join(parts) + tail


def model_rows(facts: ModelFacts, device: str = "") -> list[tuple[str, str]]:
    rows = [("File", facts.path.name), ("Network", _arch(facts)),
            ("Works at", f"{facts.working_size} px (long side)"),
            ("Trained", _training(facts.training))]
    scores = _scores(facts.metrics)
    if scores:
        rows.append(("Scores", scores))
    if device:
        rows.append(("Runs on", device))
    return rows


def about_text(facts: ModelFacts | None, device: str = "", problem: str = "") -> str:
    """About's HTML: version, the model in a few readable rows (never raw metadata)."""
    head = (f"<h3>GANime {__version__}</h3><p>Colorize anime and manga line art on your own "
            "machine with a hint-conditioned pix2pix model.</p><p><b>Model</b></p>")
    if facts is None:
        return head + f"<p>{html.escape(problem or 'No model installed yet (see Settings).')}</p>"
    rows = "".join(f"<tr><td valign=top><i>{html.escape(k)}</i>&nbsp;</td>"
                   f"<td>{html.escape(v)}</td></tr>" for k, v in model_rows(facts, device))
    return head + f"<table>{rows}</table><p>Settings (Ctrl+,) shows its full model card.</p>"


class AboutDialog(QDialog):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About GANime")
        self.setMinimumWidth(480)
        lay = QVBoxLayout(self)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.label)
        lay.addWidget(_buttons(self))
