"""The app's colorize options are one ``ganime_core.options.ColorizeOptions``: built from the
document and the settings, carried by the worker's job, validated by the core alone."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from ganime_core.inputs.hints import HintSet
from ganime_core.options import SPEC_BY_NAME, ColorizeOptions, OptionsError
from ganime_desktop.colorize_ctl import colorize_options
from ganime_desktop.document import DEFAULT_GAP, Document
from ganime_desktop.messages import FULL, PREVIEW, Job, ModelChoice
from ganime_desktop.project_io import load_project, save_project
from ganime_desktop.workers import ColorizeWorker

from .conftest import sketch


def sent_jobs(win) -> list[Job]:
    """Catch what would go to the colorize worker (with any file as the model)."""
    jobs: list[Job] = []
    win.host.submit = lambda job: jobs.append(job) or len(jobs)
    win.settings.model_path = str(Path(__file__))
    return jobs


def test_the_job_carries_the_options_of_the_document_and_settings(make_window) -> None:
    win = make_window()
    jobs = sent_jobs(win)
    win.settings.color_mode, win.settings.working_size = "locked", 384
    win.doc.set_gap(9)
    assert win.colorize() == 1
    assert jobs[-1].options == ColorizeOptions(mode="locked", gap=9, working_size=384)
    win.settings.working_size = 0  # "model default"
    win.colorize()
    assert jobs[-1].options.working_size is None and jobs[-1].options.lines == "multiply"
    assert colorize_options(win.doc, win.settings) == jobs[-1].options


def test_a_setting_the_core_refuses_is_a_message_not_a_request(make_window, prompter) -> None:
    win = make_window()
    jobs = sent_jobs(win)
    win.settings.working_size = 8  # the settings spin box takes it; the core's minimum is 16
    assert win.colorize() == 0 and jobs == []
    title, text = prompter.errors[-1]
    assert title == "Colorize failed" and "working_size" in text and "16" in text
    prompter.errors.clear()
    assert win.colorize(quiet=True) == 0 and prompter.errors == []  # auto-regenerate: quietly
    assert "working_size" in win.statusBar().currentMessage()


def test_the_gap_is_checked_by_its_option() -> None:
    doc = Document(sketch())
    spec = SPEC_BY_NAME["gap"]
    assert DEFAULT_GAP == spec.default == ColorizeOptions().gap
    doc.set_gap(spec.maximum)
    rev = doc.revision
    for bad in (spec.maximum + 1, -1, "wide", True):
        with pytest.raises(OptionsError) as err:
            doc.set_gap(bad)
        assert err.value.option == "gap"
    assert doc.gap == spec.maximum and doc.revision == rev


@pytest.mark.parametrize("gap", [65, -3, "8", 8.5, None, [6]])
def test_a_project_gap_the_option_refuses_costs_only_the_gap(tmp_path: Path, gap) -> None:
    path = tmp_path / "gap.ganime"
    doc = Document(sketch())
    doc.set_gap(12)
    save_project(path, doc)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest["gap"] = gap
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    project = load_project(path)
    assert project.doc.gap == DEFAULT_GAP and np.array_equal(project.doc.lines, sketch())
    [warning] = project.warnings
    assert "gap-closing size in manifest.json" in warning and "gap must" in warning


def test_project_gaps_in_range_load_as_saved(tmp_path: Path) -> None:
    for gap in (0, 6, SPEC_BY_NAME["gap"].maximum):
        doc = Document(sketch())
        doc.set_gap(gap)
        path = save_project(tmp_path / f"g{gap}.ganime", doc)
        project = load_project(path)
        assert project.doc.gap == gap and project.warnings == []


class FakeColorizer:
    """Stands in for ``ganime_core.api.Colorizer``: records each call's options."""

    info = SimpleNamespace(working_size=512)

    def __init__(self) -> None:
        self.calls: list[tuple[ColorizeOptions, dict]] = []

    def colorize(self, image, hints, options, **data):
        self.calls.append((options, data))
        size = options.working_size or self.info.working_size
        return SimpleNamespace(image=np.zeros((4, 4, 3), np.uint8), color=np.zeros((4, 4, 3), np.uint8),
                               working_size=(size, size), seconds=0.0, device="fake", layers=None)


def test_the_worker_passes_the_options_object_to_colorize() -> None:
    worker = ColorizeWorker()
    fake = FakeColorizer()
    worker._colorizer, worker._choice = fake, ModelChoice()
    outs = []
    worker.done.connect(outs.append)
    worker.failed.connect(lambda f: pytest.fail(f.message))
    opts = ColorizeOptions(mode="flats", gap=11)
    wall = np.zeros((4, 4), bool)
    job = Job(image=Document(sketch(32)).loaded_image(), hints=HintSet((), (32, 32)), options=opts,
              preview_size=128, palette=None, barriers=wall, serial=1)
    worker.run(job)  # no earlier pair to lean on: the preview pass runs but is not shown
    worker.run(dataclasses.replace(job, serial=2))
    assert [o.stage for o in outs] == [FULL, PREVIEW, FULL]
    (preview, data), (full, _) = fake.calls[:2]
    assert preview == opts.replace(working_size=128) and full is opts  # the model's own size
    assert data["barriers"] is wall and data["palette"] is None and set(data) == {"palette", "barriers"}


def test_the_spread_box_sets_what_a_hint_colours_and_is_kept(make_window, qtbot) -> None:
    from PySide6.QtWidgets import QComboBox

    win = make_window()
    jobs = sent_jobs(win)
    box = win.findChild(QComboBox, "spread_box")
    assert box is not None and box.isVisible() and box.currentData() == "part"
    assert [box.itemData(i) for i in range(box.count())] == list(SPEC_BY_NAME["spread"].choices)
    box.setCurrentIndex(box.findData("region"))
    assert win.settings.spread == "region" and win.store.value("spread") == "region"
    assert win.colorize() is not None
    assert jobs[-1].options.spread == "region"
    again = make_window()  # the same settings store
    assert again.findChild(QComboBox, "spread_box").currentData() == "region"


def test_every_toolbar_control_is_visible_at_1280_by_800(make_window, qtbot) -> None:
    from PySide6.QtWidgets import QComboBox, QSlider, QToolBar

    win = make_window()
    win.resize(1280, 800)
    qtbot.waitUntil(lambda: win.width() == 1280)
    for bar in win.findChildren(QToolBar):
        for widget in (bar.widgetForAction(a) for a in bar.actions()):
            if widget is not None and not widget.isVisible():
                raise AssertionError(f"{bar.objectName()}: {type(widget).__name__} hidden in the overflow")
    assert win.findChild(QSlider, "gap_slider").isVisible()
    assert win.findChild(QComboBox, "spread_box").isVisible()
