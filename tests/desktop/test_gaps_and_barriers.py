"""Gap control and barriers (issue #13): the "Close gaps" slider with its live region preview,
the barrier tool (invisible strokes only the segmentation sees), and the typed structure they
travel through (jobs, settings, projects, exports)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from ganime_core.errors import DeviceError, GanimeError, NoDefaultModelError, WeightsError
from ganime_core.inputs.barriers import Barrier
from ganime_core.inputs.hints import rasterize
from ganime_core.inputs.lineart import to_line_art
from ganime_core.io.imageio import load_image
from ganime_core.options import SPEC_BY_NAME
from ganime_core.regions import RegionConfig, segment
from ganime_desktop.commands import SetBarriersCommand
from ganime_desktop.document import DEFAULT_GAP, Document, ResultImages
from ganime_desktop.messages import ErrorKind, Job, error_kind
from ganime_desktop.project_io import BARRIERS_MEMBER, load_project, save_project
from ganime_desktop.settings import load_settings, save_settings
from ganime_desktop.tools import TOOLS, Tool

from .helpers import drag, widget_point

GAP_SPEC = SPEC_BY_NAME["gap"]
RED = (240, 20, 20)
WAIT_MS = 20000  # two shared cores and a training job beside us
INSIDE, OUTSIDE = (120, 120), (20, 20)
ACROSS_THE_GAP = [(190.0, 92.0), (190.0, 100.0), (190.0, 108.0), (190.0, 117.0)]


def gapped_square() -> np.ndarray:
    """A square outline whose right side has a 9-px gap (rows 100-108): the default gap-closing
    size (6 px) lets a fill leak out of it."""
    img = np.full((256, 256, 3), 255, np.uint8)
    cv2.rectangle(img, (60, 60), (190, 190), (0, 0, 0), 3)
    img[100:109, 186:194] = 255
    return img


def fill_at(win, qtbot, x: int, y: int) -> np.ndarray:
    """Click the fill tool at (x, y); returns the hint mask once the fill arrived."""
    win.set_tool(Tool.BUCKET)
    win._on_color_chosen(RED)
    n = win.stack.count()
    QTest.mouseClick(win.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     widget_point(win.canvas, x, y))
    qtbot.waitUntil(lambda: win.stack.count() == n + 1, timeout=WAIT_MS)
    return rasterize(win.doc.hints, *win.doc.size).mask


def draw_barrier(win, points=ACROSS_THE_GAP) -> None:
    win.set_tool(Tool.BARRIER)
    drag(win.canvas, points)


# -- the barrier tool ---------------------------------------------------------------------------


def test_barrier_shortcut_does_not_clash() -> None:
    keys = [info.shortcut for info in TOOLS.values()]
    assert len(keys) == len(set(keys)), keys
    assert TOOLS[Tool.BARRIER].shortcut == "Shift+B" and TOOLS[Tool.PEN].shortcut == "B"


def test_a_barrier_stops_a_fill_from_leaking_through_a_gap(make_window, qtbot) -> None:
    win = make_window(doc=Document(gapped_square()))
    assert win.doc.gap == DEFAULT_GAP
    leaked = fill_at(win, qtbot, *INSIDE)
    assert leaked[INSIDE[::-1]] and leaked[OUTSIDE[::-1]], "without a barrier the fill leaks"
    win.stack.undo()

    draw_barrier(win)
    assert len(win.doc.barriers) == 1 and win.stack.text(win.stack.index() - 1) == "Barrier stroke"
    held = fill_at(win, qtbot, *INSIDE)
    assert held[INSIDE[::-1]] and not held[OUTSIDE[::-1]], "the barrier closes the gap"
    assert not held[:, 200:].any() and not held[:55].any()
    assert np.array_equal(win.doc.lines, gapped_square()), "the line art itself is untouched"


def test_a_barrier_one_px_short_of_the_line_still_holds_the_fill(make_window, qtbot) -> None:
    """The fill tool burns the barriers in thickened, as the API does (``make_page``): a 1-px
    barrier that stops 1 px short of the line leaves no opening, even with no gap closing."""
    win = make_window(doc=Document(gapped_square()))
    win.bars.gap_slider.setValue(0)  # no gap closing: only the barrier can hold the fill
    assert win.doc.gap == 0
    wall = Barrier(((190.0, 100.0), (190.0, 107.0)), 1.0)  # the line resumes at row 109
    win.stack.push(SetBarriersCommand(win.doc, (wall,), "Barrier stroke"))
    mask = win.doc.barrier_mask()
    assert mask[100:108, 190].all() and not mask[108].any(), "as drawn: a 1-px opening"
    burnt = win.doc.lines.copy()  # the barrier burnt in as drawn (the fill tool's old way) ...
    burnt[mask] = 0
    as_drawn = segment(to_line_art(burnt), RegionConfig(gap_close=0))
    assert as_drawn.region_at(*INSIDE) == as_drawn.region_at(*OUTSIDE), "... leaks through it"

    held = fill_at(win, qtbot, *INSIDE)
    assert held[INSIDE[::-1]] and not held[OUTSIDE[::-1]], "the thickened barrier holds"
    assert not held[:, 200:].any()


def test_barriers_undo_redo_and_clear(make_window) -> None:
    win = make_window(doc=Document(gapped_square()))
    draw_barrier(win)
    draw_barrier(win, [(100.0, 30.0), (140.0, 30.0)])
    first, both = win.doc.barriers[:1], win.doc.barriers
    assert len(both) == 2 and np.allclose(both[0].points[0], ACROSS_THE_GAP[0], atol=0.5)
    win.stack.undo()
    assert win.doc.barriers == first
    win.stack.redo()
    assert win.doc.barriers == both
    win.actions_by_name["clear_barriers"].trigger()
    assert win.doc.barriers == () and win.stack.text(win.stack.index() - 1) == "Clear barriers"
    win.stack.undo()
    assert win.doc.barriers == both


def test_barriers_show_only_on_screen_and_follow_show_hints(make_window, qtbot) -> None:
    win = make_window(doc=Document(gapped_square()))
    canvas = win.canvas
    x, y = (int(v) for v in canvas.vp.to_widget(120, 30))
    before = canvas.rendered()[y - 3:y + 4, x - 20:x + 20, :3].copy()
    draw_barrier(win, [(100.0, 30.0), (140.0, 30.0)])
    win.set_tool(Tool.HINT)
    shown = canvas.rendered()[y - 3:y + 4, x - 20:x + 20, :3]
    assert (np.abs(shown.astype(int) - before).max(axis=2) > 60).sum() > 20, "drawn with hints on"
    assert (shown[..., 2].astype(int) - shown[..., 0] > 120).any(), "its cyan dashes"
    qtbot.keyClick(canvas, Qt.Key.Key_H)  # Show hints off: barriers hide too
    assert np.array_equal(canvas.rendered()[y - 3:y + 4, x - 20:x + 20, :3], before)
    win.set_tool(Tool.BARRIER)  # ... except while the barrier tool is in hand
    assert not np.array_equal(canvas.rendered()[y - 3:y + 4, x - 20:x + 20, :3], before)


def test_barriers_survive_save_and_load_and_old_projects_load(make_window, tmp_path: Path) -> None:
    win = make_window(doc=Document(gapped_square()))
    draw_barrier(win)
    win.bars.gap_slider.setValue(14)  # a keyboard-like change: one undo step
    path = tmp_path / "walls.ganime"
    assert win.files.save_to(path)
    with zipfile.ZipFile(path) as zf:
        assert BARRIERS_MEMBER in zf.namelist()
    project = load_project(path)
    assert project.doc.barriers == win.doc.barriers and project.doc.gap == 14
    assert project.warnings == []

    old = tmp_path / "old.ganime"  # as an older GANime wrote it: no barriers, no gap
    save_project(old, Document(gapped_square()))
    with zipfile.ZipFile(old) as zf:
        assert BARRIERS_MEMBER not in zf.namelist()
    loaded = load_project(old)
    assert loaded.doc.barriers == () and loaded.doc.gap == DEFAULT_GAP and not loaded.warnings


def test_damaged_barriers_cost_only_the_barriers(tmp_path: Path) -> None:
    doc = Document(gapped_square())
    doc.barriers = (Barrier(((1.0, 2.0), (30.0, 2.0)), 3.0),)
    path = tmp_path / "damaged.ganime"
    save_project(path, doc)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[BARRIERS_MEMBER] = b'{"barriers": [{"points": [[0, 0]], "width": 1e99}]}'
    manifest = members["manifest.json"].replace(b'"gap": 6', b'"gap": "wide"')
    members["manifest.json"] = manifest
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    project = load_project(path)
    assert project.doc.barriers == () and project.doc.gap == DEFAULT_GAP
    assert np.array_equal(project.doc.lines, gapped_square())
    assert len(project.warnings) == 2
    assert any(BARRIERS_MEMBER in w for w in project.warnings)
    assert any("gap-closing size" in w for w in project.warnings)


def test_the_barrier_is_not_in_the_exported_png_but_is_a_hidden_layer(
        make_window, tmp_path: Path) -> None:
    win = make_window(doc=Document(gapped_square()))
    color = np.full((256, 256, 3), (200, 170, 120), np.uint8)
    image = (color.astype(np.uint16) * gapped_square() // 255).astype(np.uint8)
    win.doc.set_result(ResultImages(image, color, win.doc.revision))
    draw_barrier(win)
    png, ora = tmp_path / "out.png", tmp_path / "out.ora"
    assert win.files.export_to("png", png) and win.files.export_to("ora", ora)
    assert np.array_equal(load_image(png).rgb, image), "the picture is exactly the result"
    with zipfile.ZipFile(ora) as zf:
        layers = {ly.get("name"): ly for ly in
                  ElementTree.fromstring(zf.read("stack.xml")).iter("layer")}
        assert layers["Barriers"].get("visibility") == "hidden"
        barrier_png = load_image(zf.read(layers["Barriers"].get("src")))
    mask = barrier_png.alpha > 0 if barrier_png.alpha is not None else barrier_png.rgb.any(axis=2)
    assert mask[104, 190] and not mask[20, 20]


# -- the gap slider ----------------------------------------------------------------------------


def test_gap_slider_drag_previews_regions_and_is_one_undo_step(make_window, qtbot) -> None:
    win = make_window(doc=Document(gapped_square()))
    slider, canvas = win.bars.gap_slider, win.canvas
    assert slider.minimum() == 0 and slider.maximum() == 64 and slider.value() == DEFAULT_GAP
    assert (slider.minimum(), slider.maximum()) == (GAP_SPEC.minimum, GAP_SPEC.maximum)
    assert win.bars.gap_value.text().strip() == f"{DEFAULT_GAP} px"
    x, y = (int(v) for v in canvas.vp.to_widget(*OUTSIDE))
    plain = canvas.rendered()[y, x, :3].copy()
    n = win.stack.count()

    slider.setSliderDown(True)  # the user grabs the handle ...
    for v in (8, 10, 12, 14):
        slider.setValue(v)
    assert win.doc.gap == DEFAULT_GAP, "nothing changes the document while dragging"
    qtbot.waitUntil(lambda: canvas.region_preview_shown, timeout=WAIT_MS)
    tinted = canvas.rendered()[y, x, :3]
    assert np.abs(tinted.astype(int) - plain).max() > 20, "the regions are laid over the picture"
    assert win.bars.gap_value.text().strip() == "14 px"
    slider.setSliderDown(False)  # ... and lets go: one undo step
    assert win.doc.gap == 14 and win.stack.count() == n + 1
    assert win.stack.text(n) == "Close gaps: 14 px"
    qtbot.waitUntil(lambda: not canvas.region_preview_shown, timeout=WAIT_MS)

    win.stack.undo()
    assert win.doc.gap == DEFAULT_GAP and slider.value() == DEFAULT_GAP
    win.stack.redo()
    assert win.doc.gap == 14 and slider.value() == 14
    qtbot.waitUntil(lambda: win.regions.cache.get(win.regions.key()) is not None, timeout=WAIT_MS)
    win.regions.preview(14)  # already segmented at 14 px: drawn from the worker's regions
    qtbot.waitUntil(lambda: canvas.region_preview_shown, timeout=WAIT_MS)
    win.regions.preview(None)
    assert not canvas.region_preview_shown


def test_a_wider_gap_stops_the_fill_leaking_and_goes_to_colorize(make_window, qtbot) -> None:
    win = make_window(doc=Document(gapped_square()))
    win.bars.gap_slider.setValue(12)
    held = fill_at(win, qtbot, *INSIDE)
    assert held[INSIDE[::-1]] and not held[OUTSIDE[::-1]], "a 9-px gap holds at 12 px"

    jobs: list[Job] = []
    win.host.submit = lambda job: jobs.append(job) or 1  # what the worker would get
    draw_barrier(win)
    win.settings.model_path = str(Path(__file__))  # any file: only the job is looked at
    win.settings.precision, win.settings.memory_format = "fp32", "channels_last"
    assert win.colorize() == 1
    job = jobs[-1]
    assert job.options.gap == 12 and job.barriers is not None and job.barriers.dtype == bool
    assert job.barriers[104, 190] and not job.barriers[20, 20]
    assert job.model.precision == "fp32" and job.model.memory_format == "channels_last"


# -- typed structure ---------------------------------------------------------------------------


def test_error_kinds_are_typed() -> None:
    assert error_kind(NoDefaultModelError("x")) is ErrorKind.NO_MODEL
    assert error_kind(WeightsError("x")) is ErrorKind.WEIGHTS
    assert error_kind(DeviceError("x")) is ErrorKind.DEVICE
    assert error_kind(MemoryError()) is ErrorKind.MEMORY
    assert error_kind(GanimeError("x")) is ErrorKind.INPUT
    assert error_kind(KeyError("x")) is ErrorKind.INTERNAL
    assert [k for k in ErrorKind if k.model_unusable] == \
        [ErrorKind.NO_MODEL, ErrorKind.WEIGHTS, ErrorKind.DEVICE]
    assert ErrorKind.MEMORY.heading == "Out of memory" and ErrorKind.INPUT.heading == "Colorize failed"


def test_precision_and_memory_format_settings(tmp_path: Path) -> None:
    qs = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    s = load_settings(qs)
    assert (s.precision, s.memory_format) == ("auto", "auto")
    s.precision, s.memory_format, s.device = "bf16", "contiguous", "mps"
    save_settings(qs, s)
    again = load_settings(qs)
    assert (again.precision, again.memory_format, again.device) == ("bf16", "contiguous", "mps")
    qs.setValue("precision", "fp8")
    qs.setValue("memory_format", ["x"])
    bad = load_settings(qs)
    assert (bad.precision, bad.memory_format) == ("auto", "auto")


def test_precision_and_memory_format_reach_the_loaded_model(make_window, store, qtbot,
                                                            tiny_weights) -> None:
    store.setValue("precision", "fp32")
    store.setValue("memory_format", "contiguous")
    win = make_window(model=tiny_weights)
    qtbot.waitUntil(lambda: win.colorizer.model_summary != "", timeout=60_000)
    assert "forward: fp32, contiguous" in win.colorizer.model_summary
    assert win.colorizer.model_summary.splitlines()[-1].startswith("device:")


@pytest.mark.parametrize("device", ["auto", "cpu", "cuda", "mps"])
def test_settings_dialog_offers_every_core_device(qtbot, device: str) -> None:
    from ganime_desktop.settings import AppSettings
    from ganime_desktop.widgets.settings_dialog import SettingsDialog

    dlg = SettingsDialog(AppSettings(device=device, precision="fp32"))
    qtbot.addWidget(dlg)
    new = dlg.result_settings()
    assert new.device == device and new.precision == "fp32" and new.memory_format == "auto"


def test_clear_barriers_command_is_a_plain_data_edit() -> None:
    doc = Document(gapped_square())
    rev = doc.seg_rev
    cmd = SetBarriersCommand(doc, (Barrier(((0.0, 0.0), (5.0, 5.0))),), "Barrier stroke")
    cmd.redo()
    assert doc.seg_rev == rev + 1 and doc.barrier_mask()[3, 3]
    cmd.undo()
    assert doc.barriers == () and doc.barrier_mask() is None and doc.seg_rev == rev + 2
