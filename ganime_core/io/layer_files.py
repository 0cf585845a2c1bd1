"""The one layer stack of a colorized picture, and its writers (OpenRaster, PSD, a PNG folder).

Torch-free and Qt-free: the app's export, the CLI's ``--layers`` and the service's ``.ora``
answer all build their layers here. Layers, top first (the order ``stack.xml`` lists them):

- ``Lines``    multiply, visible: the line art (white = paper);
- ``Shading``  overlay (128 = neutral), hidden: the network's light and shadow per region;
- ``Flats``    normal, hidden: one exact colour per closed region (good for selections);
- ``Flats by part``  a hidden group, one layer per flat colour (a part: all of the hair, both
  sleeves), named by its colour, as a flatter delivers them (with region layers);
- ``Colour``   normal, visible: the colour of the chosen mode (plain / flats / locked);
- ``Hints``    normal, hidden: the hint strokes as painted pixels (when there are hints);
- ``Barriers`` normal, hidden: the invisible barrier strokes the segmentation saw (when given).

So the visible stack (Lines x Colour) is the picture; Flats + Shading give flats with the
network's shading to repaint. Shading and Flats come only with region layers.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

import numpy as np
from PIL import Image, PngImagePlugin

from ganime_core.errors import ExportError
from ganime_core.imageops import to_u8

from .imageio import atomic_write, atomic_write_bytes, encode_png

if TYPE_CHECKING:
    from ganime_core.inputs.hints import HintRaster

BLENDS = {"normal": "svg:src-over", "multiply": "svg:multiply", "overlay": "svg:overlay"}
THUMB = 256
ORA_NS = "urn:ganime:openraster:1"
BARRIER_RGB = (255, 0, 255)  # magenta: never a line or paper colour, easy to spot when shown
#: ``stack.xml`` attribute names of the provenance keys (readers ignore what they don't know).
ORA_ATTRS = {"Software": "software", "GANime guide": "guide", "GANime guide colours": "guide-colours",
             "GANime reference": "reference", "GANime palette": "palette"}


@dataclass(frozen=True)
class Layer:
    name: str
    rgba: np.ndarray  # uint8 HxWx4, not premultiplied
    visible: bool = True
    blend: str = "normal"  # a key of BLENDS


@dataclass(frozen=True)
class Group:
    """A group of layers (top first), e.g. the flats by part."""

    name: str
    layers: tuple[Layer, ...]
    visible: bool = False


Entry = Layer | Group
#: The flats by part: at most this many layers (the smallest colours share one "other" layer).
MAX_PART_LAYERS = 64


def leaves(stack: Sequence[Entry]) -> list[Layer]:
    """The stack's layers with the groups opened, top first."""
    return [leaf for e in stack for leaf in (e.layers if isinstance(e, Group) else (e,))]


def part_group(flats: np.ndarray, alpha: np.ndarray | None = None, name: str = "Flats by part") -> Group | None:
    """One layer per colour of ``flats`` (uint8 HxWx3: its parts, each one flat colour), the
    biggest first, named "dark blue #1f2a5c"; None for a picture of one colour."""
    from ganime_core.color_names import colour_name, hex_colour

    rgb = np.asarray(flats, np.uint8)
    packed = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    keys, inverse, counts = np.unique(packed.ravel(), return_inverse=True, return_counts=True)
    if len(keys) < 2:
        return None
    order = np.argsort(-counts, kind="stable")
    rank = np.empty(len(keys), np.int64)
    rank[order] = np.arange(len(keys))
    per_pixel = np.minimum(rank, MAX_PART_LAYERS - 1)[inverse.ravel()].reshape(rgb.shape[:2])
    a = np.full(rgb.shape[:2], 255, np.uint8) if alpha is None else np.asarray(alpha, np.uint8)
    layers = []
    for i in range(min(len(keys), MAX_PART_LAYERS)):
        where = per_pixel == i
        rgba = np.zeros((*rgb.shape[:2], 4), np.uint8)
        rgba[where, :3] = rgb[where]
        rgba[where, 3] = a[where]
        k = int(keys[order[i]])
        colour = ((k >> 16) & 255, (k >> 8) & 255, k & 255)
        label = "other colours" if i == MAX_PART_LAYERS - 1 and len(keys) > MAX_PART_LAYERS \
            else f"{colour_name(colour)} {hex_colour(colour)}"
        layers.append(Layer(f"{i + 1:02d} {label}", rgba, True, "normal"))
    return Group(name, tuple(layers), False)


def to_rgba(img: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    """Grey (uint8, or float in [0, 1]) / RGB / RGBA -> uint8 RGBA with ``alpha`` (opaque when None)."""
    img = np.asarray(img)
    if img.dtype != np.uint8:
        img = to_u8(img)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    a = np.full(img.shape[:2], 255, np.uint8) if alpha is None else np.asarray(alpha, np.uint8)
    return np.dstack([img[..., :3], a])


def mask_rgba(mask: np.ndarray, rgb: tuple[int, int, int] = BARRIER_RGB) -> np.ndarray:
    """A bool HxW mask as RGBA: ``rgb`` and opaque where set, transparent elsewhere."""
    m = np.asarray(mask, bool)
    out = np.zeros((*m.shape, 4), np.uint8)
    out[m] = (*rgb, 255)
    return out


def _check_shape(name: str, arr: np.ndarray | None, shape: tuple[int, int]) -> None:
    if arr is not None and tuple(arr.shape[:2]) != shape:
        raise ExportError(f"the {name} layer is {arr.shape[1]}x{arr.shape[0]} px, "
                          f"the picture {shape[1]}x{shape[0]} px")


def build_stack(lines: np.ndarray, color: np.ndarray, *, alpha: np.ndarray | None = None,
                flats: np.ndarray | None = None, shading: np.ndarray | None = None,
                hints: np.ndarray | None = None, barriers: np.ndarray | None = None,
                parts: bool = False) -> list[Entry]:
    """The layer stack, top first. ``lines``: grey/RGB line art (uint8, or float 1 = paper);
    ``color``/``flats`` uint8 HxWx3; ``shading`` uint8 grey for an overlay (128 neutral);
    ``hints`` RGBA (alpha = hinted); ``barriers`` a bool HxW mask (a hidden "Barriers" layer);
    ``parts``: the flats by part as a group below the flats (:func:`part_group`)."""
    h, w = np.asarray(color).shape[:2]
    shape = (h, w)
    for name, arr in (("lines", lines), ("flats", flats), ("shading", shading), ("hints", hints),
                      ("barriers", barriers), ("alpha", alpha)):
        _check_shape(name, arr, shape)
    stack: list[Entry] = [Layer("Lines", to_rgba(lines, alpha), True, "multiply")]
    if shading is not None:
        stack.append(Layer("Shading", to_rgba(shading, alpha), False, "overlay"))
    if flats is not None:
        stack.append(Layer("Flats", to_rgba(flats, alpha), False, "normal"))
        group = part_group(flats, alpha) if parts else None
        if group is not None:
            stack.append(group)
    stack.append(Layer("Colour", to_rgba(color, alpha), True, "normal"))
    if hints is not None:
        stack.append(Layer("Hints", np.ascontiguousarray(hints, np.uint8), False, "normal"))
    if barriers is not None:
        stack.append(Layer("Barriers", mask_rgba(barriers), False, "normal"))
    return stack


def result_stack(result, *, hints: HintRaster | None = None,
                 barriers: np.ndarray | None = None) -> list[Entry]:
    """The stack of a :class:`ganime_core.api.Result` (its region layers, and the flats by
    part, when it has them)."""
    from ganime_core.regions import shading_image

    lay = result.layers
    return build_stack(result.lines, result.color, alpha=result.alpha,
                       flats=None if lay is None else lay.flats,
                       shading=None if lay is None else shading_image(lay.shading, "overlay"),
                       hints=None if hints is None else hints.to_rgba(), barriers=barriers, parts=lay is not None)


# -- OpenRaster --------------------------------------------------------------------------------


def _ora_attrs(meta: Mapping[str, str]) -> str:
    if not meta:
        return ""
    attrs = "".join(f" ganime:{ORA_ATTRS.get(k, k.lower().replace(' ', '-'))}={quoteattr(v)}"
                    for k, v in meta.items())
    return f' xmlns:ganime="{ORA_NS}"{attrs}'


def _layer_row(layer: Layer, src: str, indent: str) -> str:
    vis = "visible" if layer.visible else "hidden"
    return (f'{indent}<layer name={quoteattr(layer.name)} src="{src}" x="0" y="0" opacity="1.0" '
            f'visibility="{vis}" composite-op="{BLENDS[layer.blend]}"/>')


def stack_xml(width: int, height: int, stack: Sequence[Entry], names: list[str],
              meta: Mapping[str, str] | None = None) -> str:
    """``names``: the PNG of each of the stack's :func:`leaves`, in order."""
    rows, srcs = [], iter(names)
    for entry in stack:
        if isinstance(entry, Group):
            vis = "visible" if entry.visible else "hidden"
            rows.append(f'  <stack name={quoteattr(entry.name)} visibility="{vis}">')
            rows += [_layer_row(layer, next(srcs), "   ") for layer in entry.layers]
            rows.append("  </stack>")
        else:
            rows.append(_layer_row(entry, next(srcs), "  "))
    body = "\n".join(rows)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<image w="{width}" h="{height}" '
            f'version="0.0.5"{_ora_attrs(meta or {})}>\n <stack>\n{body}\n </stack>\n</image>\n')


def encode_png_with_text(arr: np.ndarray, text: Mapping[str, str], compress_level: int = 6) -> bytes:
    """A PNG with tEXt (iTXt for non-Latin-1 values) chunks; plain PNG when ``text`` is empty."""
    if not text:
        return encode_png(arr, compress_level)
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(arr, np.uint8)).save(
        buf, format="PNG", compress_level=compress_level, pnginfo=info)
    return buf.getvalue()


def _thumbnail(merged: np.ndarray) -> bytes:
    thumb = Image.fromarray(np.ascontiguousarray(merged, np.uint8))
    thumb.thumbnail((THUMB, THUMB))
    buf = io.BytesIO()
    thumb.save(buf, format="PNG")
    return buf.getvalue()


def ora_bytes(stack: Sequence[Entry], merged: np.ndarray, *, meta: Mapping[str, str] | None = None,
              compress_level: int = 1) -> bytes:
    """An OpenRaster file: ``mimetype`` first and stored, ``stack.xml``, ``data/*.png``,
    ``mergedimage.png`` (with ``meta`` as PNG text) and ``Thumbnails/thumbnail.png``. PNGs are
    already deflated, so the zip stores them; they are encoded side by side (zlib lets go of
    the GIL)."""
    if not stack:
        raise ExportError("an OpenRaster file needs at least one layer")
    flat = leaves(stack)
    height, width = flat[0].rgba.shape[:2]
    names = [f"data/layer{i}.png" for i in range(len(flat))]
    with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:
        merged_png = pool.submit(encode_png_with_text, merged, meta or {}, compress_level)
        pngs = list(pool.map(lambda a: encode_png(a, compress_level), [layer.rgba for layer in flat]))
        thumb = _thumbnail(merged)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("mimetype", "image/openraster")
        zf.writestr("stack.xml", stack_xml(width, height, stack, names, meta),
                    compress_type=zipfile.ZIP_DEFLATED)
        for name, data in zip(names, pngs, strict=True):
            zf.writestr(name, data)
        zf.writestr("mergedimage.png", merged_png.result())
        zf.writestr("Thumbnails/thumbnail.png", thumb)
    return buf.getvalue()


def write_ora(path: str | Path, stack: Sequence[Entry], merged: np.ndarray, *,
              meta: Mapping[str, str] | None = None) -> Path:
    """:func:`ora_bytes` written atomically."""
    return atomic_write_bytes(path, ora_bytes(stack, merged, meta=meta, compress_level=3))


def result_ora(result, *, compress_level: int = 1) -> bytes:
    """A colorize result as OpenRaster bytes (the merged image is ``result.image``)."""
    return ora_bytes(result_stack(result), result.image, compress_level=compress_level)


# -- PSD and a folder of PNGs ---------------------------------------------------------------------


def write_psd(path: str | Path, stack: Sequence[Entry]) -> Path:
    """The stack as a layered PSD (psd-tools; a group as a closed folder), written atomically."""
    try:
        from psd_tools import PSDImage
        from psd_tools.api.layers import Group as PsdGroup
        from psd_tools.api.layers import PixelLayer
        from psd_tools.constants import BlendMode
    except ImportError:
        raise ExportError("PSD export needs the psd-tools package (pip install psd-tools)") from None
    if not stack:
        raise ExportError("a PSD file needs at least one layer")
    height, width = leaves(stack)[0].rgba.shape[:2]
    psd = PSDImage.new("RGBA", (width, height))
    modes = {"normal": BlendMode.NORMAL, "multiply": BlendMode.MULTIPLY, "overlay": BlendMode.OVERLAY}

    def pixel_layer(layer: Layer, parent) -> None:
        px = PixelLayer.frompil(Image.fromarray(layer.rgba, "RGBA"), psd, layer.name)
        if layer.blend != "normal":
            px.blend_mode = modes[layer.blend]
        px.visible = layer.visible
        parent.append(px)

    for entry in reversed(stack):  # psd-tools appends bottom to top
        if isinstance(entry, Group):
            folder = PsdGroup.new(psd, entry.name, open_folder=False)
            for layer in reversed(entry.layers):
                pixel_layer(layer, folder)
            folder.visible = entry.visible
        else:
            pixel_layer(entry, psd)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            psd.save(f)

    return atomic_write(path, write)


def layer_file_name(layer: Layer | Group) -> str:
    """``lines.png``, ``flats.png``, ``flats-by-part`` (a group's folder), ``01-dark-blue-1f2a5c.png``:
    a layer's file in a folder of layers."""
    stem = "".join(c if c.isalnum() else "-" for c in layer.name.lower()).strip("-")
    return stem if isinstance(layer, Group) else f"{stem.replace('--', '-')}.png"


def write_layer_folder(folder: str | Path, stack: Sequence[Entry], merged: np.ndarray) -> list[Path]:
    """Each layer as ``folder/<name>.png`` (a group's in ``folder/<group>/``) plus
    ``composite.png`` (the merged picture), for compositing by hand; each file written atomically."""
    folder = Path(folder)
    written = []
    for entry in stack:
        if isinstance(entry, Group):
            sub = folder / layer_file_name(entry)
            written += [atomic_write_bytes(sub / layer_file_name(layer), encode_png(layer.rgba))
                        for layer in entry.layers]
        else:
            written.append(atomic_write_bytes(folder / layer_file_name(entry), encode_png(entry.rgba)))
    written.append(atomic_write_bytes(folder / "composite.png", encode_png(merged)))
    return written


__all__ = ["BLENDS", "Entry", "Group", "Layer", "build_stack", "leaves", "part_group", "encode_png_with_text", "mask_rgba", "ora_bytes",
           "result_ora", "result_stack", "stack_xml", "to_rgba", "write_layer_folder", "write_ora",
           "write_psd"]
