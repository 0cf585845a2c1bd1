"""A colorize result as editor layers, and those layers as OpenRaster (.ora) bytes.

Qt-free and torch-free: the service sends this to the Krita plugin, and anything else that
wants a layered result can use it. Layers, top first (the order ``stack.xml`` lists them):

- ``Lines``   multiply, the line art as grey (white = paper), visible;
- ``Shading`` overlay (128 = neutral), hidden: the network's light and shadow per region;
- ``Flats``   normal, hidden: one exact colour per closed region (good for selections);
- ``Colour``  normal, visible: the colour of the chosen mode (plain / flats / locked).

So the visible stack (Lines x Colour) is the result's picture, and turning on Flats + Shading
gives flats with the network's shading to repaint. Shading and Flats come only with region
layers (a flats/locked colorize, or ``layers=True``).
"""

from __future__ import annotations

import io
import os
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

import numpy as np
from PIL import Image

from ..imageio import encode_png
from ..regions import shading_image

BLENDS = {"normal": "svg:src-over", "multiply": "svg:multiply", "overlay": "svg:overlay"}
THUMB = 256


@dataclass
class Layer:
    name: str
    rgba: np.ndarray  # uint8 HxWx4, not premultiplied
    visible: bool = True
    blend: str = "normal"  # a key of BLENDS


def _rgba(img: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """uint8 grey/RGB(/A) -> RGBA with ``alpha`` (opaque when None)."""
    if img.ndim == 2:
        img = np.dstack([img] * 3)
    a = np.full(img.shape[:2], 255, np.uint8) if alpha is None else alpha
    return np.dstack([img[..., :3], a]).astype(np.uint8)


def result_layers(result) -> list[Layer]:
    """The layer stack of a :class:`ganime_core.api.Result`, top first."""
    lines_u8 = np.clip(np.rint(result.lines * 255.0), 0, 255).astype(np.uint8)
    stack = [Layer("Lines", _rgba(lines_u8, result.alpha), True, "multiply")]
    if result.layers is not None:
        stack.append(Layer("Shading", _rgba(shading_image(result.layers.shading, "overlay"),
                                            result.alpha), False, "overlay"))
        stack.append(Layer("Flats", _rgba(result.layers.flats, result.alpha), False, "normal"))
    stack.append(Layer("Colour", _rgba(result.color, result.alpha), True, "normal"))
    return stack


def stack_xml(width: int, height: int, stack: list[Layer], names: list[str]) -> str:
    rows = []
    for layer, src in zip(stack, names, strict=True):
        vis = "visible" if layer.visible else "hidden"
        rows.append(f'  <layer name={quoteattr(layer.name)} src="{src}" x="0" y="0" opacity="1.0" '
                    f'visibility="{vis}" composite-op="{BLENDS[layer.blend]}"/>')
    body = "\n".join(rows)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<image w="{width}" h="{height}" '
            f'version="0.0.5">\n <stack>\n{body}\n </stack>\n</image>\n')


def ora_bytes(stack: list[Layer], merged: np.ndarray, *, compress_level: int = 1) -> bytes:
    """An OpenRaster file: ``mimetype`` first and stored, ``stack.xml``, ``data/*.png``,
    ``mergedimage.png`` and ``Thumbnails/thumbnail.png``. PNGs are already deflated, so
    the zip stores them."""
    if not stack:
        raise ValueError("an OpenRaster file needs at least one layer")
    height, width = stack[0].rgba.shape[:2]
    names = [f"data/layer{i}.png" for i in range(len(stack))]
    thumb = Image.fromarray(merged)
    thumb.thumbnail((THUMB, THUMB))
    tbuf = io.BytesIO()
    thumb.save(tbuf, format="PNG")
    buf = io.BytesIO()
    # zlib lets go of the GIL: the layers' PNGs are encoded side by side.
    with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:
        pngs = list(pool.map(lambda a: encode_png(a, compress_level),
                             [layer.rgba for layer in stack] + [merged]))
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("mimetype", "image/openraster")
        zf.writestr("stack.xml", stack_xml(width, height, stack, names),
                    compress_type=zipfile.ZIP_DEFLATED)
        for name, data in zip(names, pngs, strict=False):
            zf.writestr(name, data)
        zf.writestr("mergedimage.png", pngs[-1])
        zf.writestr("Thumbnails/thumbnail.png", tbuf.getvalue())
    return buf.getvalue()


def result_ora(result, *, compress_level: int = 1) -> bytes:
    """A colorize result as OpenRaster bytes (the merged image is ``result.image``)."""
    return ora_bytes(result_layers(result), result.image, compress_level=compress_level)


__all__ = ["BLENDS", "Layer", "ora_bytes", "result_layers", "result_ora", "stack_xml"]
