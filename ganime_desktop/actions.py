"""Menus and toolbars of the main window: every action defined once with icon, shortcut, tip.

The builders return what they made (:class:`Menus`, :class:`ToolbarWidgets`); they never set
attributes on the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMenu,
    QSlider,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from ganime_core.constants import COLOR_MODES
from ganime_core.io.formats import FORMATS
from ganime_core.options import SPEC_BY_NAME

from .canvas import ViewMode
from .help_ops import saved_hint_opacity
from .qt_util import icon, new_action
from .tools import TOOLS, Tool

if TYPE_CHECKING:
    from .main_window import MainWindow

SK = QKeySequence.StandardKey
MODE_LABELS = dict(zip(COLOR_MODES, ("Network colours", "Flats", "Locked (flats + shading)"),
                       strict=True))
GAP_TIP = ("Close gaps: line gaps up to this many pixels count as closed when finding the "
           "regions to fill and colour (drag to see the regions; each drag is one undo step)")


@dataclass(frozen=True)
class Menus:
    view: QMenu
    recent: QMenu


@dataclass(frozen=True)
class ToolbarWidgets:
    colorize_button: QWidget | None
    mode_box: QComboBox
    size_box: QSpinBox
    spread_box: QComboBox
    hint_opacity_box: QSlider
    gap_slider: QSlider
    gap_value: QLabel

PRIMARY_STYLE = ("QToolButton { background: #e85d75; color: white; font-weight: bold; "
                 "border: 1px solid #c94a61; border-radius: 4px; padding: 4px 12px; }"
                 "QToolButton:hover { background: #f06f86; }"
                 "QToolButton:pressed { background: #c94a61; }")


def build_actions(win: MainWindow) -> dict[str, QAction]:
    a: dict[str, QAction] = {}
    n = new_action
    f, g, h = win.files, win.guide_ops, win.help_ops
    # File
    a["new"] = n(win, "&New canvas…", f.new_canvas, shortcut=SK.New, icon_name="fa5s.file")
    a["open"] = n(win, "&Open…", f.open_dialog, shortcut=SK.Open, icon_name="fa5s.folder-open",
                  tip="Open a picture or a GANime project")
    a["import"] = n(win, "&Import image as line art…", f.import_dialog, shortcut="Ctrl+I",
                    icon_name="fa5s.file-import",
                    tip="Replace the line art with a picture (undoable)")
    a["save"] = n(win, "&Save", f.save, shortcut=SK.Save, icon_name="fa5s.save")
    a["save_as"] = n(win, "Save &as…", f.save_as, shortcut="Ctrl+Shift+S")
    extras = {"png": {"shortcut": "Ctrl+E", "icon_name": "fa5s.file-export"},
              "ora": {"shortcut": "Ctrl+Shift+E"}}
    for fmt in FORMATS:  # the export table's order and labels
        a[f"export_{fmt.kind}"] = n(win, fmt.menu, lambda kind=fmt.kind: f.export(kind), **extras.get(fmt.kind, {}))
    a["quit"] = n(win, "&Quit", win.close, shortcut=SK.Quit)
    # Edit
    a["undo"] = n(win, "&Undo", win.session.stack.undo, shortcut=SK.Undo, icon_name="mdi6.undo")
    a["redo"] = n(win, "&Redo", win.session.stack.redo, shortcut=["Ctrl+Shift+Z", "Ctrl+Y"],
                  icon_name="mdi6.redo")
    win.session.stack.canUndoChanged.connect(a["undo"].setEnabled)
    win.session.stack.canRedoChanged.connect(a["redo"].setEnabled)
    a["undo"].setEnabled(False)
    a["redo"].setEnabled(False)
    a["paste"] = n(win, "&Paste image as line art", f.paste, shortcut=SK.Paste,
                   icon_name="fa5s.paste")
    a["copy"] = n(win, "&Copy result", f.copy_result, shortcut=["Ctrl+Shift+C", SK.Copy],
                  icon_name="fa5s.copy")
    a["clear"] = n(win, "C&lear hints", win.clear_hints, shortcut="Shift+Del",
                   icon_name="fa5s.broom", tip="Remove every hint stroke (undoable)")
    a["clear_barriers"] = n(win, "Clear &barriers", win.clear_barriers, icon_name="mdi6.wall",
                            tip="Remove every barrier stroke (undoable)")
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
    a["colorize"] = n(win, "&Colorize", win.colorizer.colorize, shortcut=["Ctrl+Return", "Ctrl+Enter"],
                      icon_name="fa5s.magic", tip="Colorize the line art with the hints")
    a["auto"] = n(win, "&Auto-regenerate", win.set_auto, shortcut="Ctrl+Shift+A",
                  icon_name="mdi6.autorenew", checkable=True, checked=win.settings.auto_regen,
                  tip="Colorize again shortly after each edit")
    a["reference"] = n(win, "Colour &reference picture…", g.choose_reference,
                       icon_name="fa5s.image",
                       tip="Choose a picture whose colours guide the model (undoable)")
    a["clear_reference"] = n(win, "Clear reference", g.clear_reference,
                             icon_name="fa5s.times", tip="Stop using the reference picture")
    a["palette_guide"] = n(win, "Use palette as colour &guide", g.set_palette_guide,
                           icon_name="fa5s.palette", checkable=True,
                           tip="Give the model the palette's first 8 colours to place "
                               "(wins over a reference picture)")
    a["suggest"] = n(win, "&Suggest colours", win.suggestions.show, icon_name="fa5s.swatchbook",
                     tip="The sketch coloured in a few colour families: click one to use its "
                         "colours as the colour guide")
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
    a["guide"] = n(win, "&Quick guide", h.quick_guide, shortcut=SK.HelpContents,
                   icon_name="fa5s.question-circle", tip="The workflow in five pictures")
    a["shortcuts"] = n(win, "&Keyboard shortcuts", h.show_shortcuts, shortcut="Ctrl+/",
                       icon_name="fa5s.keyboard")
    a["about"] = n(win, "&About GANime", h.about, icon_name="fa5s.info-circle")
    return a


def build_menus(win: MainWindow, a: dict[str, QAction]) -> Menus:
    mb = win.menuBar()
    m = mb.addMenu("&File")
    for k in ("new", "open"):
        m.addAction(a[k])
    recent = m.addMenu("Open &recent")
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
    m.addActions([a["paste"], a["copy"], a["clear"], a["clear_barriers"]])
    m.addSeparator()
    m.addAction(a["settings"])
    m = mb.addMenu("&Tools")
    m.addActions([a[f"tool_{t.value}"] for t in Tool])
    m.addSeparator()
    m.addActions([a["bigger"], a["smaller"]])
    m = mb.addMenu("&Colorize")
    m.addActions([a["colorize"], a["auto"]])
    m.addSeparator()
    m.addActions([a["reference"], a["clear_reference"], a["palette_guide"], a["suggest"]])
    m = mb.addMenu("&View")
    m.addActions([a["zoom_in"], a["zoom_out"], a["fit"], a["actual"]])
    m.addSeparator()
    m.addActions([a["view_result"], a["view_split"], a["view_side"]])
    m.addSeparator()
    m.addAction(a["show_hints"])
    view = m
    m = mb.addMenu("&Help")
    m.addActions([a["guide"], a["shortcuts"]])
    m.addSeparator()
    m.addAction(a["about"])
    return Menus(view, recent)


def build_toolbars(win: MainWindow, a: dict[str, QAction]) -> ToolbarWidgets:
    tb = QToolBar("Main")
    tb.setObjectName("main_toolbar")
    tb.addActions([a["new"], a["open"], a["save"]])
    tb.addSeparator()
    tb.addActions([a["undo"], a["redo"]])
    tb.addSeparator()
    tb.addAction(a["colorize"])
    button = tb.widgetForAction(a["colorize"])
    if isinstance(button, QToolButton):  # the primary action: labelled, in colour
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setIcon(icon("fa5s.magic", "white"))
        button.setStyleSheet(PRIMARY_STYLE)
    tb.addAction(a["auto"])
    mode_box = _mode_box(win)
    tb.addWidget(mode_box)
    spread_box = _spread_box(win)
    tb.addWidget(spread_box)
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
    size_box = QSpinBox()
    size_box.setRange(1, 400)
    size_box.setSuffix(" px")
    size_box.setToolTip("Brush size ([ and ])")
    size_box.valueChanged.connect(win.set_brush_size)
    opts.addWidget(size_box)
    opts.addSeparator()
    opts.addWidget(QLabel(" Hint opacity "))
    opacity = QSlider(Qt.Orientation.Horizontal)
    opacity.setRange(10, 100)
    opacity.setFixedWidth(110)
    opacity.setValue(saved_hint_opacity(win.store))
    opacity.setToolTip("How strongly the hint layer covers the picture "
                       "(hints always keep a dark outline)")
    opacity.valueChanged.connect(win.set_hint_opacity)
    opts.addWidget(opacity)
    opts.addSeparator()
    gap, gap_value = _gap_slider(opts)
    win.addToolBarBreak()  # the brush and gap controls on a row of their own: all fit 1280 px
    win.addToolBar(opts)
    return ToolbarWidgets(button, mode_box, size_box, spread_box, opacity, gap, gap_value)


def _mode_box(win: MainWindow) -> QComboBox:
    box = QComboBox()
    for mode, label in MODE_LABELS.items():
        box.addItem(label, mode)
    box.setCurrentIndex(max(0, box.findData(win.settings.color_mode)))
    box.setToolTip("Network: the model's colours as they come. Flats: one exact "
                   "colour per closed region, hints fill their whole region. Locked: "
                   "flats with the model's shading; nothing leaks past a line.")
    box.currentIndexChanged.connect(lambda _i: win.set_color_mode(box.currentData()))
    return box


SPREAD_LABELS = {"part": "Hint: whole part", "region": "Hint: its region"}


def _spread_box(win: MainWindow) -> QComboBox:
    box = QComboBox()
    box.setObjectName("spread_box")
    for spread in SPEC_BY_NAME["spread"].choices:
        box.addItem(SPREAD_LABELS.get(spread, spread), spread)
    box.setCurrentIndex(max(0, box.findData(win.settings.spread)))
    box.setToolTip("What one hint stroke colours. Whole part: the part it touches, all of the "
                   "hair or both sleeves. Its region: only the closed regions under the stroke. "
                   "Hold Alt while painting for one stroke that colours only its region. The "
                   "hint brush's hover highlights what a stroke there would colour.")
    box.currentIndexChanged.connect(lambda _i: win.set_spread(box.currentData()))
    return box


def _gap_slider(bar: QToolBar) -> tuple[QSlider, QLabel]:
    """The "Close gaps" slider and its value label (wired by the window's gap control); its
    range and start are the gap option's (``ganime_core.options``)."""
    gap = SPEC_BY_NAME["gap"]
    assert gap.minimum is not None and gap.maximum is not None  # an int option with a range
    label = QLabel(" Close gaps ")
    label.setToolTip(GAP_TIP)
    bar.addWidget(label)
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setObjectName("gap_slider")
    slider.setRange(gap.minimum, gap.maximum)
    slider.setValue(gap.default)
    slider.setPageStep(4)
    slider.setFixedWidth(130)
    slider.setToolTip(GAP_TIP)
    bar.addWidget(slider)
    value = QLabel()
    value.setMinimumWidth(44)
    value.setText(f" {gap.default} px")
    bar.addWidget(value)
    return slider, value
