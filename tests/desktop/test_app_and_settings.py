"""The entry point, settings persistence and dialog validation, paste, auto-regenerate, views."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from ganime_core.inputs.hints import Stroke
from ganime_desktop.canvas import GAP, ViewMode
from ganime_desktop.commands import add_hint
from ganime_desktop.document import ResultImages
from ganime_desktop.qt_util import to_qimage
from ganime_desktop.settings import AppSettings, load_settings, save_settings
from ganime_desktop.tools import Tool
from ganime_desktop.widgets.settings_dialog import SettingsDialog

from .helpers import widget_point


def test_main_starts_and_quits(tmp_path: Path) -> None:
    """The console-script entry point opens the window and exits cleanly (own process)."""
    code = ("from PySide6.QtCore import QTimer\n"
            "from PySide6.QtWidgets import QApplication\n"
            "from ganime_desktop import app\n"
            "qapp = QApplication([])\n"
            "def check():\n"
            "    titles = [w.windowTitle() for w in QApplication.topLevelWidgets()]\n"
            "    print('TITLES', titles)\n"
            "    QApplication.quit()\n"
            "QTimer.singleShot(800, check)\n"
            "raise SystemExit(app.main([]))\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GANIME_CONFIG_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr[-2000:]
    assert "untitled[*] — GANime" in out.stdout
    assert (tmp_path / "ganime.ini").is_file()  # settings and window state were saved


def test_settings_round_trip(tmp_path: Path) -> None:
    qs = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    s = AppSettings(device="cpu", model_path="/m.safetensors", working_size=384, autosave_s=30,
                    regen_delay_ms=250, auto_regen=False, recent_files=["/a.ganime"])
    save_settings(qs, s)
    back = load_settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert back == s
    qs.setValue("device", "quantum")
    qs.setValue("autosave_s", "banana")
    odd = load_settings(qs)
    assert odd.device == "auto" and odd.autosave_s == AppSettings().autosave_s


def test_settings_dialog_validates_the_model(qtbot, tmp_path: Path, tiny_weights) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"junk")
    dlg = SettingsDialog(AppSettings(model_path=str(bad)))
    qtbot.addWidget(dlg)
    assert not dlg.refresh_card()
    assert "bad.safetensors" in dlg.status.text()
    dlg.model_edit.setText(str(tiny_weights))
    assert dlg.refresh_card()
    assert "unet" in dlg.status.text()
    dlg.device.setCurrentIndex(1)
    dlg.delay.setValue(300)
    new = dlg.result_settings()
    assert new.device == "cpu" and new.regen_delay_ms == 300
    assert new.model_path == str(tiny_weights)


def test_apply_settings_persists(make_window, store: QSettings) -> None:
    win = make_window()
    s = win.settings
    s2 = AppSettings(**{**s.__dict__, "autosave_s": 42, "regen_delay_ms": 10})
    win.apply_settings(s2)
    assert load_settings(store).autosave_s == 42
    assert win.autosave_timer.interval() == 42_000


def test_paste_image_from_clipboard(make_window) -> None:
    win = make_window()
    img = np.full((50, 70, 3), 255, np.uint8)
    img[25, :] = 0
    QGuiApplication.clipboard().setImage(to_qimage(img))
    win.files.paste()
    assert win.doc.size == (70, 50) and win.doc.lines[25, 10, 0] == 0
    win.stack.undo()
    assert win.doc.size == (256, 256)


def test_auto_regenerate_after_a_hint_stroke(qtbot, make_window, tiny_weights) -> None:
    win = make_window(model=tiny_weights)
    win.settings.regen_delay_ms = 10
    win.actions_by_name["auto"].setChecked(True)
    win.stack.push(add_hint(win.doc, Stroke(points=((100.0, 100.0),), color=(0, 0, 255),
                                            width=12.0)))
    qtbot.waitUntil(lambda: win.doc.result_is_current and not win.host.busy, timeout=60_000)
    assert win.prompter.errors == [] and win.prompter.infos == []


def test_view_modes_show_before_and_after(make_window) -> None:
    win = make_window()
    w, h = win.doc.size
    color = np.zeros((h, w, 3), np.uint8)
    color[..., 2] = 255  # a blue result
    win.doc.set_result(ResultImages(color, color, win.doc.revision))
    c = win.canvas

    def shown(x: float, y: float, side: bool = False) -> tuple[int, ...]:
        p = widget_point(c, x + (w + GAP if side else 0), y)
        return tuple(int(v) for v in c.rendered()[p.y(), p.x(), :3])

    c.set_mode(ViewMode.RESULT)
    assert shown(200, 60)[2] > 200 and shown(200, 60)[0] < 50
    c.set_mode(ViewMode.SPLIT)
    c.split = 0.5
    assert shown(200, 60)[0] < 50  # right half: result
    assert shown(60, 200)[0] > 200  # left half: the bare line art
    c.set_mode(ViewMode.SIDE)
    assert shown(60, 200)[0] > 200 and shown(60, 200, side=True)[0] < 50
    # drawing in the right panel lands on the same picture
    x, y = c.image_pos(*c.vp.to_widget(60 + w + GAP, 70))
    assert abs(x - 60) < 1e-6 and abs(y - 70) < 1e-6


def test_bucket_highlight_follows_the_cursor(make_window, qtbot) -> None:
    win = make_window()
    win.set_tool(Tool.BUCKET)
    qtbot.mouseMove(win.canvas, widget_point(win.canvas, 70, 70))
    # the regions are segmented off the GUI thread; the highlight appears when they are ready
    qtbot.waitUntil(lambda: win.canvas.region_shown, timeout=10000)


def test_drag_and_drop_a_picture_and_a_project(make_window, samples_dir: Path,
                                               tmp_path: Path, prompter) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    win = make_window()

    def drop(path: Path) -> None:
        md = QMimeData()
        md.setUrls([QUrl.fromLocalFile(str(path))])
        ev = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, md,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
        win.dropEvent(ev)  # Qt only routes drop events during a real drag

    drop(samples_dir / "lineart_2.png")
    assert win.stack.count() == 1 and win.doc.size != (256, 256)  # an undoable import
    prompter.save_path = str(tmp_path / "p.ganime")
    assert win.files.save()
    size = win.doc.size
    md_path = tmp_path / "p.ganime"
    win = make_window()
    drop(md_path)
    assert win.path == md_path and win.doc.size == size
    drop(tmp_path / "notes.txt")
    assert prompter.errors and "Drop a picture" in prompter.errors[-1][1]


def test_middle_button_pans(make_window, qtbot) -> None:
    from PySide6.QtCore import QPoint, Qt

    win = make_window()
    c = win.canvas
    ox, oy = c.vp.ox, c.vp.oy
    qtbot.mousePress(c, Qt.MouseButton.MiddleButton, pos=QPoint(200, 200))
    qtbot.mouseMove(c, QPoint(240, 230))
    qtbot.mouseRelease(c, Qt.MouseButton.MiddleButton, pos=QPoint(240, 230))
    assert (c.vp.ox - ox, c.vp.oy - oy) == (40, 30)
    assert win.stack.count() == 0  # panning never paints


def test_no_two_actions_share_a_shortcut(make_window) -> None:
    win = make_window()
    seen: dict[str, str] = {}
    for name, action in win.actions_by_name.items():
        for seq in action.shortcuts():
            key = seq.toString()
            assert key not in seen, f"{key} is used by {seen.get(key)} and {name}"
            seen[key] = name
    assert {"B", "C", "E", "G", "H", "I", "[", "]", "Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Return"} \
        <= set(seen)
    assert seen["H"] == "show_hints" and seen["C"] == "tool_hint"


def test_small_dialogs(qtbot) -> None:
    from ganime_desktop.widgets.dialogs import NewCanvasDialog
    from ganime_desktop.widgets.help_dialogs import about_text

    dlg = NewCanvasDialog(None, 640, 480)
    qtbot.addWidget(dlg)
    dlg.width_box.setValue(99999)  # clamped to the largest canvas
    assert dlg.size_value() == (8000, 480)
    assert "GANime" in about_text(None) and "No model" in about_text(None)
    assert "cannot be used" in about_text(None, "", "The model file cannot be used: bad")


def test_command_line_arguments() -> None:
    from ganime_desktop.app import parse_args

    assert parse_args([]).file is None
    assert parse_args(["app"]).file is None  # `ganime app` passes the CLI's argv through
    args = parse_args(["app", "sketch.png", "-v", "--device", "cpu"])
    assert args.file == "sketch.png" and args.verbose
