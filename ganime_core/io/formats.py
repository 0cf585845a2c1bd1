"""The one table of export formats: kind -> suffix, dialog title and filter, whether layered,
whether it needs a colorized result, and its writer.

Torch-free and Qt-free. The app's export menu and dialogs, ``ganime_desktop.export`` and anything
else that writes a picture or its hints go through :func:`write`; an unknown kind or suffix is
an :class:`~ganime_core.errors.ExportError`, never a silent fallback to some other format.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganime_core.errors import ExportError
from ganime_core.inputs.hints import HintSet, rasterize_set

from .imageio import atomic_write_bytes, encode_png
from .layer_files import Entry, encode_png_with_text, write_ora, write_psd


@dataclass(frozen=True)
class ExportSource:
    """What an export may write. ``merged`` (the picture with lines) and ``color`` (colour only,
    RGBA when the input had alpha) are None before a colorize; ``stack`` builds the layer stack
    (only the layered formats call it); ``meta`` is provenance text for the file's metadata."""

    size: tuple[int, int]  # (width, height)
    hints: HintSet
    merged: np.ndarray | None = None
    color: np.ndarray | None = None
    stack: Callable[[], list[Entry]] | None = None
    meta: Mapping[str, str] = field(default_factory=dict)

    def hint_rgba(self) -> np.ndarray:
        return rasterize_set(self.hints, *self.size).to_rgba()


Writer = Callable[[Path, ExportSource], Path]


def _need(value: np.ndarray | None) -> np.ndarray:
    if value is None:
        raise ExportError("There is no result yet: colorize first (Ctrl+Enter).")
    return value


def _stack(src: ExportSource) -> list[Entry]:
    if src.stack is None or src.merged is None:
        raise ExportError("There is no result yet: colorize first (Ctrl+Enter).")
    return src.stack()


def _png(path: Path, src: ExportSource) -> Path:
    return atomic_write_bytes(path, encode_png_with_text(_need(src.merged), src.meta))


def _color_png(path: Path, src: ExportSource) -> Path:
    return atomic_write_bytes(path, encode_png_with_text(_need(src.color), src.meta))


def _ora(path: Path, src: ExportSource) -> Path:
    return write_ora(path, _stack(src), _need(src.merged), meta=src.meta)


def _psd(path: Path, src: ExportSource) -> Path:
    return write_psd(path, _stack(src))


def _hint_png(path: Path, src: ExportSource) -> Path:
    return atomic_write_bytes(path, encode_png(src.hint_rgba()))


def _hint_json(path: Path, src: ExportSource) -> Path:
    return atomic_write_bytes(path, src.hints.to_json().encode("utf-8"))


@dataclass(frozen=True)
class Format:
    kind: str
    suffix: str
    title: str  # the save dialog's title
    filter: str  # the save dialog's file filter
    layered: bool
    needs_result: bool
    writer: Writer
    menu: str  # the app's menu entry (& marks the mnemonic)
    ending: str  # what a suggested file name ends in, after the sketch's name
    served: bool = False  # ``ganime serve`` answers in this format


FORMATS: tuple[Format, ...] = (  # menu order; the first of a suffix is that suffix's default
    Format("png", ".png", "Export PNG", "PNG images (*.png)", False, True, _png,
           "Export &PNG (with lines)…", "-coloured.png", served=True),
    Format("color", ".png", "Export colour-only PNG", "PNG images (*.png)", False, True, _color_png,
           "Export PNG (&colour only)…", "-colour-only.png"),
    Format("ora", ".ora", "Export OpenRaster", "OpenRaster (*.ora)", True, True, _ora,
           "Export &OpenRaster (.ora, Krita/GIMP)…", ".ora", served=True),
    Format("psd", ".psd", "Export PSD", "Photoshop documents (*.psd)", True, True, _psd,
           "Export P&SD (Photoshop/Clip Studio)…", ".psd"),
    Format("hints", ".png", "Export hints as PNG", "PNG images (*.png)", False, False, _hint_png,
           "Export &hints as RGBA PNG…", "-hints.png"),
    Format("hints_json", ".json", "Export hint strokes", "Hint strokes (*.json)", False, False,
           _hint_json, "Export hints as stroke &JSON…", "-hints.json"),
)
BY_KIND: dict[str, Format] = {f.kind: f for f in FORMATS}
BY_SUFFIX: dict[str, Format] = {}
for _f in FORMATS:
    BY_SUFFIX.setdefault(_f.suffix, _f)


def suffixes_text() -> str:
    """``".png, .ora, .psd, .json"``: what GANime writes, for messages."""
    return ", ".join(BY_SUFFIX)


def format_for(path: str | Path, kind: str | None = None) -> Format:
    """The format of ``kind``, or (None) the one ``path``'s suffix names; ExportError if none."""
    if kind is not None:
        if kind not in BY_KIND:
            raise ExportError(f"unknown export kind {kind!r}; known: {', '.join(BY_KIND)}")
        return BY_KIND[kind]
    suffix = Path(path).suffix.lower()
    if suffix not in BY_SUFFIX:
        raise ExportError(f"{Path(path).name}: GANime cannot export {suffix or 'files without a suffix'}"
                          f" (it writes {suffixes_text()})")
    return BY_SUFFIX[suffix]


def write(path: str | Path, source: ExportSource, kind: str | None = None) -> Path:
    """Write ``source`` to ``path`` in the format ``kind`` (default: by ``path``'s suffix)."""
    fmt = format_for(path, kind)
    return fmt.writer(Path(path), source)


__all__ = ["BY_KIND", "BY_SUFFIX", "FORMATS", "ExportSource", "Format", "format_for",
           "suffixes_text", "write"]
