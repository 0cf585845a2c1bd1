"""Menus and toolbars of the main window: every action defined once with icon, shortcut, tip."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QSlider, QSpinBox, QToolBar, QToolButton

from .canvas import ViewMode
from .qt_util import icon, new_action
from .tools import TOOLS, Tool

if TYPE_CHECKING:
    from .main_window import MainWindow

SK = QKeySequence.StandardKey
MODE_LABELS = {"plain": "Network colours", "flats": "Flats", "locked": "Locked (flats + shading)"}
PRIMARY_STYLE = ("QToolButton { background: #e85d75; color: white; font-weight: bold; "
                 "border: 1px solid #c94a61; border-radius: 4px; padding: 4px 12px; }"
                 "QToolButton:hover { background: #f06f86; }"
                 "QToolButton:pressed { background: #c94a61; }")


def build_actions(win: MainWindow) -> dict[str, QAction]:
    a: dict[str, QAction] = {}
    n = new_action
    # File
    a["new"] = n(win, "&New canvas…", win.new_canvas, shortcut=SK.New, icon_name="fa5s.file")
    a["open"] = n(win, "&Open…", win.open_dialog, shortcut=SK.Open, icon_name="fa5s.folder-open",
                  tip="Open a picture or a GANime project")
    a["import"] = n(win, "&Import image as line art…", win.import_dialog, shortcut="Ctrl+I",
                    icon_name="fa5s.file-import",
                    tip="Replace the line art with a picture (undoable)")
    a["save"] = n(win, "&Save", win.save, shortcut=SK.Save, icon_name="fa5s.save")
    a["save_as"] = n(win, "Save &as…", win.save_as, shortcut="Ctrl+Shift+S")
    a["export_png"] = n(win, "Export &PNG (with lines)…", lambda: win.export("png"),
                        shortcut="Ctrl+E", icon_name="fa5s.file-export")
    a["export_color"] = n(win, "Export PNG (&colour only)…", lambda: win.export("color"))
    a["export_ora"] = n(win, "Export &OpenRaster (.ora, Krita/GIMP)…", lambda: win.export("ora"),
                        shortcut="Ctrl+Shift+E")
    a["export_psd"] = n(win, "Export P&SD (Photoshop/Clip Studio)…", lambda: win.export("psd"))
    a["export_hints"] = n(win, "Export &hints as RGBA PNG…", lambda: win.export("hints"))
    a["export_hints_json"] = n(win, "Export hints as stroke &JSON…",
                               lambda: win.export("hints_json"))
    a["quit"] = n(win, "&Quit", win.close, shortcut=SK.Quit)
    # Edit
    a["undo"] = n(win, "&Undo", win.stack.undo, shortcut=SK.Undo, icon_name="mdi6.undo")
    a["redo"] = n(win, "&Redo", win.stack.redo, shortcut=["Ctrl+Shift+Z", "Ctrl+Y"],
                  icon_name="mdi6.redo")
    win.stack.canUndoChanged.connect(a["undo"].setEnabled)
    win.stack.canRedoChanged.connect(a["redo"].setEnabled)
    a["undo"].setEnabled(False)
    a["redo"].setEnabled(False)
    a["paste"] = n(win, "&Paste image as line art", win.paste, shortcut=SK.Paste,
                   icon_name="fa5s.paste")
    a["copy"] = n(win, "&Copy result", win.copy_result, shortcut=["Ctrl+Shift+C", SK.Copy],
                  icon_name="fa5s.copy")
    a["clear"] = n(win, "C&lear hints", win.clear_hints, shortcut="Shift+Del",
                   icon_name="fa5s.broom", tip="Remove every hint stroke (undoable)")
    a["settings"] = n(win, "&Settings…", win.open_settings, shortcut="Ctrl+,",
                      icon_name="fa5s.cog")
    # Tools
    group = QActionGroup(win)
    for tool, info in TOOLS.items():
        act = n(win, info.label, lambda t=tool: win.set_tool(t), shortcut=info.shortcut,
                icon_name=info.icon, tip=info.tip, checkable=False)
        act.setCheckable(True)
        group.addAction(act)
        a[f"tool_{tool.value}"] = act
    a["bigger"] = n(win, "Bigger brush", lambda: win.resize_brush(+1), shortcut="]")
    a["smaller"] = n(win, "Smaller brush", lambda: win.resize_brush(-1), shortcut="[")
    # Colorize
    a["colorize"] = n(win, "&Colorize", win.colorize, shortcut=["Ctrl+Return", "Ctrl+Enter"],
                      icon_name="fa5s.magic", tip="Colorize the line art with the hints")
    a["auto"] = n(win, "&Auto-regenerate", win.set_auto, shortcut="Ctrl+Shift+A",
                  icon_name="mdi6.autorenew", checkable=True, checked=win.settings.auto_regen,
                  tip="Colorize again shortly after each edit")
    a["reference"] = n(win, "Colour &reference picture…", win.choose_reference,
                       icon_name="fa5s.image",
                       tip="Choose a picture whose colours guide the model (undoable)")
    a["clear_reference"] = n(win, "Clear reference", win.clear_reference,
                             icon_name="fa5s.times", tip="Stop using the reference picture")
    a["palette_guide"] = n(win, "Use palette as colour &guide", win.set_palette_guide,
                           icon_name="fa5s.palette", checkable=True,
                           tip="Give the model the palette's first 8 colours to place "
                               "(wins over a reference picture)")
    # View
    a["zoom_in"] = n(win, "Zoom &in", lambda: win.canvas.zoom_by(1.25),
                     shortcut=["+", "=", SK.ZoomIn], icon_name="fa5s.search-plus")
    a["zoom_out"] = n(win, "Zoom &out", lambda: win.canvas.zoom_by(0.8),
                      shortcut=["-", SK.ZoomOut], icon_name="fa5s.search-minus")
    a["fit"] = n(win, "&Fit to window", win.canvas.fit, shortcut="Ctrl+0",
                 icon_name="mdi6.fit-to-screen-outline")
    a["actual"] = n(win, "&100%", win.canvas.actual_size, shortcut="Ctrl+1")
    modes = QActionGroup(win)
    for key, mode, label, ic in (("view_result", ViewMode.RESULT, "&Result with lines",
                                  "fa5s.image"),
                                 ("view_split", ViewMode.SPLIT, "&Before/after slider",
                                  "mdi6.compare-horizontal"),
                                 ("view_side", ViewMode.SIDE, "&Side by side",
                                  "mdi6.view-split-vertical")):
        act = n(win, label, lambda m=mode: win.canvas.set_mode(m),
                shortcut=f"Alt+{len(modes.actions()) + 1}", icon_name=ic)
        act.setCheckable(True)
        modes.addAction(act)
        a[key] = act
    a["view_result"].setChecked(True)
    a["show_hints"] = n(win, "Show &hints", win.canvas.set_show_hints, shortcut=["H", "Ctrl+H"],
                        checkable=True, checked=win.settings.show_hints,
                        icon_name="fa5s.eye", tip="Show or hide the hint layer")
    # Help
    a["guide"] = n(win, "&Quick guide", win.quick_guide, shortcut=SK.HelpContents,
                   icon_name="fa5s.question-circle", tip="The workflow in five pictures")
    a["shortcuts"] = n(win, "&Keyboard shortcuts", win.show_shortcuts, shortcut="Ctrl+/",
                       icon_name="fa5s.keyboard")
    a["about"] = n(win, "&About GANime", win.about, icon_name="fa5s.info-circle")
    return a


def build_menus(win: MainWindow, a: dict[str, QAction]) -> None:
    mb = win.menuBar()
    m = mb.addMenu("&File")
    for k in ("new", "open"):
        m.addAction(a[k])
    win.recent_menu = m.addMenu("Open &recent")
    m.addAction(a["import"])
    m.addSeparator()
    m.addActions([a["save"], a["save_as"]])
    m.addSeparator()
    ex = m.addMenu("&Export")
    ex.addActions([a[k] for k in ("export_png", "export_color", "export_ora", "export_psd")])
    ex.addSeparator()
    ex.addActions([a["export_hints"], a["export_hints_json"]])
    m.addSeparator()
    m.addAction(a["quit"])
    m = mb.addMenu("&Edit")
    m.addActions([a["undo"], a["redo"]])
    m.addSeparator()
    m.addActions([a["paste"], a["copy"], a["clear"]])
    m.addSeparator()
    m.addAction(a["settings"])
    m = mb.addMenu("&Tools")
    m.addActions([a[f"tool_{t.value}"] for t in Tool])
    m.addSeparator()
    m.addActions([a["bigger"], a["smaller"]])
    m = mb.addMenu("&Colorize")
    m.addActions([a["colorize"], a["auto"]])
    m.addSeparator()
    m.addActions([a["reference"], a["clear_reference"], a["palette_guide"]])
    m = mb.addMenu("&View")
    m.addActions([a["zoom_in"], a["zoom_out"], a["fit"], a["actual"]])
    m.addSeparator()
    m.addActions([a["view_result"], a["view_split"], a["view_side"]])
    m.addSeparator()
    m.addAction(a["show_hints"])
    win.view_menu = m
    m = mb.addMenu("&Help")
    m.addActions([a["guide"], a["shortcuts"]])
    m.addSeparator()
    m.addAction(a["about"])


def build_toolbars(win: MainWindow, a: dict[str, QAction]) -> None:
    tb = QToolBar("Main")
    tb.setObjectName("main_toolbar")
    tb.addActions([a["new"], a["open"], a["save"]])
    tb.addSeparator()
    tb.addActions([a["undo"], a["redo"]])
    tb.addSeparator()
    tb.addAction(a["colorize"])
    win.colorize_button = tb.widgetForAction(a["colorize"])
    if isinstance(win.colorize_button, QToolButton):  # the primary action: labelled, in colour
        win.colorize_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        win.colorize_button.setIcon(icon("fa5s.magic", "white"))
        win.colorize_button.setStyleSheet(PRIMARY_STYLE)
    tb.addAction(a["auto"])
    win.mode_box = QComboBox()
    for mode, label in MODE_LABELS.items():
        win.mode_box.addItem(label, mode)
    win.mode_box.setCurrentIndex(max(0, win.mode_box.findData(win.settings.color_mode)))
    win.mode_box.setToolTip("Network: the model's colours as they come. Flats: one exact "
                            "colour per closed region, hints fill their whole region. Locked: "
                            "flats with the model's shading; nothing leaks past a line.")
    win.mode_box.currentIndexChanged.connect(
        lambda _i: win.set_color_mode(win.mode_box.currentData()))
    tb.addWidget(win.mode_box)
    tb.addSeparator()
    tb.addActions([a["show_hints"], a["clear"]])
    tb.addSeparator()
    tb.addActions([a["view_result"], a["view_split"], a["view_side"], a["fit"]])
    win.addToolBar(tb)
    tools = QToolBar("Tools")
    tools.setObjectName("tools_toolbar")
    tools.addActions([a[f"tool_{t.value}"] for t in Tool])
    win.addToolBar(Qt.ToolBarArea.LeftToolBarArea, tools)
    opts = QToolBar("Tool options")
    opts.setObjectName("options_toolbar")
    opts.addWidget(QLabel(" Size "))
    win.size_box = QSpinBox()
    win.size_box.setRange(1, 400)
    win.size_box.setSuffix(" px")
    win.size_box.setToolTip("Brush size ([ and ])")
    win.size_box.valueChanged.connect(win.set_brush_size)
    opts.addWidget(win.size_box)
    opts.addSeparator()
    opts.addWidget(QLabel(" Hint opacity "))
    win.hint_opacity_box = QSlider(Qt.Orientation.Horizontal)
    win.hint_opacity_box.setRange(10, 100)
    win.hint_opacity_box.setFixedWidth(110)
    win.hint_opacity_box.setValue(win.saved_hint_opacity())
    win.hint_opacity_box.setToolTip("How strongly the hint layer covers the picture "
                                    "(hints always keep a dark outline)")
    win.hint_opacity_box.valueChanged.connect(win.set_hint_opacity)
    opts.addWidget(win.hint_opacity_box)
    win.addToolBar(opts)
