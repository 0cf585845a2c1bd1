"""Take the README/docs screenshots of the real window under Xvfb.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take_screenshots.py \
        [MODEL.safetensors]

Drives the app through its own methods (open, hint strokes through the tool controller,
colorize, settings) and grabs the X screen with ImageMagick's ``import -window root``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
SAMPLE = ROOT.parent / "shared" / "data" / "samples" / "lineart_1.png"
GAP = 10  # px

# (colour, points) in the sketch's pixels: hair, face, kimono, candy apple, flower, hand
HINTS = [
    ((120, 74, 52), [(250, 60), (280, 90), (300, 130), (320, 170)]),
    ((120, 74, 52), [(200, 120), (215, 150), (205, 190)]),
    ((255, 224, 205), [(230, 200), (255, 225), (280, 200)]),
    ((255, 224, 205), [(30, 400), (40, 420)]),
    ((52, 120, 219), [(250, 350), (300, 400), (350, 430), (420, 440)]),
    ((52, 120, 219), [(220, 420), (260, 445)]),
    ((231, 76, 60), [(40, 335), (55, 345), (70, 340)]),
    ((246, 150, 186), [(395, 60), (400, 80), (410, 100)]),
]


def grab(name: str) -> None:
    path = OUT / name
    subprocess.run(["import", "-window", "root", str(path)], check=True)
    print("saved", path, flush=True)


def open_window(prefix: str, mode: str, model: Path | None = None):
    """(the application, a shown 1400x900 main window with fresh settings, their temporary folder)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    app = QApplication(sys.argv[:1])
    from ganime_desktop.main_window import MainWindow
    from ganime_desktop.qt_util import app_icon

    app.setWindowIcon(app_icon())
    store = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
    store.setValue("auto_regen", False)
    store.setValue("color_mode", mode)
    if model is not None:
        store.setValue("model_path", str(model))
    win = MainWindow(store, tmp / "recovery")
    win.setGeometry(0, 0, 1400, 900)
    win.show()
    return app, win, tmp


def main() -> int:
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    app, win, tmp = open_window("ganime-shots-", "locked", model)
    from ganime_desktop.tools import Tool
    from ganime_desktop.widgets.settings_dialog import SettingsDialog

    steps: list[tuple[int, Callable[[], None]]] = []

    def paint_hints() -> None:
        win.files.open_path(SAMPLE)
        win.bars.gap_slider.setValue(GAP)  # the face's outline is open: close gaps up to 10 px
        win.set_tool(Tool.HINT)
        win.bars.size_box.setValue(12)
        c = win.controller
        for color, pts in HINTS:
            win._on_color_chosen(color)
            win.palette_widget.palette_model.use(color)
            c.press(*pts[0])
            for p in pts[1:]:
                c.move(*p)
            c.release()
        win.palette_widget._rebuild_recent()

    def colorize() -> None:
        win.host.result_ready.connect(on_result)
        win.colorize()

    def on_result(out) -> None:
        if out.stage == "full":
            QTimer.singleShot(600, lambda: (grab("colorized.png"), after_colorize()))

    def after_colorize() -> None:
        win.actions_by_name["view_split"].trigger()
        win.canvas.split = 0.45
        win.canvas.update()
        QTimer.singleShot(500, lambda: (grab("before_after.png"), settings()))

    def settings() -> None:
        win.actions_by_name["view_result"].trigger()
        dlg = SettingsDialog(win.settings, win)
        dlg.move(380, 120)
        dlg.show()
        QTimer.singleShot(700, lambda: (grab("settings.png"), dlg.close(), quit_()))

    def quit_() -> None:
        win.shutdown()
        app.quit()

    steps = [(1500, lambda: grab("empty.png")), (2000, paint_hints),
             (2800, lambda: grab("hints.png")), (3000, colorize)]
    for ms, fn in steps:
        QTimer.singleShot(ms, fn)
    QTimer.singleShot(120_000, quit_)  # never hang
    rc = app.exec()
    shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
