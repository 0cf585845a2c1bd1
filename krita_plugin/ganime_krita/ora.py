"""Reading the OpenRaster answer of ``ganime serve`` (standard library only)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

# OpenRaster composite-op -> Krita blending mode id.
BLEND_IDS = {"svg:src-over": "normal", "svg:multiply": "multiply", "svg:overlay": "overlay",
             "svg:screen": "screen", "svg:darken": "darken", "svg:lighten": "lighten",
             "svg:color-dodge": "dodge", "svg:color-burn": "burn", "svg:hard-light": "hard_light",
             "svg:soft-light": "soft_light_svg", "svg:difference": "diff", "svg:color": "color",
             "svg:luminosity": "luminize", "svg:hue": "hue", "svg:saturation": "saturation"}


class OraError(Exception):
    pass


@dataclass
class OraLayer:
    name: str
    png: bytes
    blend: str  # a Krita blending mode id
    visible: bool
    opacity: float
    x: int = 0
    y: int = 0
    children: list[OraLayer] | None = None  # a group (a nested stack): its layers, top first


def read_ora(data: bytes) -> tuple[tuple[int, int], list[OraLayer]]:
    """OpenRaster bytes -> ((width, height), layers top first; a nested stack is a group)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        if zf.read("mimetype").strip() != b"image/openraster":
            raise OraError("not an OpenRaster file")
        root = ElementTree.fromstring(zf.read("stack.xml"))
        size = int(root.get("w", 0)), int(root.get("h", 0))
        top = root.find("stack")
        layers = _entries(zf, top if top is not None else root, 0)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError) as exc:
        raise OraError(f"unreadable OpenRaster answer: {exc}") from None
    return size, layers


def _entries(zf: zipfile.ZipFile, stack: ElementTree.Element, depth: int) -> list[OraLayer]:
    if depth > 8:
        raise ValueError("stacks nested too deep")
    out = []
    for el in stack:
        common = {"name": el.get("name", "Layer"), "visible": el.get("visibility", "visible") != "hidden",
                  "opacity": float(el.get("opacity", "1"))}
        if el.tag == "stack":
            out.append(OraLayer(png=b"", blend="normal", children=_entries(zf, el, depth + 1), **common))
        elif el.tag == "layer":
            out.append(OraLayer(png=zf.read(el.get("src", "")),
                                blend=BLEND_IDS.get(el.get("composite-op", "svg:src-over"), "normal"),
                                x=int(float(el.get("x", 0))), y=int(float(el.get("y", 0))), **common))
    return out
