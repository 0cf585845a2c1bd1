"""Start the desktop app: ``ganime`` (console script) or ``python -m ganime_desktop``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ganime_core import __version__

log = logging.getLogger("ganime_desktop")
CONFIG_ENV = "GANIME_CONFIG_DIR"  # settings file and recovery folder in one place


def _excepthook(typ: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Last line of defence: log, show a message, keep running."""
    log.error("unhandled error", exc_info=(typ, exc, tb))
    if QApplication.instance() is not None:
        detail = "".join(traceback.format_exception(typ, exc, tb))[-2000:]
        box = QMessageBox(QMessageBox.Icon.Critical, "GANime: unexpected error",
                          f"{typ.__name__}: {exc}\n\nYour work is autosaved; you can keep going.")
        box.setDetailedText(detail)
        box.exec()


def parse_args(argv: list[str]) -> argparse.Namespace:
    """``[app] [FILE] [-v]``. ``ganime app`` reaches here with the CLI's own argv, so a leading
    ``app`` is skipped and options meant for the CLI are ignored rather than fatal."""
    p = argparse.ArgumentParser(prog="ganime", description="GANime desktop painting assistant")
    p.add_argument("file", nargs="?", help="a picture or .ganime project to open")
    p.add_argument("--version", action="version", version=f"GANime {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    if argv[:1] == ["app"]:
        argv = argv[1:]
    args, unknown = p.parse_known_args(argv)
    if unknown:
        log.warning("ignoring arguments: %s", " ".join(unknown))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("GANime")
    app.setOrganizationName("GANime")
    app.setApplicationVersion(__version__)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    store, recovery = None, None
    config_dir = os.environ.get(CONFIG_ENV)
    if config_dir:  # a portable install, or tests: keep everything in one folder
        store = QSettings(str(Path(config_dir) / "ganime.ini"), QSettings.Format.IniFormat)
        recovery = Path(config_dir) / "recovery"
    from .main_window import MainWindow
    from .qt_util import app_icon

    app.setWindowIcon(app_icon())
    sys.excepthook = _excepthook
    win = MainWindow(store, recovery)
    win.show()
    if args.file:
        QTimer.singleShot(0, lambda: win.files.open_path(args.file))
    QTimer.singleShot(300, win.files.check_recovery)
    rc = app.exec()
    win.shutdown()
    return int(rc)


if __name__ == "__main__":
    sys.exit(main())
