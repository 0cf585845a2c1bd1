"""The colour guide: a colour suggestion, the palette's first colours or a reference picture. Qt-free.

The guide is part of the document (saved in the project, undoable). What the model gets is one
Lab+weight palette (``ganime_core.inputs.encoding``): the colour family of the suggestion the user
clicked (``ganime_core.suggest.ColourFamily.palette``), else the ``.gpl`` palette's first
``PALETTE_SIZE`` swatches when "Use palette as colour guide" is on (a palette wins over a
reference, as in ``Colorizer.colorize``), else the main colours of the reference picture, else
nothing. Choosing a suggestion turns the palette guide off; choosing a reference picture or the
palette guide drops the suggestion (the newest choice is the guide; undo brings the old one back).

The reference picture is kept composited on white and scaled to a long side of at most
``REFERENCE_MAX_SIDE`` px; its palette is always computed from that stored copy, so a project
gives back exactly the guide that was saved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from ganime_core.color import lab_to_rgb
from ganime_core.errors import GanimeError
from ganime_core.inputs.encoding import PALETTE_SIZE, palette_from_colors
from ganime_core.inputs.palettes import palette_from_reference
from ganime_core.io.imageio import LoadedImage, composite_on_white
from ganime_core.io.jsonsafe import is_int, is_number, parse_json, short
from ganime_core.suggest import MAX_NAME as MAX_FAMILY_NAME
from ganime_core.suggest import ColourFamily

RGB = tuple[int, int, int]
REFERENCE_MAX_SIDE = 1024  # the copy kept in the project
GUIDE_JSON_VERSION = 1
MAX_NAME = 200


class GuideError(GanimeError):
    """A colour guide (or its part of a project) could not be read."""


def hex_of(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def chips_of(palette: np.ndarray) -> list[tuple[RGB, float]]:
    """A Lab+weight palette -> [(sRGB, weight), ...] for display, heaviest first."""
    pal = np.asarray(palette, np.float32).reshape(-1, 4)
    if len(pal) == 0:
        return []
    rgb = lab_to_rgb(pal[:, :3])
    total = float(pal[:, 3].sum()) or 1.0
    out = [(tuple(int(v) for v in c), float(w) / total) for c, w in zip(rgb, pal[:, 3], strict=True)]
    return sorted(out, key=lambda cw: -cw[1])  # type: ignore[arg-type,return-value]


@dataclass(frozen=True, eq=False)
class Reference:
    """A reference picture: ``rgb`` uint8 HxWx3 on white (long side <= ``REFERENCE_MAX_SIDE``)
    and ``palette``, its main colours as (k, 4) Lab+weight rows."""

    name: str
    rgb: np.ndarray
    palette: np.ndarray

    @classmethod
    def from_image(cls, img: LoadedImage, name: str) -> Reference:
        rgb = np.ascontiguousarray(composite_on_white(img.rgb, img.alpha), np.uint8)
        h, w = rgb.shape[:2]
        scale = REFERENCE_MAX_SIDE / max(w, h)
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        rgb.setflags(write=False)
        palette = palette_from_reference(rgb)
        if len(palette) == 0:
            raise GuideError(f"{name}: no colours found in the picture")
        palette.setflags(write=False)
        return cls(_clean_name(name), rgb, palette)

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]


@dataclass(frozen=True)
class ColourGuide:
    """What steers the model's colours. Immutable: an edit makes a new guide (undo keeps the old)."""

    reference: Reference | None = None
    use_palette: bool = False
    palette_name: str = ""
    palette_colors: tuple[RGB, ...] = field(default=())
    family: ColourFamily | None = None  # a colour suggestion the user clicked

    # -- queries ---------------------------------------------------------------------------------

    @property
    def source(self) -> str:
        """``"suggestion"``, ``"palette"``, ``"reference"`` or ``""``: the guide the model is given."""
        if self.family is not None:
            return "suggestion"
        if self.use_palette and self.palette_colors:
            return "palette"
        return "reference" if self.reference is not None else ""

    def model_palette(self) -> np.ndarray | None:
        """The (k, 4) Lab+weight array for ``Colorizer.colorize(palette=...)``, or None."""
        if self.family is not None:
            return self.family.palette()
        if self.source == "palette":
            return palette_from_colors(list(self.palette_colors))
        if self.source == "reference":
            assert self.reference is not None
            return np.array(self.reference.palette, np.float32)
        return None

    def palette_chips(self) -> list[tuple[RGB, float]]:
        n = len(self.palette_colors)
        return [(c, 1.0 / n) for c in self.palette_colors]

    def family_chips(self) -> list[tuple[RGB, float]]:
        f = self.family
        return [] if f is None else list(zip(f.colours, f.weights, strict=True))

    def reference_chips(self) -> list[tuple[RGB, float]]:
        return [] if self.reference is None else chips_of(self.reference.palette)

    def active_chips(self) -> list[tuple[RGB, float]]:
        return {"suggestion": self.family_chips, "palette": self.palette_chips,
                "reference": self.reference_chips}.get(self.source, list)()

    def metadata(self) -> dict[str, str]:
        """Provenance for exports: which guide, the reference's file name, the colours sent."""
        if not self.source:
            return {}
        meta = {"GANime guide": self.source,
                "GANime guide colours": " ".join(hex_of(c) for c, _ in self.active_chips())}
        if self.reference is not None:
            meta["GANime reference"] = self.reference.name
        if self.source == "palette" and self.palette_name:
            meta["GANime palette"] = self.palette_name
        if self.family is not None:  # the colour family the colours came from
            meta["GANime palette"] = self.family.name
        return meta

    # -- edits -----------------------------------------------------------------------------------

    def with_reference(self, reference: Reference | None) -> ColourGuide:
        """A new reference picture is the guide (a suggestion goes); clearing keeps the rest."""
        family = None if reference is not None else self.family
        return replace(self, reference=reference, family=family)

    def with_palette(self, on: bool, name: str = "", colors: list[RGB] | tuple[RGB, ...] = ()) -> ColourGuide:
        if not on:
            return replace(self, use_palette=False)
        cols = tuple((int(r), int(g), int(b)) for r, g, b in list(colors)[:PALETTE_SIZE])
        return replace(self, use_palette=True, palette_name=_clean_name(name), palette_colors=cols,
                       family=None)

    def with_family(self, family: ColourFamily | None) -> ColourGuide:
        """A colour suggestion is the guide (the palette guide goes off); None drops it."""
        if family is None:
            return replace(self, family=None)
        return replace(self, family=family, use_palette=False)

    # -- the project's guide.json ---------------------------------------------------------------

    def to_json(self, reference_member: str) -> str:
        data: dict[str, Any] = {
            "version": GUIDE_JSON_VERSION,
            "use_palette": self.use_palette,
            "palette_name": self.palette_name,
            "palette_colors": [list(c) for c in self.palette_colors],
            "reference": None if self.reference is None else {
                "name": self.reference.name, "file": reference_member,
                "colours": [hex_of(c) for c, _ in self.reference_chips()]},
        }
        if self.family is not None:
            f = self.family
            data["suggestion"] = {"name": f.name, "colours": [list(c) for c in f.colours],
                                  "weights": [float(w) for w in f.weights], "pictures": f.pictures}
        return json.dumps(data, indent=1)


def parse_guide_json(text: str | bytes) -> tuple[ColourGuide, dict | None]:
    """guide.json -> (the guide without its picture, the reference entry or None).

    Raises :class:`GuideError` with a plain reason when the file is not a valid guide.
    """
    data = parse_json(text, "guide.json", GuideError)
    if not isinstance(data, dict):
        raise GuideError("guide.json is not a colour guide")
    version = data.get("version", 0)
    if not is_int(version):
        raise GuideError(f"guide.json: version must be a whole number, got {short(version)}")
    if version > GUIDE_JSON_VERSION:
        raise GuideError("guide.json is from a newer GANime")
    colors = data.get("palette_colors", [])
    if not isinstance(colors, list) or len(colors) > PALETTE_SIZE:
        raise GuideError(f"guide.json: palette_colors must be a list of at most {PALETTE_SIZE} colours")
    clean: list[RGB] = []
    for c in colors:
        if not (isinstance(c, list) and len(c) == 3
                and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in c)):
            raise GuideError(f"guide.json: {str(c)[:30]} is not an RGB colour")
        clean.append((c[0], c[1], c[2]))
    use = data.get("use_palette", False)
    if not isinstance(use, bool):
        raise GuideError("guide.json: use_palette must be true or false")
    name = data.get("palette_name", "")
    ref = data.get("reference")
    if ref is not None and not (isinstance(ref, dict) and isinstance(ref.get("name"), str)
                                and isinstance(ref.get("file"), str)):
        raise GuideError("guide.json: the reference entry needs a name and a file")
    guide = ColourGuide(None, use and bool(clean), _clean_name(name if isinstance(name, str) else ""),
                        tuple(clean), _parse_family(data.get("suggestion")))
    return guide, ref


def _parse_family(row: Any) -> ColourFamily | None:
    """guide.json's "suggestion" entry (absent: None), checked like a colour-family file's rows."""
    if row is None:
        return None
    where = "guide.json: the suggestion"
    if not isinstance(row, dict):
        raise GuideError(f"{where} must be an object")
    name, colours, weights = row.get("name"), row.get("colours"), row.get("weights")
    if not (isinstance(name, str) and name.strip() and len(name) <= MAX_FAMILY_NAME
            and name.isprintable()):
        raise GuideError(f"{where} needs a printable name of 1..{MAX_FAMILY_NAME} characters")
    if not (isinstance(colours, list) and 1 <= len(colours) <= PALETTE_SIZE and all(
            isinstance(c, list) and len(c) == 3 and all(is_int(v) and 0 <= v <= 255 for v in c)
            for c in colours)):
        raise GuideError(f"{where} ({short(name)}): colours must be 1..{PALETTE_SIZE} [r, g, b]")
    if not (isinstance(weights, list) and len(weights) == len(colours)
            and all(is_number(w) and 0 < w <= 1 for w in weights)
            and abs(sum(weights) - 1.0) <= 0.01):
        raise GuideError(f"{where} ({short(name)}): weights must be one share per colour, "
                         f"summing to 1")
    pictures = row.get("pictures", 0)
    if not (is_int(pictures) and pictures >= 0):
        raise GuideError(f"{where} ({short(name)}): pictures must be a whole number")
    return ColourFamily(name.strip(), tuple((int(c[0]), int(c[1]), int(c[2])) for c in colours),
                        tuple(float(w) for w in weights), int(pictures))


def _clean_name(name: str) -> str:
    """A file name for display and metadata: no control characters, bounded length."""
    return "".join(ch for ch in str(name) if ch.isprintable())[:MAX_NAME]
