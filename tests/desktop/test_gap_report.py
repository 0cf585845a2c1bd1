"""Issue 24.3: a gap change says in the status line what it did to the hints."""

from __future__ import annotations

import cv2
import numpy as np

from ganime_core.inputs.hints import Stroke
from ganime_desktop.commands import SetHintsCommand
from ganime_desktop.document import Document
from ganime_desktop.gap_report import gap_message, hint_cover, hint_marks
from ganime_desktop.regionfill import PageSource, segment_page

WAIT_MS = 30000
RED, BLUE = (220, 40, 40), (40, 80, 220)


def two_rooms() -> np.ndarray:
    """A box split by a wall with a 12 px doorway: one room at gaps under 12 px, two above."""
    img = np.full((256, 256, 3), 255, np.uint8)
    cv2.rectangle(img, (40, 60), (216, 196), (0, 0, 0), 2)
    cv2.line(img, (128, 60), (128, 122), (0, 0, 0), 2)
    cv2.line(img, (128, 134), (128, 196), (0, 0, 0), 2)
    return img


HINTS = (Stroke(points=((60.0, 90.0), (110.0, 90.0), (110.0, 170.0), (60.0, 170.0)), color=RED,
                width=10.0),
         Stroke(points=((170.0, 100.0), (180.0, 110.0)), color=BLUE, width=8.0))


def test_the_cover_of_each_hint_follows_the_rule_the_colorizer_applies() -> None:
    src = PageSource(Document(two_rooms()).loaded_image(), None)
    marks = hint_marks(HINTS, 256, 256)
    assert [m.colour for m in marks] == [RED, BLUE]  # biggest first
    open_door, closed_door = (hint_cover(segment_page(src, g), marks) for g in (6, 16))
    assert open_door[0].area > 0 and open_door[1].area == 0 and open_door[1].taken_by == RED
    assert closed_door[0].area > 0 and closed_door[1].area > 0 and closed_door[1].taken_by is None
    text = gap_message(6, marks, closed_door, open_door)
    assert text == ("Close gaps 6 px: the blue hint colours nothing now (its region is the red "
                    "hint's); the red hint covers more — Ctrl+Z goes back")
    assert gap_message(16, marks, closed_door, closed_door) == \
        "Close gaps 16 px: the hints keep their regions"
    assert gap_message(16, [], [], []) == "Close gaps 16 px"


def test_a_gap_change_is_told_in_the_status_line_and_so_is_its_undo(make_window, qtbot) -> None:
    doc = Document(two_rooms())
    doc.set_gap(16)
    win = make_window(doc=doc)
    win.stack.push(SetHintsCommand(win.doc, HINTS, "Hint strokes"))
    win.bars.gap_slider.setValue(6)  # a keyboard step: the gap is set at once
    assert win.doc.gap == 6
    qtbot.waitUntil(lambda: "colours nothing" in win.gap_control.last_report, timeout=WAIT_MS)
    assert "blue hint colours nothing now (its region is the red hint's)" in \
        win.statusBar().currentMessage()
    win.colorizer.status.emit("Done: 256×256 on cpu in 0.2 s", 8000)  # the colorize that follows
    shown = win.statusBar().currentMessage()
    assert shown.startswith("Close gaps 6 px") and "Done:" in shown, "the note stays on the line"
    win.show_status("Exported girl-coloured.png")  # the user's next doing ends the note
    assert win.statusBar().currentMessage() == "Exported girl-coloured.png"
    win.colorizer.status.emit("Done: 256×256 on cpu in 0.2 s", 8000)
    assert win.statusBar().currentMessage().startswith("Done:")
    win.stack.undo()
    qtbot.waitUntil(lambda: win.gap_control.last_report.startswith("Close gaps 16 px: "),
                    timeout=WAIT_MS)
    assert "the blue hint covers more" in win.gap_control.last_report
