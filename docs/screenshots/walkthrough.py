"""A new user's first session, scripted on the real window under Xvfb, with screenshots.

    xvfb-run -a -s "-screen 0 1280x800x24" nice -n 15 .venv/bin/python \\
        docs/screenshots/walkthrough.py

Mouse and keys go through QTest into the real widgets (the Colorize button is clicked, tools
are picked with their keys, the hint brush hovers over the hair (its part is highlighted),
hints are dragged on the canvas, the fill tool hovers then
clicks, Ctrl+Z undoes, the "Close gaps" slider is dragged by its handle, a barrier is drawn
with the barrier tool, a colour suggestion is clicked). Only the file dialogs are answered by
a script. Saves ``docs/screenshots/walkthrough_*.png`` (ImageMagick ``import -window root``) and
the quick guide's five pictures ``ganime_desktop/resources/guide_*.png`` (grabs of the window).

Waiting is done in a ``QEventLoop`` (:func:`wait`), never ``QTest.qWait``: PySide6 keeps the GIL
through ``qWait``, which starves the worker threads (a 0.2 s colorize took 2-15 s that way).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, QRect, QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
GUIDE_DIR = ROOT / "ganime_desktop" / "resources"
SAMPLE = ROOT.parent / "shared" / "data" / "samples" / "lineart_1.png"
HINTS = [  # (colour, points in the sketch's pixels): hair, face, kimono
    ((120, 74, 52), [(250, 60), (280, 90), (300, 130), (320, 170)]),
    ((120, 74, 52), [(200, 120), (215, 150), (205, 190)]),
    ((255, 224, 205), [(230, 200), (255, 225), (280, 200)]),
    ((52, 120, 219), [(250, 350), (300, 400), (350, 430), (420, 440)]),
]
HAIR_AT = (270, 80)  # the hint brush rests here: its part, the hair, is highlighted
FILL_AT, FILL_COLOUR = (289, 286), (246, 196, 70)  # the kimono collar
GAP_TO = 10  # px: closes the face's open outline (it separates from the paper at 8)
PROFILE = [(200, 185), (203, 200), (212, 222), (222, 240), (232, 255), (245, 262)]  # a barrier
SUGGESTION = 1  # the thumbnail clicked: "black & navy"
GUIDE_RECT = QRect(0, 0, 1000, 800)  # the part of the window the quick guide's pictures show


def wait(ms: int) -> None:
    """Let the event loop (and the worker threads: the GIL is free meanwhile) run ``ms``."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(cond: Callable[[], bool], timeout_s: float = 400.0) -> None:
    """Wait (the event loop runs); a busy 2-core machine loads torch slowly."""
    end = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("the walkthrough waited too long")
        wait(50)


def shot(name: str) -> None:
    wait(400)  # let the last paint reach the screen
    path = OUT / f"walkthrough_{name}.png"
    subprocess.run(["import", "-window", "root", str(path)], check=True)
    print("saved", path.relative_to(ROOT), flush=True)


def guide_picture(widget, name: str, rect: QRect | None = None) -> None:
    pm = widget.grab(rect) if rect is not None else widget.grab()
    pm = pm.scaledToWidth(300, Qt.TransformationMode.SmoothTransformation)
    pm.save(str(GUIDE_DIR / name))


def drag_gap_slider(win, value: int, while_held: Callable[[], None]) -> None:
    """Drag the "Close gaps" handle with the mouse to ``value``; ``while_held`` runs once the
    live region preview shows, before the button is released."""
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    slider = win.bars.gap_slider
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    handle = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                           QStyle.SubControl.SC_SliderHandle, slider)
    groove = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                           QStyle.SubControl.SC_SliderGroove, slider)
    span = groove.width() - handle.width()
    start = handle.center()
    dx = span * (value - slider.value()) / (slider.maximum() - slider.minimum())
    end = start
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 9):  # a hand moves in small steps
        end = start + QPoint(int(round(dx * step / 8)), 0)
        QTest.mouseMove(slider, end)
        wait(60)
    print(f"gap slider dragged to {slider.value()} px (down: {slider.isSliderDown()})", flush=True)
    if slider.value() != value:  # the drag landed a pixel off: set the exact value
        slider.setValue(value)
    wait_until(lambda: win.canvas.region_preview_shown)
    while_held()
    QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    if slider.isSliderDown():
        slider.setSliderDown(False)
    wait_until(lambda: win.doc.gap == value)


def main() -> int:
    GUIDE_DIR.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="ganime-walk-"))
    art = tmp / "art"
    art.mkdir()
    sketch = Path(shutil.copy(SAMPLE, art / "lineart_1.png"))
    app = QApplication(sys.argv[:1])  # noqa: F841 (kept alive for the whole walk)
    from ganime_desktop.main_window import MainWindow
    from ganime_desktop.prompts import Prompter
    from ganime_desktop.qt_util import app_icon

    class ScriptedDialogs(Prompter):
        """File dialogs answered by the script (it records what they suggested)."""

        suggested: list[str] = []

        def open_file(self, title: str, filters: str, folder: str = "") -> str | None:
            return str(sketch)

        def save_file(self, title: str, filters: str, suggested: str = "") -> str | None:
            self.suggested.append(suggested)
            return suggested

    app.setWindowIcon(app_icon())
    store = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
    store.setValue("auto_regen", False)
    store.setValue("color_mode", "locked")
    dialogs = ScriptedDialogs()
    win = MainWindow(store, tmp / "recovery", dialogs)
    dialogs.parent = win
    win.setGeometry(0, 0, 1280, 800)
    win.show()
    win.activateWindow()
    try:
        return walk(win, dialogs)
    finally:
        win.shutdown()
        win.close()
        shutil.rmtree(tmp, ignore_errors=True)


def walk(win, dialogs) -> int:
    c = win.canvas
    wait(1500)

    def at(x: float, y: float) -> QPoint:
        wx, wy = c.vp.to_widget(x, y)
        return QPoint(int(round(wx)), int(round(wy)))

    def drag(points: list[tuple[float, float]]) -> None:
        QTest.mousePress(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         at(*points[0]))
        for p0, p1 in zip(points, points[1:], strict=False):
            for i in range(1, 9):  # a hand moves in small steps
                QTest.mouseMove(c, at(p0[0] + (p1[0] - p0[0]) * i / 8,
                                      p0[1] + (p1[1] - p0[1]) * i / 8))
        QTest.mouseRelease(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           at(*points[-1]))

    def colorized() -> None:
        wait_until(lambda: win.doc.result_is_current and not win.host.busy)

    shot("1_start")
    QTest.keyClick(win, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)  # File → Import
    wait_until(lambda: win.doc.size == (500, 469))
    shot("2_imported")
    guide_picture(win, "guide_1_open.png", GUIDE_RECT)

    QTest.mouseClick(win.bars.colorize_button, Qt.MouseButton.LeftButton)
    colorized()
    shot("3_colorized")
    guide_picture(win, "guide_2_colorize.png", GUIDE_RECT)

    colorize_menu = next(a.menu() for a in win.menuBar().actions() if "Colorize" in a.text())
    suggest = next(a for a in colorize_menu.actions() if "Suggest colours" in a.text())
    suggest.trigger()  # Colorize → Suggest colours
    wait_until(lambda: win.suggestions.last is not None
               and all(b.isVisible() for b in win.suggestions.panel.buttons))
    print(f"suggestions in {win.suggestions.last.seconds:.2f} s:",
          [f.name for f, _ in win.suggestions.last.previews], flush=True)
    shot("3a_suggestions")
    QTest.mouseClick(win.suggestions.panel.buttons[SUGGESTION], Qt.MouseButton.LeftButton)
    QTest.mouseClick(win.bars.colorize_button, Qt.MouseButton.LeftButton)
    colorized()
    shot("3b_suggestion_used")
    QTest.keyClick(c, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # back to no guide
    win._docks[1].raise_()  # the colour guide's tab in front again
    QTest.mouseClick(win.bars.colorize_button, Qt.MouseButton.LeftButton)
    colorized()

    QTest.keyClick(c, Qt.Key.Key_C)  # the hint brush
    win.bars.size_box.setValue(12)
    win._on_color_chosen(HINTS[0][0])
    QTest.mouseMove(c, at(HAIR_AT[0] - 2, HAIR_AT[1]))
    QTest.mouseMove(c, at(*HAIR_AT))  # resting on the hair: what a stroke there would colour
    wait_until(lambda: win.part_hover.shown is not None)
    shot("3c_part_hover")
    for colour, points in HINTS:
        win._on_color_chosen(colour)
        drag(points)
    QTest.keyClick(win, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    colorized()
    shot("4_hints")
    guide_picture(win, "guide_3_hints.png", GUIDE_RECT)

    QTest.keyClick(c, Qt.Key.Key_G)  # the fill tool
    win._on_color_chosen(FILL_COLOUR)
    QTest.mouseMove(c, at(FILL_AT[0] - 2, FILL_AT[1]))
    QTest.mouseMove(c, at(*FILL_AT))
    wait_until(lambda: c.region_shown)
    shot("5_fill_hover")
    drag([FILL_AT])
    wait_until(lambda: win.stack.text(win.stack.index() - 1).startswith("Fill region"))
    QTest.mouseClick(win.bars.colorize_button, Qt.MouseButton.LeftButton)
    colorized()
    shot("6_filled")
    guide_picture(win, "guide_4_fill.png", GUIDE_RECT)

    QTest.keyClick(c, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the fill
    QTest.mouseClick(win.bars.colorize_button, Qt.MouseButton.LeftButton)
    colorized()
    shot("7_undone")

    drag_gap_slider(win, GAP_TO, lambda: shot("8_gap_preview"))
    QTest.mouseClick(win.bars.colorize_button, Qt.MouseButton.LeftButton)
    colorized()
    wait_until(lambda: not c.region_preview_shown)  # the preview lingers a moment, then goes
    shot("9_gap_closed")

    QTest.keyClick(c, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # back to 6 px ...
    assert win.doc.gap == 6, win.doc.gap
    QTest.keyClick(win, Qt.Key.Key_B, Qt.KeyboardModifier.ShiftModifier)  # ... and a barrier
    assert win.brush.tool == "barrier", win.brush.tool
    drag(PROFILE)
    QTest.mouseMove(c, at(150, 420))
    QTest.mouseClick(win.bars.colorize_button, Qt.MouseButton.LeftButton)
    colorized()
    shot("10_barrier")

    QTest.keyClick(c, Qt.Key.Key_C)
    QTest.keyClick(c, Qt.Key.Key_H)  # hide the hints (and barriers): the result alone
    shot("11_hints_hidden")
    QTest.keyClick(c, Qt.Key.Key_H)

    win.export("png")
    win.export("ora")
    print("export suggested:", [Path(s).name for s in dialogs.suggested], flush=True)
    shot("12_exported")
    from ganime_desktop.widgets.help_dialogs import AboutDialog, QuickGuideDialog

    file_menu = win.menuBar().actions()[0].menu()
    export_menu = next(a.menu() for a in file_menu.actions() if a.menu() is not None
                       and "Export" in a.text())
    file_menu.popup(win.mapToGlobal(QPoint(0, 22)))
    wait(200)
    export_menu.popup(file_menu.geometry().topRight() + QPoint(0, 180))
    wait(300)
    guide_picture(export_menu, "guide_5_export.png")
    export_menu.hide()
    file_menu.hide()

    guide = QuickGuideDialog(win)
    guide.move(240, 10)
    guide.show()
    shot("13_quick_guide")
    guide.close()
    about = AboutDialog(win.help_ops.about_html(), win)
    about.move(360, 160)
    about.show()
    shot("14_about")
    about.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
