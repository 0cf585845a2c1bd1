"""Where file dialogs start and which names they suggest. Qt-free.

Dialogs start in the current sketch's folder (the picture opened or imported last), else the
project's, else the most recent file's, else home; names come from the sketch (else the
project) and say what the file holds: ``<sketch>-coloured.png`` (the picture with its lines;
never ``<sketch>.png``, which would offer to overwrite the sketch), ``<sketch>-colour-only.png``,
``<sketch>.ora``, ``<sketch>.ganime``, ``<sketch>-palette.gpl``... (the export endings are the
export table's, ``ganime_core.io.formats``).
"""

from __future__ import annotations

from pathlib import Path

from ganime_core.io.formats import FORMATS

EXPORT_ENDINGS = {**{f.kind: f.ending for f in FORMATS}, "project": ".ganime",
                  "palette": "-palette.gpl"}


def start_folder(sketch: Path | None, project: Path | None, recent: list[str]) -> Path:
    for p in (sketch, project, Path(recent[0]) if recent else None):
        if p is not None and p.parent.is_dir():
            return p.parent
    return Path.home()


def base_name(sketch: Path | None, project: Path | None) -> str:
    if sketch is not None:
        return sketch.stem
    if project is not None:
        return project.stem
    return "untitled"


def suggested_path(kind: str, sketch: Path | None, project: Path | None,
                   recent: list[str]) -> Path:
    """The full path a save/export dialog for ``kind`` (a key of EXPORT_ENDINGS) proposes."""
    folder = start_folder(sketch, project, recent)
    return folder / f"{base_name(sketch, project)}{EXPORT_ENDINGS[kind]}"
