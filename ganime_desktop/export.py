"""Export from the app: a :class:`Document` handed to the core's one table of formats.

Formats, writers and the layer stack live in ``ganime_core.io.formats`` / ``ganime_core.io.layer_files``
(shared with the CLI and the service); this module only says what a document holds:
the result (with and without lines), the layer stack (``Lines`` multiply, ``Flats`` hidden
after a flats/locked colorize, ``Colour``, ``Hints`` hidden, ``Barriers`` hidden when given),
the hint strokes and the provenance text.

Provenance (:func:`provenance`: the app version and the colour guide, i.e. the reference
picture's file name and the guide's colours in hex) goes into PNG text chunks (the exported
PNG and the ORA's ``mergedimage.png``) and, as ``ganime:`` attributes, into ``stack.xml``.
Torch-free.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganime_core import __version__
from ganime_core.errors import ExportError
from ganime_core.inputs.hints import rasterize
from ganime_core.io.formats import ExportSource, write
from ganime_core.io.layer_files import (
    ORA_NS,
    THUMB,
    Entry,
    Layer,
    build_stack,
    encode_png_with_text,
)

from .document import Document

__all__ = ["ORA_NS", "THUMB", "ExportError", "Layer", "encode_png_with_text", "export",
           "export_hint_png", "export_ora", "export_png", "export_psd", "hint_rgba", "layers",
           "provenance", "result_array", "source"]


def hint_rgba(doc: Document) -> np.ndarray:
    w, h = doc.size
    return rasterize(doc.hints, w, h).to_rgba()


def _need_result(doc: Document) -> None:
    if doc.result is None:
        raise ExportError("There is no result yet: colorize first (Ctrl+Enter).")


def result_array(doc: Document, with_lines: bool = True) -> np.ndarray:
    """The result at full resolution: lines multiplied or colour only; RGBA when the input had alpha."""
    _need_result(doc)
    assert doc.result is not None
    if with_lines:
        return doc.result.image
    color = doc.result.color
    return color if doc.alpha is None else np.dstack([color, doc.alpha])


def provenance(doc: Document) -> dict[str, str]:
    """Text for the exported file's metadata: software and colour guide (if any)."""
    return {"Software": f"GANime {__version__}", **doc.guide.metadata()}


def layers(doc: Document, barriers: np.ndarray | None = None) -> list[Entry]:
    """The layer stack, top first (``ganime_core.io.layer_files.build_stack``)."""
    _need_result(doc)
    assert doc.result is not None
    return build_stack(doc.lines, doc.result.color, alpha=doc.alpha, flats=doc.result.flats,
                       shading=doc.result.shading, hints=hint_rgba(doc), barriers=barriers,
                       parts=doc.result.flats is not None)


def source(doc: Document, barriers: np.ndarray | None = None) -> ExportSource:
    """Everything an export of ``doc`` may write (the stack is built only when a format needs it)."""
    done = doc.result is not None
    return ExportSource(size=doc.size, hints=doc.hint_set(),
                        merged=result_array(doc, True) if done else None,
                        color=result_array(doc, False) if done else None,
                        stack=(lambda: layers(doc, barriers)) if done else None,
                        meta=provenance(doc))


def export(path: str | Path, doc: Document, kind: str | None = None, *,
           barriers: np.ndarray | None = None) -> Path:
    """Write ``doc`` as ``kind`` (a key of ``ganime_core.io.formats.BY_KIND``; default: by the
    path's suffix; an unknown one is an :class:`ExportError`). ``barriers``: a bool HxW mask
    written as the hidden ``Barriers`` layer of the layered formats."""
    return write(path, source(doc, barriers), kind)


def export_png(path: str | Path, doc: Document, with_lines: bool = True) -> Path:
    return export(path, doc, "png" if with_lines else "color")


def export_hint_png(path: str | Path, doc: Document) -> Path:
    """The hint layer as the RGBA hint PNG that ``ganime colorize --hints`` accepts."""
    return export(path, doc, "hints")


def export_ora(path: str | Path, doc: Document, barriers: np.ndarray | None = None) -> Path:
    return export(path, doc, "ora", barriers=barriers)


def export_psd(path: str | Path, doc: Document, barriers: np.ndarray | None = None) -> Path:
    return export(path, doc, "psd", barriers=barriers)
