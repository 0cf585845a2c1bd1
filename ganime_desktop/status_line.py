"""The status line: passing messages, and a note that stays with them for a while.

A note (what a gap change did to the hints) must not vanish under the colorize's "Colorizing…"
and "Done" that follow it a moment later: while it is fresh, those messages (``keep_note``)
show after it. The next message of the user's own doing (a tool picked, a file exported) ends it.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtWidgets import QStatusBar

log = logging.getLogger(__name__)
SEPARATOR = "  ·  "


class StatusLine:
    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        self._note = ""
        self._until = 0.0

    def note_text(self) -> str:
        """The note while it is fresh, else ""."""
        return self._note if time.monotonic() < self._until else ""

    def show(self, text: str, ms: int = 6000, keep_note: bool = False) -> None:
        """A message for ``ms`` milliseconds (0: until the next); ``keep_note``: after the
        fresh note (the colorize's progress), else the note ends."""
        note = self.note_text() if keep_note else ""
        if not keep_note:
            self._until = 0.0
        if note and text != note:
            left = int((self._until - time.monotonic()) * 1000)
            text, ms = f"{note}{SEPARATOR}{text}", (max(ms, left) if ms else 0)
        self.bar.showMessage(text, ms)

    def note(self, text: str, ms: int = 12000) -> None:
        """A note that stays on the line for ``ms`` milliseconds, whatever is shown meanwhile."""
        log.info("%s", text)
        self._note, self._until = text, time.monotonic() + ms / 1000
        self.bar.showMessage(text, ms)
