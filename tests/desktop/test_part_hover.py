"""Issue 22.2 in the app: the hint brush's hover highlights the part a stroke would colour (the
core's ``parts.query.hint_reach`` on the colorize worker), and Alt while painting keeps a stroke
to its regions. On a sample sketch with the shipped model, in the real window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox

from ganime_core.io.imageio import load_image
from ganime_desktop.document import Document
from ganime_desktop.messages import Job
from ganime_desktop.settings import DEFAULT_MODEL
from ganime_desktop.tools import REGION_SUFFIX, Tool

from .helpers import widget_point

WAIT_MS = 120000
HAIR = (270, 80)  # lineart_1: a strand of the hair, well inside its closed region
BLUE = (40, 90, 230)


@pytest.fixture
def girl(make_window, samples_dir: Path, qtbot):
    if not DEFAULT_MODEL.is_file():
        pytest.skip(f"the shipped model is not installed at {DEFAULT_MODEL}")
    path = samples_dir / "lineart_1.png"
    if not path.is_file():
        pytest.skip(f"the sample sketch {path} is absent")
    win = make_window(model=DEFAULT_MODEL, doc=Document.from_loaded(load_image(path)))
    win.resize(1280, 800)
    win.canvas.fit()
    win.set_tool(Tool.HINT)
    win._on_color_chosen(BLUE)
    qtbot.waitUntil(lambda: win.colorizer.model_summary != "", timeout=WAIT_MS)
    return win


def hover(win, qtbot, x: float, y: float) -> np.ndarray:
    """Move the pointer (no button) to image point (x, y) and wait for its highlight."""
    QTest.mouseMove(win.canvas, widget_point(win.canvas, x, y))
    qtbot.waitUntil(lambda: win.part_hover.shown is not None, timeout=WAIT_MS)
    mask = win.part_hover.shown_mask()
    assert mask is not None
    return mask


def regions_under(win, x: int, y: int) -> np.ndarray:
    """bool HxW: the closed regions under a dot of the brush's size at (x, y)."""
    regions = win.regions.ensure()
    assert regions is not None
    r = win.brush.sizes[Tool.HINT] / 2
    yy, xx = np.ogrid[:regions.labels.shape[0], :regions.labels.shape[1]]
    labels = set(np.unique(regions.labels[(yy - y - 0.5) ** 2 + (xx - x - 0.5) ** 2 <= r * r]).tolist()) - {0}
    return np.isin(regions.labels, list(labels))


def test_hovering_the_hair_highlights_its_part_and_region_spread_only_its_regions(girl, qtbot) -> None:
    win = girl
    part = hover(win, qtbot, *HAIR)
    qtbot.waitUntil(lambda: win.regions.ensure() is not None, timeout=WAIT_MS)
    region = regions_under(win, *HAIR)
    assert region.sum() > 1000
    assert (part & region).sum() >= 0.95 * region.sum()  # the strand under the pointer
    assert part.sum() > 1.3 * region.sum()  # and more of the hair: its part
    assert win.canvas.hover_overlay is not None
    # painted on screen: the canvas differs from the same frame without the highlight
    with_hl = win.canvas.rendered()
    overlay, win.canvas.hover_overlay = win.canvas.hover_overlay, None
    without = win.canvas.rendered()
    win.canvas.hover_overlay = overlay
    assert (np.abs(with_hl.astype(int) - without.astype(int)).sum(axis=2) > 20).sum() > 500

    win.findChild(QComboBox, "spread_box").setCurrentIndex(
        win.findChild(QComboBox, "spread_box").findData("region"))
    assert win.part_hover.shown is None  # the setting changed: the old part is gone
    only = hover(win, qtbot, HAIR[0] + 1, HAIR[1])
    assert np.array_equal(only, regions_under(win, HAIR[0] + 1, HAIR[1]))
    timing = win.part_hover.timings[-1]
    assert timing.rest_to_shown >= 0.1  # asked after the pointer rested, not on every move


def test_alt_shows_the_regions_and_the_highlight_goes_with_the_pointer(girl, qtbot) -> None:
    win = girl
    part = hover(win, qtbot, *HAIR)
    QTest.keyPress(win.canvas, Qt.Key.Key_Alt)  # Alt held while resting: the region spread
    qtbot.waitUntil(lambda: win.part_hover.shown is not None
                    and win.part_hover.shown[2].spread == "region", timeout=WAIT_MS)
    only = win.part_hover.shown_mask()
    assert np.array_equal(only, regions_under(win, *HAIR)) and only.sum() < part.sum()
    QTest.keyRelease(win.canvas, Qt.Key.Key_Alt)
    qtbot.waitUntil(lambda: win.part_hover.shown is not None
                    and win.part_hover.shown[2].spread == "part", timeout=WAIT_MS)
    QApplication.sendEvent(win.canvas, QEvent(QEvent.Type.Leave))  # the pointer leaves
    assert win.part_hover.shown is None and win.canvas.hover_overlay is None
    QTest.qWait(300)  # nothing comes back on its own
    assert win.part_hover.shown is None and win.part_hover.point is None
    win.set_tool(Tool.BUCKET)  # another tool: nothing to ask
    QTest.mouseMove(win.canvas, widget_point(win.canvas, *HAIR))
    QTest.qWait(300)
    assert win.part_hover.shown is None and win.part_hover.in_flight is None


def alt_drag(canvas, points: list[tuple[float, float]], alt: bool = True) -> None:
    mods = Qt.KeyboardModifier.AltModifier if alt else Qt.KeyboardModifier.NoModifier
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    kinds = ([(QEvent.Type.MouseButtonPress, left, left)]
             + [(QEvent.Type.MouseMove, none, left)] * (len(points) - 2)
             + [(QEvent.Type.MouseButtonRelease, left, none)])
    for (kind, button, buttons), (x, y) in zip(kinds, points, strict=True):
        pos = QPointF(widget_point(canvas, x, y))
        QApplication.sendEvent(canvas, QMouseEvent(kind, pos, canvas.mapToGlobal(pos), button,
                                                   buttons, mods))


def test_an_alt_stroke_colours_only_its_regions(girl, qtbot, tmp_path: Path) -> None:
    win = girl
    jobs: list[Job] = []
    submit = win.host.submit
    win.host.submit = lambda job: (jobs.append(job), submit(job))[1]  # type: ignore[method-assign]
    alt_drag(win.canvas, [(265, 78), (270, 80), (275, 82)])
    (stroke,) = win.doc.hints
    assert stroke in win.doc.region_strokes and win.doc.region_marks() == {0}
    assert win.stack.text(win.stack.index() - 1).endswith(REGION_SUFFIX)
    win.colorize()
    assert jobs[-1].options.spread == "region" and jobs[-1].marks == {0}  # the only stroke
    win._on_color_chosen((200, 40, 40))
    alt_drag(win.canvas, [(230, 200), (255, 225), (280, 200)], alt=False)  # the face, its part
    win.colorize()
    assert jobs[-1].options.spread == "part" and jobs[-1].marks == {0}  # mixed: split on the worker
    qtbot.waitUntil(lambda: not win.host.busy, timeout=WAIT_MS)
    assert win.doc.result is not None and win.prompter.errors == []

    # the split the worker makes: the Alt stroke's blue stays on its own pixels (the region
    # spread then fills its regions), the red is painted over its part
    from ganime_core.api import Colorizer
    from ganime_core.inputs.hints import as_hint_raster
    from ganime_core.parts.query import hint_reach
    from ganime_desktop.stroke_spread import split_hints

    doc, col = win.doc, Colorizer.load(str(DEFAULT_MODEL))
    own = doc.hint_set()
    hints, opts = split_hints(col, doc.loaded_image(), own, doc.region_marks(), jobs[-1].options)
    assert opts.spread == "region" and isinstance(hints, np.ndarray)
    stroke_px = as_hint_raster(own, *doc.size)
    assert stroke_px is not None

    def of(rgba_or_raster_mask, rgb, colour) -> np.ndarray:
        return rgba_or_raster_mask & (rgb == colour).all(axis=2)

    blue = of(hints[..., 3] > 0, hints[..., :3], BLUE)
    red = of(hints[..., 3] > 0, hints[..., :3], (200, 40, 40))
    assert np.array_equal(blue, of(stroke_px.mask, stroke_px.rgb, BLUE))  # not grown
    assert red.sum() > 20 * of(stroke_px.mask, stroke_px.rgb, (200, 40, 40)).sum()  # its part
    # without the mark the blue would have grown over the hair's part
    assert split_hints(col, doc.loaded_image(), own, frozenset(), jobs[-1].options)[0] is own
    mask, colours = hint_reach(col, doc.loaded_image(), own, jobs[-1].options)
    qtbot.waitUntil(lambda: win.regions.ensure() is not None, timeout=WAIT_MS)
    assert of(mask, colours, BLUE).sum() > 1.3 * regions_under(win, 270, 80).sum()

    # the mark is saved with the project
    from ganime_desktop.project_io import load_project, save_project

    path = save_project(tmp_path / "p.ganime", doc)
    again = load_project(path).doc
    assert again.hints == doc.hints and again.region_marks() == {0}
