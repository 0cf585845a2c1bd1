"""The one QThread shell both background workers (colorize, regions) run in.

A worker is a QObject with a ``skip_all()`` method (it then skips anything still queued).
:class:`WorkerThread` moves it to a named thread, starts it, and stops it cleanly: a QThread
destroyed while running aborts the process, so :meth:`stop` is also tied to the owner's
``destroyed`` signal (a window closed without a clean shutdown).
"""

from __future__ import annotations

import functools
from typing import Protocol

from PySide6.QtCore import QObject, QThread


class Skipping(Protocol):
    def skip_all(self) -> None: ...

    def moveToThread(self, thread: QThread) -> bool: ...  # noqa: N802 (Qt API)


class WorkerThread:
    def __init__(self, name: str, worker: Skipping, owner: QObject) -> None:
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        owner.destroyed.connect(functools.partial(_finish, self.thread, worker))
        self.thread.start()

    def stop(self) -> None:
        """No more work: skip what is queued, stop the thread and wait for it."""
        _finish(self.thread, self.worker)


def _finish(thread: QThread, worker: Skipping) -> None:
    try:
        running = thread.isRunning()
    except RuntimeError:  # at interpreter exit the thread object may already be gone
        return
    if running:
        worker.skip_all()
        thread.quit()
        thread.wait()
