"""Issue 24, colour suggestions: the sketch in ~6 colour families (``ganime_core.suggest``),
computed on the worker thread; a click makes one the colour guide (undoable, saved in the
project, in the export metadata); the suggestions follow the sketch."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ganime_core.suggest import colour_families
from ganime_desktop.guide import ColourGuide, GuideError, hex_of, parse_guide_json
from ganime_desktop.project_io import load_project
from ganime_desktop.settings import DEFAULT_MODEL
from ganime_desktop.tools import Tool

from .helpers import drag, line

WAIT_MS = 120000


@pytest.fixture
def girl(make_window, samples_dir: Path, tmp_path: Path, store):
    if not DEFAULT_MODEL.is_file():
        pytest.skip(f"the shipped model is not installed at {DEFAULT_MODEL}")
    store.setValue("color_mode", "locked")
    win = make_window(model=DEFAULT_MODEL)
    win.resize(1280, 800)
    win.files.import_path(Path(shutil.copy(samples_dir / "lineart_1.png", tmp_path / "girl.png")))
    return win


def shown(win) -> list:
    return [b for b in win.suggestions.panel.buttons if b.isVisible()]


def wait_for_suggestions(win, qtbot, after: int = 0) -> None:
    qtbot.waitUntil(lambda: win.suggestions.last is not None
                    and win.suggestions.last.serial > after and len(shown(win)) == 6,
                    timeout=WAIT_MS)


def test_a_click_on_a_suggestion_makes_it_the_guide_undo_clears_it_and_it_is_saved(
        girl, qtbot, tmp_path: Path, make_window, prompter) -> None:
    win = girl
    win.action("suggest").trigger()  # Colorize → Suggest colours
    assert win.suggestions.last is None, "asked of the worker: the GUI does not wait"
    wait_for_suggestions(win, qtbot)
    previews = [img for _, img in win.suggestions.last.previews]
    names = [f.name for f, _ in win.suggestions.last.previews]
    assert names == [f.name for f in colour_families()[:6]]
    means = np.array([p.reshape(-1, 3).mean(axis=0) for p in previews])
    assert min(np.abs(means[i] - means[j]).max() for i in range(6) for j in range(i)) > 2, \
        "each family colours the sketch differently"

    steps = win.stack.count()
    QTest.mouseClick(shown(win)[1], Qt.MouseButton.LeftButton)
    family = win.suggestions.last.previews[1][0]
    assert win.doc.guide.source == "suggestion" and win.doc.guide.family == family
    assert win.stack.count() == steps + 1 and win.stack.text(steps) == f"Colour suggestion: {family.name}"
    assert np.allclose(win.doc.guide.model_palette(), family.palette())
    assert [b.isChecked() for b in shown(win)] == [False, True, False, False, False, False]
    assert family.name in win.guide_panel.status.text()

    # in the export metadata, like the other guides
    win.doc.set_result(_result(win))
    assert win.files.export_to("png", tmp_path / "girl-coloured.png")
    with Image.open(tmp_path / "girl-coloured.png") as im:
        assert im.text["GANime guide"] == "suggestion" and im.text["GANime palette"] == family.name
        assert im.text["GANime guide colours"].split()[0] == hex_of(family.colours[0])

    # saved in the project and reopened
    assert win.files.save_to(tmp_path / "girl.ganime")
    with zipfile.ZipFile(tmp_path / "girl.ganime") as zf:
        entry = json.loads(zf.read("guide.json"))["suggestion"]
    assert entry["name"] == family.name and len(entry["colours"]) == len(family.colours)
    again = make_window(model=DEFAULT_MODEL)
    assert again.files.open_path(tmp_path / "girl.ganime")
    assert again.doc.guide == win.doc.guide and again.doc.guide.family.palette().shape == (8, 4)
    again.suggestions.show()
    wait_for_suggestions(again, qtbot)
    assert [b.isChecked() for b in shown(again)][1], "the reopened guide's thumbnail is checked"

    win.stack.undo()
    assert win.doc.guide.family is None and win.doc.guide.source == ""
    assert not any(b.isChecked() for b in shown(win))
    win.stack.redo()
    QTest.mouseClick(win.suggestions.panel.clear_btn, Qt.MouseButton.LeftButton)  # No suggestion
    assert win.doc.guide.family is None and win.stack.text(win.stack.index() - 1) == "No colour suggestion"


def _result(win):
    from ganime_desktop.document import ResultImages

    h, w = win.doc.lines.shape[:2]
    return ResultImages(np.full((h, w, 3), 200, np.uint8), np.full((h, w, 3), 200, np.uint8),
                        win.doc.revision)


def test_the_suggestions_follow_the_sketch(girl, qtbot) -> None:
    win = girl
    win.suggestions.show()
    wait_for_suggestions(win, qtbot)
    first = win.suggestions.last
    win.set_tool(Tool.PEN)
    drag(win.canvas, line(100, 300, 300, 320))  # the sketch changes: asked again after a pause
    assert win.suggestions._asked_key is None and win.suggestions._shown_key != win.suggestions.key()
    wait_for_suggestions(win, qtbot, after=first.serial)
    assert win.suggestions._shown_key == win.suggestions.key()
    assert any(not np.array_equal(a, b) for (_, a), (_, b)
               in zip(first.previews, win.suggestions.last.previews, strict=True))
    second = win.suggestions.last
    win.bars.mode_box.setCurrentIndex(win.bars.mode_box.findData("plain"))  # another colour mode
    wait_for_suggestions(win, qtbot, after=second.serial)
    assert win.suggestions._shown_key[3].mode == "plain"


def test_a_stale_answer_is_dropped_and_a_hidden_panel_asks_nothing(girl, qtbot) -> None:
    from ganime_desktop.messages import SuggestJob

    win = girl
    host = win.host
    win.suggestions.dock.hide()  # nobody looks: nothing is asked
    asked = host.latest_suggest
    win.suggestions.refresh()
    qtbot.wait(1000)
    assert host.latest_suggest == asked and win.suggestions._asked_key is None
    got: list = []
    host.suggestions_ready.connect(got.append)
    serial = host.suggest(SuggestJob(win.doc.loaded_image()))
    host.cancel_suggestions()  # the sketch changed while it was queued
    qtbot.wait(3000)
    assert serial < host.latest_suggest and got == []


def test_a_model_that_cannot_load_is_a_message_in_the_panel(make_window, tmp_path: Path,
                                                            qtbot) -> None:
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"not a model" * 10)
    win = make_window(model=bad)
    win.suggestions.show()
    status = win.suggestions.panel.status
    qtbot.waitUntil(lambda: "need a model" in status.text() or "No suggestions:" in status.text(),
                    timeout=WAIT_MS)
    assert not any(b.isVisible() for b in win.suggestions.panel.buttons)


def test_a_damaged_suggestion_in_guide_json_is_a_plain_error() -> None:
    family = colour_families()[2]
    good = json.loads(ColourGuide().with_family(family).to_json("reference.png"))
    guide, _ = parse_guide_json(json.dumps(good))
    assert guide.family == family and guide.source == "suggestion"
    for bad in ({"name": "", "colours": [[1, 2, 3]], "weights": [1]},
                {"name": "x", "colours": [[1, 2, 300]], "weights": [1]},
                {"name": "x", "colours": [[1, 2, 3]], "weights": [0.5]},
                {"name": "x", "colours": [[1, 2, 3]] * 9, "weights": [1 / 9] * 9}, "navy"):
        with pytest.raises(GuideError):
            parse_guide_json(json.dumps({**good, "suggestion": bad}))


def test_choosing_another_guide_replaces_the_suggestion(make_window, tmp_path: Path) -> None:
    win = make_window()
    family = colour_families()[0]
    win.suggestions.choose(family)
    assert win.doc.guide.source == "suggestion"
    win.guide_ops.set_palette_guide(True)  # the palette guide: the newest choice wins
    assert win.doc.guide.source == "palette" and win.doc.guide.family is None
    win.stack.undo()
    assert win.doc.guide.family == family
    assert win.files.save_to(tmp_path / "s.ganime")
    assert load_project(tmp_path / "s.ganime").doc.guide.family == family
    win.guide_ops.set_reference_path(Path(__file__).parents[2] / "docs" / "screenshots"
                                     / "walkthrough_3_colorized.png")
    assert win.doc.guide.source == "reference" and win.doc.guide.family is None
