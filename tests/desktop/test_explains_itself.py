"""An app that explains itself: open = import, dialog folders and names, history rows, the
Colorize button, Help, About, the model card, the recovery prompt, the welcome text."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QToolBar, QToolButton, QUndoView

from ganime_desktop.canvas_paint import WELCOME
from ganime_desktop.document import ResultImages
from ganime_desktop.settings import DEFAULT_MODEL
from ganime_desktop.tools import Tool

from .helpers import drag, line

WAIT_MS = 30000
DOCS = Path(__file__).resolve().parents[2] / "docs" / "desktop.md"


@pytest.fixture
def sketch_file(samples_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "art"
    folder.mkdir()
    return Path(shutil.copy(samples_dir / "lineart_1.png", folder / "girl.png"))


def test_opening_and_importing_a_picture_behave_the_same(make_window, store: QSettings,
                                                         tiny_weights, sketch_file, qtbot,
                                                         prompter) -> None:
    store.setValue("auto_regen", True)
    opened, imported = make_window(model=tiny_weights), make_window(model=tiny_weights)
    prompter.open_path = str(sketch_file)
    opened.files.open_dialog()
    imported.files.import_dialog()
    for win in (opened, imported):
        assert win.sketch_path == sketch_file
        assert win.windowTitle().startswith("girl.png")
        assert win.files.folder() == str(sketch_file.parent)
        # both colorize at once (Auto is on), without pressing anything
        qtbot.waitUntil(lambda w=win: w.doc.result_is_current, timeout=WAIT_MS)
    assert np.array_equal(opened.doc.lines, imported.doc.lines)
    assert opened.canvas.vp.zoom == pytest.approx(imported.canvas.vp.zoom)
    assert imported.stack.count() == 1, "an import stays an undoable step"


def test_importing_into_a_saved_project_updates_the_title(make_window, sketch_file,
                                                          tmp_path: Path, prompter) -> None:
    win = make_window()
    assert win.files.save_to(tmp_path / "scene.ganime")
    assert win.windowTitle() == "scene.ganime[*] — GANime" and not win.isWindowModified()
    win.files.import_path(sketch_file)
    assert "scene.ganime (sketch girl.png)" in win.windowTitle() and win.isWindowModified()
    assert win.files.save()
    assert not win.isWindowModified() and win.path == tmp_path / "scene.ganime"


def test_file_dialogs_start_in_the_sketch_folder_and_suggest_names(make_window, sketch_file,
                                                                   prompter) -> None:
    win = make_window()
    win.files.import_path(sketch_file)
    win.doc.set_result(ResultImages(np.zeros((*win.doc.lines.shape[:2], 3), np.uint8),
                                    np.zeros((*win.doc.lines.shape[:2], 3), np.uint8), -1))
    folder = sketch_file.parent
    for kind in ("png", "color", "ora", "psd", "hints", "hints_json"):
        win.export(kind)  # the fake dialog answers "cancel"
    win.files.save_as()
    win.files.open_dialog()
    win.files.import_dialog()
    suggested = [Path(d[2]) for d in prompter.dialogs if d[0] == "save"]
    assert [p.name for p in suggested] == [
        "girl-coloured.png", "girl-colour-only.png", "girl.ora", "girl.psd", "girl-hints.png",
        "girl-hints.json", "girl.ganime"]
    assert {p.parent for p in suggested} == {folder}
    assert [d[2] for d in prompter.dialogs if d[0] == "open"] == [str(folder)] * 2


def test_history_rows_say_what_changed(make_window, qtbot) -> None:
    win = make_window()
    win.set_tool(Tool.HINT)
    win._on_color_chosen((0x6B, 0x4A, 0x2F))
    drag(win.canvas, line(150, 30, 230, 30))
    win.set_tool(Tool.HINT_ERASER)
    drag(win.canvas, line(150, 30, 170, 30))
    win.set_tool(Tool.BUCKET)
    win._on_color_chosen((240, 20, 20))
    drag(win.canvas, [(70, 70)])
    qtbot.waitUntil(lambda: win.stack.count() == 3, timeout=WAIT_MS)
    rows = [win.stack.text(i) for i in range(win.stack.count())]
    assert rows == ["Hint stroke #6b4a2f", "Erase hints", "Fill region (red)"]
    shown = win.findChild(QUndoView).model()
    texts = [shown.index(i, 0).data() for i in range(shown.rowCount())]
    assert texts[1:] == rows  # row 0 is the empty state


def test_colorize_is_a_labelled_primary_button_and_clear_hints_left_the_tools(make_window
                                                                            ) -> None:
    win = make_window()
    a = win.actions_by_name
    btn = win.bars.colorize_button
    assert isinstance(btn, QToolButton) and btn.text() == "Colorize" and not btn.icon().isNull()
    assert btn.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    bars = {tb.objectName(): tb.actions() for tb in win.findChildren(QToolBar)}
    assert a["clear"] not in bars["tools_toolbar"]
    assert a["clear"] in bars["main_toolbar"] and a["show_hints"] in bars["main_toolbar"]
    edit = next(m.menu() for m in win.menuBar().actions() if m.text() == "&Edit")
    assert a["clear"] in edit.actions()


def test_help_menu_quick_guide_shortcuts_and_a_readable_about(make_window, qtbot) -> None:
    from ganime_desktop.widgets.help_dialogs import (
        GUIDE,
        QuickGuideDialog,
        ShortcutsDialog,
        shortcut_rows,
    )

    win = make_window()
    help_menu = next(m.menu() for m in win.menuBar().actions() if m.text() == "&Help")
    names = [act.text() for act in help_menu.actions() if not act.isSeparator()]
    assert names == ["&Quick guide", "&Keyboard shortcuts", "&About GANime"]

    guide = QuickGuideDialog(win)
    qtbot.addWidget(guide)
    assert len(GUIDE) == 5
    assert all(lbl.pixmap() is not None and not lbl.pixmap().isNull()
               for lbl in guide.pictures), "every step has its picture"

    rows = {(m, n): k for m, n, k in shortcut_rows(win.menuBar())}
    assert rows[("Colorize", "Colorize")].startswith("Ctrl+Return")
    assert rows[("View", "Show hints")] == "H, Ctrl+H"
    assert rows[("Tools", "Hint brush")] == "C"
    dlg = ShortcutsDialog(win.menuBar(), win)
    qtbot.addWidget(dlg)
    assert "Space + drag" in dlg.browser.toPlainText()

    about = win.help_ops.about_html()
    if win.settings.model_file() is None:
        assert "No model installed" in about
    else:
        assert win.settings.model_file().name in about and "U-Net" in about
        assert "SSIM" in about and "{" not in about and "base_width=" not in about
    from ganime_core import __version__

    assert __version__ in about


@pytest.mark.skipif(not DEFAULT_MODEL.is_file(), reason="the bundled model is not installed")
def test_settings_shows_the_model_card_as_formatted_text(qtbot) -> None:
    from ganime_desktop.settings import AppSettings
    from ganime_desktop.widgets.settings_dialog import SettingsDialog

    dlg = SettingsDialog(AppSettings())
    qtbot.addWidget(dlg)
    doc = dlg.card.document()
    headings = [doc.findBlockByNumber(i) for i in range(doc.blockCount())]
    assert any(b.blockFormat().headingLevel() == 1 for b in headings)
    assert not dlg.card.toPlainText().lstrip().startswith("#"), "rendered, not raw Markdown"


def test_recovery_prompt_names_the_opened_picture(make_window, sketch_file, tmp_path: Path,
                                                  qtbot, prompter) -> None:
    from ganime_desktop.recovery import find_orphans

    rec = tmp_path / "rec"
    win = make_window(recovery=rec, register=False)
    assert win.files.open_path(sketch_file)
    drag(win.canvas, line(40, 60, 110, 90))
    assert win.files.autosave()
    win.host.stop()
    win.regions.stop()
    win.deleteLater()  # gone without a clean close, like a crash
    qtbot.waitUntil(lambda: len(find_orphans(rec)) == 1, timeout=5000)
    fresh = make_window(recovery=rec)
    assert fresh.files.check_recovery()
    assert "girl.png" in prompter.asked_text[-1] and "untitled" not in prompter.asked_text[-1]
    assert fresh.windowTitle().startswith("girl.png (recovered)")
    assert fresh.sketch_path == sketch_file  # exports are named after it again


def test_the_welcome_text_names_real_shortcuts_that_the_docs_list(make_window) -> None:
    win = make_window()
    keys = re.findall(r"\(([^()]+)\)", WELCOME)
    assert {"Ctrl+O", "Ctrl+I", "Ctrl+V", "Ctrl+Enter", "C", "G", "B"} <= set(keys)
    bound = {s.toString() for act in win.actions_by_name.values() for s in act.shortcuts()}
    bound |= {"Ctrl+Enter", "F1"}  # Ctrl+Return's other name; F1 is HelpContents
    docs = DOCS.read_text(encoding="utf-8")
    for key in keys:
        assert key in bound, f"the welcome text names {key}, which does nothing"
        assert f"({key})" in docs, f"docs/desktop.md does not say ({key})"
    assert "colorized at once" in WELCOME and "colorized at once" in docs
