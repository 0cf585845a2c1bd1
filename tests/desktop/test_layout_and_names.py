"""Issue 24.6: the recent-colours row lines up under the palette; the window with every dock
fits 1280x800; every file name the app suggests says what the file holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganime_desktop.document import ResultImages


def xs(grid) -> list[int]:
    """The x of each swatch button in a palette grid (empty cells left out)."""
    from PySide6.QtWidgets import QToolButton

    items = (grid.itemAt(i).widget() for i in range(grid.count()))
    return [w.geometry().x() for w in items if isinstance(w, QToolButton)]  # in reading order


def test_the_recent_colours_line_up_under_the_palette(make_window, qtbot) -> None:
    win = make_window()
    pw = win.palette_widget
    for rgb in ((231, 76, 60), (52, 120, 219), (246, 212, 120)):
        pw.choose(rgb)
    columns = xs(pw.grid)[:6]
    assert len(set(columns)) == 6
    # evenly spaced, in the palette's columns (before, three colours spread over the row)
    qtbot.waitUntil(lambda: xs(pw.recent_grid) == columns[:3])
    for rgb in [(i * 20, 100, 200) for i in range(12)]:
        pw.choose(rgb)
    qtbot.waitUntil(lambda: xs(pw.recent_grid) == columns * 2)  # two full rows, the same columns


def test_the_window_with_its_docks_fits_1280_by_800(make_window, qtbot) -> None:
    win = make_window()
    for rgb in [(i * 20, 100, 200) for i in range(12)]:  # a full recent-colours block
        win.palette_widget.choose(rgb)
    win.suggestions.show()
    win.resize(1280, 800)
    qtbot.waitUntil(lambda: win.width() == 1280)
    assert win.minimumSizeHint().height() <= 800 and win.height() == 800
    for dock in win._docks:
        if not dock.visibleRegion().isEmpty():
            assert dock.geometry().bottom() <= win.height()


def test_every_suggested_file_name_says_what_it_holds(make_window, prompter, tmp_path: Path,
                                                      samples_dir: Path) -> None:
    import shutil

    win = make_window()
    sketch = Path(shutil.copy(samples_dir / "lineart_1.png", tmp_path / "girl.png"))
    win.files.import_path(sketch)
    h, w = win.doc.lines.shape[:2]
    win.doc.set_result(ResultImages(np.zeros((h, w, 3), np.uint8), np.zeros((h, w, 3), np.uint8), -1))
    for kind in ("png", "color", "ora", "psd", "hints", "hints_json"):
        win.export(kind)
    win.files.save_as()
    win.files.save_palette()
    names = [Path(d[2]).name for d in prompter.dialogs if d[0] == "save"]
    assert names == ["girl-coloured.png", "girl-colour-only.png", "girl.ora", "girl.psd",
                     "girl-hints.png", "girl-hints.json", "girl.ganime", "girl-palette.gpl"]
    assert sketch.name not in names, "nothing offers to write over the sketch"
