"""docs/screenshots/reference_guide.png: plain mode, the docs' hints, 001_color.png as reference.

Under Xvfb (needs ImageMagick's ``import``): ``Xvfb :97 -screen 0 1400x900x24 &`` then
``DISPLAY=:97 QT_QPA_PLATFORM=xcb .venv/bin/python docs/screenshots/reference_guide_shot.py
docs/screenshots/reference_guide.png``.
"""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QTimer

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "data" / "samples"
OUT = Path(sys.argv[1])
spec = importlib.util.spec_from_file_location("ts", ROOT / "docs/screenshots/take_screenshots.py")
ts = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ts)


def main() -> int:
    app, win, tmp = ts.open_window("ganime-ref-", "plain")
    from ganime_desktop.tools import Tool

    def paint() -> None:
        win.files.open_path(SAMPLES / "lineart_1.png")
        win.set_tool(Tool.HINT)
        win.bars.size_box.setValue(12)
        c = win.controller
        for color, pts in ts.HINTS:
            win._on_color_chosen(color)
            win.palette_widget.palette_model.use(color)
            c.press(*pts[0])
            for p in pts[1:]:
                c.move(*p)
            c.release()
        win.palette_widget._rebuild_recent()
        win.guide_ops.set_reference_path(SAMPLES / "001_color.png")
        win.host.result_ready.connect(on_result)
        win.colorize()

    def on_result(out) -> None:
        if out.stage == "full":
            QTimer.singleShot(800, shot)

    def shot() -> None:
        subprocess.run(["import", "-window", "root", str(OUT)], check=True)
        print("saved", OUT, flush=True)
        win.shutdown()
        app.quit()

    QTimer.singleShot(2500, paint)
    QTimer.singleShot(180_000, app.quit)
    rc = app.exec()
    shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
