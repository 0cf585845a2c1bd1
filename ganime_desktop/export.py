"""Export: result PNGs, layered OpenRaster (.ora) and PSD, the hint layer as an RGBA PNG.

Layers, top first: ``Lines`` (multiply), ``Colour``, ``Flats`` (hidden; only after a
flats/locked colorize), ``Hints`` (hidden). OpenRaster is
written with the standard library (``mimetype`` first and stored, ``stack.xml``,
``data/*.png``, ``mergedimage.png``, ``Thumbnails/thumbnail.png``); PSD with psd-tools.

Provenance (:func:`provenance`: the app version and the colour guide, i.e. the reference
picture's file name and the guide's colours in hex) goes into PNG text chunks (the exported
PNG and the ORA's ``mergedimage.png``) and, as ``ganime:`` attributes, into ``stack.xml``.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
from PIL import Image, PngImagePlugin

from ganime_core import __version__
from ganime_core.errors import GanimeError
from ganime_core.hints import rasterize
from ganime_core.imageio import atomic_write, atomic_write_bytes, encode_png, save_png

from .document import Document

THUMB = 256
ORA_NS = "urn:ganime:openraster:1"


class ExportError(GanimeError):
    """Nothing to export, or the export could not be written."""


@dataclass
class Layer:
    name: str
    rgba: np.ndarray  # uint8 HxWx4, not premultiplied
    visible: bool = True
    blend: str = "normal"  # "normal" or "multiply"


def _rgba(rgb: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    a = np.full(rgb.shape[:2], 255, np.uint8) if alpha is None else alpha
    return np.dstack([rgb[..., :3], a]).astype(np.uint8)


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


def encode_png_with_text(arr: np.ndarray, text: dict[str, str], compress_level: int = 6) -> bytes:
    """A PNG with tEXt (iTXt for non-Latin-1 values) chunks."""
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(arr, np.uint8)).save(
        buf, format="PNG", compress_level=compress_level, pnginfo=info)
    return buf.getvalue()


def export_png(path: str | Path, doc: Document, with_lines: bool = True) -> Path:
    return atomic_write_bytes(path, encode_png_with_text(result_array(doc, with_lines),
                                                         provenance(doc)))


def export_hint_png(path: str | Path, doc: Document) -> Path:
    """The hint layer as the RGBA hint PNG that ``ganime colorize --hints`` accepts."""
    return save_png(path, hint_rgba(doc))


def layers(doc: Document) -> list[Layer]:
    """The layer stack, top first."""
    _need_result(doc)
    assert doc.result is not None
    line_alpha = doc.alpha
    stack = [
        Layer("Lines", _rgba(doc.lines, line_alpha), True, "multiply"),
        Layer("Colour", _rgba(doc.result.color, doc.alpha), True, "normal"),
    ]
    if doc.result.flats is not None:  # exact region colours: handy for selections
        stack.append(Layer("Flats", _rgba(doc.result.flats, doc.alpha), False, "normal"))
    stack.append(Layer("Hints", hint_rgba(doc), False, "normal"))
    return stack


def _ora_attrs(meta: dict[str, str]) -> str:
    """Provenance as namespaced attributes of ``<image>`` (readers ignore what they don't know)."""
    if not meta:
        return ""
    names = {"Software": "software", "GANime guide": "guide", "GANime guide colours": "guide-colours",
             "GANime reference": "reference", "GANime palette": "palette"}
    attrs = "".join(f" ganime:{names.get(k, k.lower().replace(' ', '-'))}={quoteattr(v)}"
                    for k, v in meta.items())
    return f' xmlns:ganime="{ORA_NS}"{attrs}'


def _stack_xml(w: int, h: int, stack: list[Layer], meta: dict[str, str] | None = None) -> str:
    rows = []
    for i, layer in enumerate(stack):
        op = "svg:multiply" if layer.blend == "multiply" else "svg:src-over"
        vis = "visible" if layer.visible else "hidden"
        rows.append(f'  <layer name={quoteattr(layer.name)} src="data/layer{i}.png" x="0" y="0" '
                    f'opacity="1.0" visibility="{vis}" composite-op="{op}"/>')
    body = "\n".join(rows)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<image w="{w}" h="{h}" version="0.0.5"{_ora_attrs(meta or {})}>\n'
            f' <stack>\n{body}\n </stack>\n</image>\n')


def _thumbnail(arr: np.ndarray) -> bytes:
    im = Image.fromarray(arr)
    im.thumbnail((THUMB, THUMB))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def export_ora(path: str | Path, doc: Document) -> Path:
    stack = layers(doc)
    merged = result_array(doc, True)
    w, h = doc.size
    meta = provenance(doc)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as zf:
            zf.writestr("mimetype", "image/openraster", compress_type=zipfile.ZIP_STORED)
            zf.writestr("stack.xml", _stack_xml(w, h, stack, meta),
                        compress_type=zipfile.ZIP_DEFLATED)
            for i, layer in enumerate(stack):
                zf.writestr(f"data/layer{i}.png", encode_png(layer.rgba, 3))
            zf.writestr("mergedimage.png", encode_png_with_text(merged, meta, 3))
            zf.writestr("Thumbnails/thumbnail.png", _thumbnail(merged))

    return atomic_write(path, write)


def export_psd(path: str | Path, doc: Document) -> Path:
    try:
        from psd_tools import PSDImage
        from psd_tools.api.layers import PixelLayer
        from psd_tools.constants import BlendMode
    except ImportError:
        raise ExportError("PSD export needs the psd-tools package (pip install psd-tools)") from None
    stack = layers(doc)
    w, h = doc.size
    psd = PSDImage.new("RGBA", (w, h))
    for layer in reversed(stack):  # psd-tools appends bottom to top
        px = PixelLayer.frompil(Image.fromarray(layer.rgba, "RGBA"), psd, layer.name)
        if layer.blend == "multiply":
            px.blend_mode = BlendMode.MULTIPLY
        px.visible = layer.visible
        psd.append(px)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            psd.save(f)

    return atomic_write(path, write)
