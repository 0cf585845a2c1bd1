"""Krita document <-> GANime service: read the line and hint layers, write the result group.

Runs inside Krita (its ``krita`` module and PyQt5). Pixels cross as PNG both ways; Krita's
``pixelData``/``setPixelData`` use BGRA bytes, which is QImage's ARGB32 layout in memory on
little-endian machines, so no per-pixel Python work is needed.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field

from PyQt5.QtCore import QBuffer, QByteArray, QIODevice
from PyQt5.QtGui import QColor, QImage, QPainter

from .client import Client, ServiceError
from .ora import read_ora

GROUP_NAME = "GANime"
HINTS_NAME = "GANime hints"
PNG_QUALITY = 80  # Qt maps 80 to zlib level 1: fast, still small for line art


class PluginError(Exception):
    """A problem with the document (no line layer, ...); the message is for the user."""


@dataclass
class Options:
    mode: str = "plain"
    layers: bool = True  # flats + shading layers
    live: bool = False
    size: int | None = None
    palette: str | None = None  # .gpl text
    reference: bytes | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class Inputs:
    lines: bytes
    hints: bytes | None
    size: tuple[int, int]


# -- nodes ---------------------------------------------------------------------------------------


def walk(node):
    for child in node.childNodes():
        yield child
        yield from walk(child)


def find_group(doc):
    """The previous result group, if any (a group layer named ``GANime``)."""
    for node in walk(doc.rootNode()):
        if node.type() == "grouplayer" and node.name() == GROUP_NAME:
            return node
    return None


def find_hints(doc):
    for node in walk(doc.rootNode()):
        if node.name() == HINTS_NAME and node.type() == "paintlayer":
            return node
    return None


def ensure_hints(doc):
    """The "GANime hints" paint layer, created on top of the stack when missing."""
    node = find_hints(doc)
    if node is None:
        node = doc.createNode(HINTS_NAME, "paintlayer")
        doc.rootNode().addChildNode(node, None)
    return node


def is_ours(node) -> bool:
    while node is not None:
        if node.name() in (GROUP_NAME, HINTS_NAME):
            return True
        node = node.parentNode()
    return False


def pixel_layers(doc) -> list:
    """Layers that can be line art: every pixel-bearing layer that is not GANime's own."""
    kinds = ("paintlayer", "vectorlayer", "filelayer", "clonelayer")
    return [n for n in walk(doc.rootNode()) if n.type() in kinds and not is_ours(n)]


def lines_node(doc, name: str = ""):
    """The chosen line layer (by name) or the active layer; a plain error when neither fits."""
    if name:
        for node in pixel_layers(doc):
            if node.name() == name:
                return node
        raise PluginError(f'No layer named "{name}". Pick the line-art layer in the docker.')
    node = doc.activeNode()
    if node is None or node.type() == "grouplayer" or is_ours(node):
        raise PluginError("Select the line-art layer (not the hints layer or the GANime group), "
                          "or choose it in the docker's Lines list.")
    return node


def layers_signature(doc, lines_name: str = "") -> tuple | None:
    """A checksum of the line and hint layers' pixels (live mode's "has anything changed?");
    None without a document or a line layer."""
    if doc is None:
        return None
    try:
        nodes = [lines_node(doc, lines_name), find_hints(doc)]
    except PluginError:
        return None
    w, h = doc.width(), doc.height()
    return tuple(None if n is None else zlib.adler32(bytes(n.pixelData(0, 0, w, h))) for n in nodes)


# -- pixels --------------------------------------------------------------------------------------


def node_image(node, w: int, h: int) -> QImage:
    data = bytes(node.pixelData(0, 0, w, h))
    return QImage(data, w, h, w * 4, QImage.Format_ARGB32).copy()


def png_bytes(img: QImage) -> bytes:
    buf = QBuffer()
    buf.open(QIODevice.WriteOnly)
    if not img.save(buf, "PNG", PNG_QUALITY):
        raise PluginError("could not encode a layer as PNG")
    return bytes(buf.data())


def read_inputs(doc, lines, hints=None) -> Inputs:
    """The line layer flattened on white (grey PNG) and the hint layer (RGBA PNG, or None if empty)."""
    w, h = doc.width(), doc.height()
    src = node_image(lines, w, h)
    flat = QImage(w, h, QImage.Format_RGB32)
    flat.fill(QColor(255, 255, 255))
    p = QPainter(flat)
    p.drawImage(0, 0, src)
    p.end()
    line_png = png_bytes(flat.convertToFormat(QImage.Format_Grayscale8))
    hint_png = None
    if hints is not None:
        raw = bytes(hints.pixelData(0, 0, w, h))
        if raw[3::4].strip(b"\x00"):  # any painted pixel
            hint_png = png_bytes(QImage(raw, w, h, w * 4, QImage.Format_ARGB32).copy())
    return Inputs(line_png, hint_png, (w, h))


def _bgra(png: bytes, w: int, h: int) -> bytes:
    img = QImage.fromData(QByteArray(png), "PNG")
    if img.isNull() or (img.width(), img.height()) != (w, h):
        raise PluginError("the service answered a layer of the wrong size")
    img = img.convertToFormat(QImage.Format_ARGB32)
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes())
    return bytes(ptr)


def apply_ora(doc, lines, data: bytes):
    """Put the service's OpenRaster layers in a "GANime" group and return it.

    A previous GANime group is replaced in place (same parent, same position) and the
    visibility the artist gave its layers is kept; otherwise the group goes right above the
    line layer.
    """
    size, layers = read_ora(data)
    w, h = doc.width(), doc.height()
    if size != (w, h):
        raise PluginError(f"the answer is {size[0]}x{size[1]}, the document {w}x{h}")
    old = find_group(doc)
    visible = {c.name(): c.visible() for c in old.childNodes()} if old is not None else {}
    group = doc.createGroupLayer(GROUP_NAME)
    if old is not None:
        old.parentNode().addChildNode(group, old)
        old.remove()
    else:
        (lines.parentNode() or doc.rootNode()).addChildNode(group, lines)
    _add_layers(doc, group, layers, visible, w, h)
    doc.refreshProjection()
    return group


def _add_layers(doc, parent, layers, visible: dict, w: int, h: int) -> None:
    """The ORA's layers into ``parent``, a nested stack as a group layer (the flats by part)."""
    for layer in reversed(layers):  # bottom first: each new child goes on top
        if layer.children is not None:
            node = doc.createGroupLayer(layer.name)
            parent.addChildNode(node, None)
            _add_layers(doc, node, layer.children, {}, w, h)
        else:
            node = doc.createNode(layer.name, "paintlayer")
            parent.addChildNode(node, None)
            node.setBlendingMode(layer.blend)
            node.setPixelData(_bgra(layer.png, w, h), 0, 0, w, h)
        node.setOpacity(round(layer.opacity * 255))
        node.setVisible(visible.get(layer.name, layer.visible))


@dataclass
class Timing:
    read: float = 0.0
    service: float = 0.0
    apply: float = 0.0
    model: float = 0.0

    @property
    def total(self) -> float:
        return self.read + self.service + self.apply


def colorize_document(doc, client: Client, options: Options, lines_name: str = "",
                      max_pixels: int | None = None):
    """The whole round trip on the calling thread: read, ask the service, write the group.

    Returns (group node, Timing). The docker does the middle step on a worker thread instead.
    """
    t0 = time.perf_counter()
    inputs = prepare(doc, lines_name, max_pixels)
    t1 = time.perf_counter()
    body, headers = request(client, inputs, options)
    t2 = time.perf_counter()
    group = apply_ora(doc, lines_node(doc, lines_name), body)
    t3 = time.perf_counter()
    return group, Timing(t1 - t0, t2 - t1, t3 - t2, float(headers.get("x-ganime-seconds", 0)))


def prepare(doc, lines_name: str = "", max_pixels: int | None = None) -> Inputs:
    if doc is None:
        raise PluginError("Open or create a document first.")
    if max_pixels and doc.width() * doc.height() > max_pixels:
        raise PluginError(f"The document is {doc.width()}x{doc.height()} "
                          f"({doc.width() * doc.height() / 1e6:.0f} MP); the service takes at most "
                          f"{max_pixels / 1e6:.0f} MP. Scale a copy down (Image > Scale Image).")
    return read_inputs(doc, lines_node(doc, lines_name), find_hints(doc))


def request(client: Client, inputs: Inputs, options: Options) -> tuple[bytes, dict]:
    """The HTTP part (safe on a worker thread: no Krita calls)."""
    body, headers = client.colorize(inputs.lines, inputs.hints, mode=options.mode, fmt="ora",
                                    layers=options.layers, live=options.live, size=options.size,
                                    palette=options.palette, reference=options.reference,
                                    extra=options.extra)
    if not headers.get("content-type", "").startswith("image/openraster"):
        raise ServiceError("error", "the service did not answer OpenRaster")
    return body, headers
