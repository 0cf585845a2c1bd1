"""Autosave to a recovery folder and crash recovery. Never writes over the user's own file.

Each running window owns a :class:`RecoverySession`: ``<id>.ganime`` (the autosave) and
``<id>.json`` (owner pid, original file path). A clean close discards both. At start-up,
entries whose owner is gone (dead pid, or a window of this process that was destroyed
without closing) are offered for recovery.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ganime_core.errors import GanimeError
from ganime_core.io.imageio import atomic_write_bytes
from ganime_core.io.jsonsafe import is_int, is_number, parse_json

from .document import Document
from .palette import Palette
from .project_io import SUFFIX, save_project

log = logging.getLogger(__name__)

_LIVE: set[str] = set()  # session ids owned by live windows of this process


MAX_PID = 2**31 - 1
MAX_INFO_BYTES = 64 * 1024  # a recovery entry is a few hundred bytes
MAX_SOURCE_CHARS = 4096


def pid_alive(pid: int) -> bool:
    if not 0 < pid <= MAX_PID:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OSError, OverflowError):
        return False
    return True


def _entry(info: Path) -> tuple[int, str, str, float | None] | None:
    """(pid, id, source, saved_at) of a recovery entry, or None when it is not a valid one."""
    if info.stat().st_size > MAX_INFO_BYTES:
        return None
    try:
        meta = parse_json(info.read_bytes(), info.name)
    except GanimeError:
        return None
    if not isinstance(meta, dict):
        return None
    pid, sid, source, saved = meta.get("pid"), meta.get("id"), meta.get("source", ""), meta.get("saved_at")
    if not (is_int(pid) and 0 < pid <= MAX_PID and isinstance(sid, str) and len(sid) <= 200):
        return None
    if not isinstance(source, str) or len(source) > MAX_SOURCE_CHARS or "\x00" in source:
        source = ""
    # a time the clock can show (1970..9999); anything else falls back to the file's own
    saved_at = float(saved) if is_number(saved) and 0 <= saved < 253_402_300_799 else None
    return pid, sid, source, saved_at


@dataclass
class Orphan:
    """An autosave whose window is gone."""

    project: Path
    info: Path
    source: str
    saved_at: float

    def describe(self) -> str:
        try:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        except (OverflowError, OSError, ValueError):
            when = "at an unknown time"
        name = "".join(ch for ch in Path(self.source).name if ch.isprintable())[:120] if self.source else ""
        name = name or "an untitled picture"
        return f"{name} (autosaved {when})"

    def discard(self) -> None:
        for p in (self.project, self.info):
            p.unlink(missing_ok=True)


class RecoverySession:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.id = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.project = self.folder / f"autosave-{self.id}{SUFFIX}"
        self.info = self.folder / f"autosave-{self.id}.json"
        _LIVE.add(self.id)

    def save(self, doc: Document, palette: Palette | None, source: str = "") -> Path:
        """Autosave ``doc``. Raises WriteError (the caller logs it; autosave never nags)."""
        save_project(self.project, doc, palette, {"autosave": True, "source": source})
        meta = {"pid": os.getpid(), "id": self.id, "source": source, "saved_at": time.time()}
        atomic_write_bytes(self.info, json.dumps(meta).encode())
        return self.project

    def clear(self) -> None:
        """The user saved: the autosave is out of date and no longer needed."""
        for p in (self.project, self.info):
            p.unlink(missing_ok=True)

    def discard(self) -> None:
        """A clean close: the autosave is no longer needed."""
        self.clear()
        self.detach()

    def detach(self) -> None:
        """The window is gone without a clean close: leave its autosave for recovery."""
        _LIVE.discard(self.id)


def find_orphans(folder: str | Path) -> list[Orphan]:
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for info in sorted(folder.glob("autosave-*.json")):
        try:
            entry = _entry(info) if info.is_file() else None
            project = info.with_suffix(SUFFIX)
            if entry is None:
                log.warning("ignoring unreadable recovery entry %s", info.name)
                continue
            if not project.is_file():
                info.unlink(missing_ok=True)
                continue
            pid, sid, source, saved_at = entry
            mine = pid == os.getpid()
            if (mine and sid in _LIVE) or (not mine and pid_alive(pid)):
                continue
            found.append(Orphan(project, info, source,
                                project.stat().st_mtime if saved_at is None else saved_at))
        except OSError as exc:  # a file that vanished or cannot be read: not worth a crash
            log.warning("ignoring recovery entry %s: %s", info.name, exc)
    return found
