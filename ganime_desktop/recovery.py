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

from ganime_core.imageio import atomic_write_bytes

from .document import Document
from .palette import Palette
from .project_io import SUFFIX, save_project

log = logging.getLogger(__name__)

_LIVE: set[str] = set()  # session ids owned by live windows of this process


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


@dataclass
class Orphan:
    """An autosave whose window is gone."""

    project: Path
    info: Path
    source: str
    saved_at: float

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        name = Path(self.source).name if self.source else "an untitled picture"
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
            meta = json.loads(info.read_text(encoding="utf-8"))
            pid, sid = int(meta["pid"]), str(meta["id"])
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("ignoring unreadable recovery entry %s", info.name)
            continue
        project = info.with_suffix(SUFFIX)
        if not project.is_file():
            info.unlink(missing_ok=True)
            continue
        mine = pid == os.getpid()
        if (mine and sid in _LIVE) or (not mine and pid_alive(pid)):
            continue
        found.append(Orphan(project, info, str(meta.get("source", "")),
                            float(meta.get("saved_at", project.stat().st_mtime))))
    return found
