"""Colour hints as data: strokes (points, width, RGB, pressure), JSON files, RGBA hint PNGs.

One rasteriser serves the app, the CLI and training, so they never disagree about the
hint channels. A raster hint is an RGB image plus a mask; the model sees both.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .errors import BadHintsError

HINTS_FORMAT = "ganime-hints"
HINTS_VERSION = 1
MAX_STROKES = 100_000
MAX_POINTS = 1_000_000

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Stroke:
    """A hint stroke in the sketch's pixel coordinates.

    ``width`` is the brush diameter in pixels at pressure 1; ``pressures`` (optional, one per
    point, 0..1) scale it. An ``erase`` stroke removes hints under it instead of adding colour.
    """

    points: tuple[tuple[float, float], ...]
    color: RGB = (0, 0, 0)
    width: float = 8.0
    pressures: tuple[float, ...] | None = None
    erase: bool = False

    def __post_init__(self) -> None:
        if not self.points:
            raise BadHintsError("a hint stroke needs at least one point")
        if self.pressures is not None and len(self.pressures) != len(self.points):
            raise BadHintsError("a hint stroke needs one pressure per point")
        if not all(0 <= int(c) <= 255 for c in self.color) or len(self.color) != 3:
            raise BadHintsError(f"hint colour must be three values 0..255, got {self.color!r}")
        if not (math.isfinite(self.width) and self.width > 0):
            raise BadHintsError(f"hint width must be a positive number, got {self.width!r}")
        for x, y in self.points:
            if not (math.isfinite(x) and math.isfinite(y)):
                raise BadHintsError("hint stroke points must be finite numbers")

    def to_dict(self) -> dict:
        d: dict = {"points": [[round(x, 2), round(y, 2)] for x, y in self.points],
                   "color": "#{:02x}{:02x}{:02x}".format(*(int(c) for c in self.color)),
                   "width": round(self.width, 3)}
        if self.pressures is not None:
            d["pressures"] = [round(p, 4) for p in self.pressures]
        if self.erase:
            d["erase"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Stroke:
        try:
            points = tuple((float(x), float(y)) for x, y in d["points"])
            pressures = d.get("pressures")
            return cls(points=points, color=parse_color(d.get("color", "#000000")),
                       width=float(d.get("width", 8.0)),
                       pressures=None if pressures is None else tuple(float(p) for p in pressures),
                       erase=bool(d.get("erase", False)))
        except BadHintsError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise BadHintsError(f"invalid hint stroke: {exc}") from None


def parse_color(value: str | Sequence[int]) -> RGB:
    """``"#rrggbb"`` or ``[r, g, b]`` -> an RGB tuple."""
    if isinstance(value, str):
        s = value.strip().lstrip("#")
        if len(s) != 6:
            raise BadHintsError(f"colour must look like #rrggbb, got {value!r}")
        try:
            return int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)
        except ValueError:
            raise BadHintsError(f"colour must look like #rrggbb, got {value!r}") from None
    vals = tuple(int(v) for v in value)
    if len(vals) != 3:
        raise BadHintsError(f"colour must have three components, got {value!r}")
    return vals  # type: ignore[return-value]


@dataclass(frozen=True)
class HintSet:
    """An ordered list of strokes plus the size (width, height) of the frame they live in."""

    strokes: tuple[Stroke, ...] = ()
    size: tuple[int, int] | None = None

    def to_json(self) -> str:
        doc = {"format": HINTS_FORMAT, "version": HINTS_VERSION,
               "size": list(self.size) if self.size else None,
               "strokes": [s.to_dict() for s in self.strokes]}
        return json.dumps(doc, indent=1)

    @classmethod
    def from_json(cls, text: str) -> HintSet:
        try:
            doc = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadHintsError(f"hint file is not valid JSON: {exc}") from None
        if isinstance(doc, list):  # a bare list of strokes is accepted too
            doc = {"strokes": doc}
        if not isinstance(doc, dict) or not isinstance(doc.get("strokes", []), list):
            raise BadHintsError("hint JSON must be an object with a 'strokes' list")
        if doc.get("format", HINTS_FORMAT) != HINTS_FORMAT:
            raise BadHintsError(f"not a GANime hint file (format {doc.get('format')!r})")
        if int(doc.get("version", 1)) > HINTS_VERSION:
            raise BadHintsError(f"hint file version {doc['version']} is newer than this GANime")
        strokes = doc.get("strokes", [])
        if not all(isinstance(s, dict) for s in strokes):
            raise BadHintsError("each hint stroke must be an object")
        if len(strokes) > MAX_STROKES or sum(len(s.get("points") or ()) for s in strokes) > MAX_POINTS:
            raise BadHintsError("hint file holds too many strokes or points")
        size = doc.get("size")
        try:
            size_t = (int(size[0]), int(size[1])) if size else None
        except (TypeError, ValueError, IndexError):
            raise BadHintsError(f"invalid hint canvas size {size!r}") from None
        return cls(tuple(Stroke.from_dict(s) for s in strokes), size_t)

    @classmethod
    def load(cls, path: str | Path) -> HintSet:
        try:
            return cls.from_json(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise BadHintsError(f"cannot read hint file {path}: {exc.strerror or exc}") from None

    def save(self, path: str | Path) -> None:
        from .imageio import atomic_write_bytes

        atomic_write_bytes(path, self.to_json().encode("utf-8"))


@dataclass
class HintRaster:
    """Raster hints: ``rgb`` uint8 HxWx3 and ``mask`` bool HxW (True where a hint is)."""

    rgb: np.ndarray
    mask: np.ndarray = field(repr=False)

    @classmethod
    def empty(cls, width: int, height: int) -> HintRaster:
        return cls(np.zeros((height, width, 3), np.uint8), np.zeros((height, width), bool))

    @property
    def size(self) -> tuple[int, int]:
        return self.mask.shape[1], self.mask.shape[0]

    def to_rgba(self) -> np.ndarray:
        """The RGBA hint-PNG form: alpha 255 where hinted, 0 elsewhere."""
        alpha = np.where(self.mask, 255, 0).astype(np.uint8)
        return np.dstack([self.rgb * self.mask[..., None], alpha]).astype(np.uint8)

    @classmethod
    def from_rgba(cls, rgba: np.ndarray) -> HintRaster:
        if rgba.ndim != 3 or rgba.shape[2] != 4:
            raise BadHintsError("a hint image needs an alpha channel (RGBA); "
                                "paint hints on a transparent layer")
        mask = rgba[..., 3] > 0
        return cls(np.ascontiguousarray(rgba[..., :3]), mask)

    def resized(self, width: int, height: int) -> HintRaster:
        """Resample to another size without losing thin strokes (coverage > 0 keeps a hint)."""
        if (width, height) == self.size:
            return self
        m = self.mask.astype(np.float32)
        interp = cv2.INTER_AREA if width < self.size[0] else cv2.INTER_NEAREST
        cover = cv2.resize(m, (width, height), interpolation=interp)
        weighted = cv2.resize(self.rgb.astype(np.float32) * m[..., None], (width, height),
                              interpolation=interp)
        mask = cover > 0.2
        rgb = weighted / np.maximum(cover, 1e-6)[..., None]
        rgb = np.where(mask[..., None], np.clip(np.rint(rgb), 0, 255), 0).astype(np.uint8)
        return HintRaster(rgb, mask)


def rasterize(strokes: Iterable[Stroke] | HintSet, width: int, height: int,
              scale: float = 1.0) -> HintRaster:
    """Draw strokes into a ``width`` x ``height`` raster; stroke coordinates are multiplied by ``scale``.

    Strokes are drawn in order; later strokes cover earlier ones and erase strokes clear them.
    Every stroke leaves at least a one-pixel mark, so small hints survive downscaling.
    """
    if isinstance(strokes, HintSet):
        strokes = strokes.strokes
    rgb = np.zeros((height, width, 3), np.uint8)
    mask = np.zeros((height, width), np.uint8)
    for s in strokes:
        color = (0, 0, 0) if s.erase else tuple(int(c) for c in s.color)
        value = 0 if s.erase else 1
        pts = np.asarray(s.points, np.float64) * scale
        press = np.ones(len(pts)) if s.pressures is None else np.clip(np.asarray(s.pressures), 0.05, 1)
        radii = np.maximum(s.width * scale * press / 2.0, 0.5)
        for i, (x, y) in enumerate(pts):
            c = (int(round(x)), int(round(y)))
            r = max(int(round(radii[i])), 0)
            cv2.circle(rgb, c, r, color, -1, cv2.LINE_8)
            cv2.circle(mask, c, r, value, -1, cv2.LINE_8)
            if i:
                p0 = (int(round(pts[i - 1][0])), int(round(pts[i - 1][1])))
                t = max(int(round(radii[i - 1] + radii[i])), 1)
                cv2.line(rgb, p0, c, color, t, cv2.LINE_8)
                cv2.line(mask, p0, c, value, t, cv2.LINE_8)
    return HintRaster(rgb, mask.astype(bool))


def load_hints(path: str | Path, width: int, height: int) -> HintRaster:
    """Load a stroke JSON or an RGBA hint PNG for a sketch of ``width`` x ``height`` pixels."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        hs = HintSet.load(path)
        scale = 1.0
        if hs.size and hs.size != (width, height):
            scale = width / hs.size[0]
        return rasterize(hs, width, height, scale)
    from .imageio import BadImageError, load_image

    try:
        img = load_image(path)
    except BadImageError as exc:
        raise BadHintsError(f"cannot read hint image: {exc}") from None
    if img.alpha is None:
        raise BadHintsError(f"{path.name}: a hint PNG needs transparency (hints are the "
                            "painted pixels of a transparent layer)")
    raster = HintRaster.from_rgba(np.dstack([img.rgb, img.alpha]))
    return raster.resized(width, height)
