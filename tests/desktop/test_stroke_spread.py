"""Alt strokes without a model: the mark, the spread the colorize asks for, the project file."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from ganime_core.inputs.hints import Stroke
from ganime_desktop.document import Document
from ganime_desktop.project_io import REGION_STROKES, load_project, save_project
from ganime_desktop.stroke_spread import colorize_spread
from ganime_desktop.tools import REGION_SUFFIX, Tool

from .conftest import sketch
from .test_part_hover import alt_drag

A = Stroke(points=((10.0, 10.0), (20.0, 20.0)), color=(200, 0, 0), width=8.0)
B = Stroke(points=((30.0, 30.0),), color=(0, 0, 200), width=8.0)
ERASE = Stroke(points=((12.0, 12.0),), color=(0, 0, 0), width=8.0, erase=True)


def test_the_spread_follows_the_marks() -> None:
    assert colorize_spread("part", (A, B), frozenset()) == "part"
    assert colorize_spread("part", (A, B, ERASE), frozenset({0, 1})) == "region"  # all marked
    assert colorize_spread("part", (A, B), frozenset({0})) == "part"  # mixed: split on the worker
    assert colorize_spread("region", (A, B), frozenset()) == "region"
    assert colorize_spread("part", (), frozenset()) == "part"


def test_an_alt_drag_marks_its_stroke_and_undo_redo_keep_it(make_window) -> None:
    win = make_window()
    win.set_tool(Tool.HINT)
    alt_drag(win.canvas, [(40, 40), (50, 45), (60, 50)])
    alt_drag(win.canvas, [(40, 90), (50, 95), (60, 100)], alt=False)
    assert win.doc.region_marks() == {0}
    assert win.stack.text(0).endswith(REGION_SUFFIX) and not win.stack.text(1).endswith(REGION_SUFFIX)
    win.stack.undo()
    win.stack.undo()
    assert win.doc.hints == () and win.doc.region_marks() == frozenset()
    win.stack.redo()
    assert win.doc.region_marks() == {0}


def test_the_marks_are_saved_and_a_bad_list_costs_only_them(tmp_path: Path) -> None:
    doc = Document(sketch())
    doc.hints = (A, B)
    doc.region_strokes.add(B)
    path = save_project(tmp_path / "p.ganime", doc)
    back = load_project(path)
    assert back.doc.hints == (A, B) and back.doc.region_marks() == {1} and back.warnings == []

    bad = tmp_path / "bad.ganime"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "manifest.json":
                manifest = json.loads(data)
                manifest[REGION_STROKES] = [1, 7]  # 7: no such stroke
                data = json.dumps(manifest).encode()
            dst.writestr(info, data)
    again = load_project(bad)
    assert again.doc.hints == (A, B) and again.doc.region_marks() == frozenset()
    assert any(REGION_STROKES in w for w in again.warnings)
