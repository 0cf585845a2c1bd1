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

from ganime_core.errors import BadHintsError
from ganime_core.io.jsonsafe import is_int, parse_json, read_file, short

HINTS_FORMAT = "ganime-hints"
HINTS_VERSION = 1
MAX_STROKES = 100_000
MAX_POINTS = 1_000_000
MAX_COORD = 10_000_000.0  # |x|, |y| and brush width beyond this are refused as nonsense
MAX_SIDE = 10_000_000  # the largest canvas side a hint file may name
MAX_HINT_FILE_BYTES = 64 * 1024**2  # 1M points with pressures fit in about 30 MB
_CV_MAX_THICKNESS = 32_767  # OpenCV's limit for cv2.line
_CLIP_REACH = 1 << 17  # px off the canvas beyond which stroke geometry is clipped

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
        if len(self.points) > MAX_POINTS:
            raise BadHintsError(f"a hint stroke has more than {MAX_POINTS} points")
        if self.pressures is not None and len(self.pressures) != len(self.points):
            raise BadHintsError("a hint stroke needs one pressure per point")
        try:
            color_ok = len(self.color) == 3 and all(0 <= int(c) <= 255 for c in self.color)
        except (TypeError, ValueError, OverflowError):
            color_ok = False
        if not color_ok:
            raise BadHintsError(f"hint colour must be three values 0..255, got {short(self.color)}")
        try:
            width = float(self.width)
        except (TypeError, ValueError, OverflowError):
            width = math.nan
        if not (math.isfinite(width) and 0 < width <= MAX_COORD):
            raise BadHintsError(f"hint width must be a positive number up to {MAX_COORD:.0f} px, "
                                f"got {short(self.width)}")
        pts = _float_array(self.points, "hint stroke points")
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise BadHintsError("hint stroke points must be [x, y] pairs")
        if not np.isfinite(pts).all():
            raise BadHintsError("hint stroke points must be finite numbers")
        if np.abs(pts).max() > MAX_COORD:
            raise BadHintsError(f"a hint stroke point lies {np.abs(pts).max():.3g} px away, "
                                f"beyond any canvas (limit {MAX_COORD:.0f} px)")
        if self.pressures is not None:
            press = _float_array(self.pressures, "hint stroke pressures")
            if press.ndim != 1 or not np.isfinite(press).all():
                raise BadHintsError("hint stroke pressures must be finite numbers")

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
        if not isinstance(d, dict):
            raise BadHintsError("each hint stroke must be an object")
        try:
            raw_points = d["points"]
            if not isinstance(raw_points, list):
                raise BadHintsError("a hint stroke's points must be a list of [x, y] pairs")
            points = tuple((float(x), float(y)) for x, y in raw_points)
            pressures = d.get("pressures")
            if pressures is not None and not isinstance(pressures, list):
                raise BadHintsError("a hint stroke's pressures must be a list of numbers")
            erase = d.get("erase", False)
            if not isinstance(erase, bool):
                raise BadHintsError("a hint stroke's 'erase' must be true or false")
            return cls(points=points, color=parse_color(d.get("color", "#000000")),
                       width=float(d.get("width", 8.0)),
                       pressures=None if pressures is None else tuple(float(p) for p in pressures),
                       erase=erase)
        except BadHintsError:
            raise
        except KeyError:
            raise BadHintsError("a hint stroke has no 'points'") from None
        except (TypeError, ValueError, OverflowError) as exc:
            raise BadHintsError(f"invalid hint stroke: {str(exc)[:80]}") from None


def _float_array(values: object, what: str) -> np.ndarray:
    try:
        return np.asarray(values, np.float64)
    except (TypeError, ValueError, OverflowError):
        raise BadHintsError(f"{what} must be numbers") from None


def parse_color(value: str | Sequence[int]) -> RGB:
    """``"#rrggbb"`` or ``[r, g, b]`` -> an RGB tuple."""
    if isinstance(value, str):
        s = value.strip().lstrip("#")
        if len(s) != 6:
            raise BadHintsError(f"colour must look like #rrggbb, got {short(value)}")
        try:
            return int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)
        except ValueError:
            raise BadHintsError(f"colour must look like #rrggbb, got {short(value)}") from None
    try:
        vals = tuple(int(v) for v in value)
    except (TypeError, ValueError, OverflowError):
        raise BadHintsError(f"colour must be #rrggbb or [r, g, b], got {short(value)}") from None
    if len(vals) != 3 or not all(0 <= v <= 255 for v in vals):
        raise BadHintsError(f"colour must have three components 0..255, got {short(value)}")
    return vals


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
    def from_json(cls, text: str | bytes) -> HintSet:
        """Parse a stroke JSON (text or UTF-8 bytes); every problem is a :class:`BadHintsError`."""
        doc = parse_json(text, "hint file", BadHintsError)
        if isinstance(doc, list):  # a bare list of strokes is accepted too
            doc = {"strokes": doc}
        if not isinstance(doc, dict) or not isinstance(doc.get("strokes", []), list):
            raise BadHintsError("hint JSON must be an object with a 'strokes' list")
        if doc.get("format", HINTS_FORMAT) != HINTS_FORMAT:
            raise BadHintsError(f"not a GANime hint file (format {short(doc.get('format'))})")
        version = doc.get("version", 1)
        if not is_int(version):
            raise BadHintsError(f"hint file version must be a whole number, got {short(version)}")
        if version > HINTS_VERSION:
            raise BadHintsError(f"hint file version {version} is newer than this GANime")
        strokes = doc.get("strokes", [])
        if not all(isinstance(s, dict) for s in strokes):
            raise BadHintsError("each hint stroke must be an object")
        if not all(isinstance(s.get("points"), list) for s in strokes):
            raise BadHintsError("each hint stroke needs a 'points' list")
        if len(strokes) > MAX_STROKES or sum(len(s["points"]) for s in strokes) > MAX_POINTS:
            raise BadHintsError("hint file holds too many strokes or points")
        return cls(tuple(Stroke.from_dict(s) for s in strokes), _canvas_size(doc.get("size")))

    @classmethod
    def load(cls, path: str | Path) -> HintSet:
        """Read a stroke JSON file; errors name the file."""
        path = Path(path)
        data = read_file(path, MAX_HINT_FILE_BYTES, "hint file", BadHintsError)
        try:
            return cls.from_json(data)
        except BadHintsError as exc:
            raise BadHintsError(f"{path.name}: {exc}") from None

    def save(self, path: str | Path) -> None:
        from ganime_core.io.imageio import atomic_write_bytes

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


def _canvas_size(size: object) -> tuple[int, int] | None:
    """A hint file's ``size``: None, or [w, h] whole numbers 1..MAX_SIDE."""
    if size is None:
        return None
    if not (isinstance(size, list) and len(size) == 2 and all(is_int(v) and 0 < v <= MAX_SIDE for v in size)):
        raise BadHintsError(f"hint canvas size must be [width, height] in pixels, got {short(size)}")
    return size[0], size[1]


def _clip_segment(p0: np.ndarray, p1: np.ndarray, lo: float, hi: tuple[float, float]
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """The part of p0-p1 inside the box [lo, hi[0]] x [lo, hi[1]] (Liang-Barsky), or None."""
    d = p1 - p0
    t0, t1 = 0.0, 1.0
    for p, q in ((-d[0], p0[0] - lo), (d[0], hi[0] - p0[0]), (-d[1], p0[1] - lo), (d[1], hi[1] - p0[1])):
        if p == 0:
            if q < 0:
                return None
            continue
        r = q / p
        if p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
        if t0 > t1:
            return None
    return p0 + t0 * d, p0 + t1 * d


def rasterize(strokes: Iterable[Stroke] | HintSet, width: int, height: int,
              scale: float = 1.0) -> HintRaster:
    """Draw strokes into a ``width`` x ``height`` raster; stroke coordinates are multiplied by ``scale``.

    Strokes are drawn in order; later strokes cover earlier ones and erase strokes clear them.
    Every stroke leaves at least a one-pixel mark, so small hints survive downscaling. Brushes
    wider than the canvas and points far off it are clipped to the canvas (what they cover of
    it is drawn exactly), so no stroke can make the rasteriser fail.
    """
    if isinstance(strokes, HintSet):
        strokes = strokes.strokes
    rgb = np.zeros((height, width, 3), np.uint8)
    mask = np.zeros((height, width), np.uint8)
    # Beyond ``reach`` from the canvas nothing can touch it: points farther out are clipped, brushes
    # wider are capped. It is a fixed, generous distance (not the canvas size), so that drawing a
    # stroke into a patch of the canvas (the app's hint layer) gives the same pixels as drawing
    # it into the whole canvas for every stroke an artist can make.
    reach = max(math.hypot(width, height) + 2.0, float(_CLIP_REACH))
    lo, hi = -reach, (width + reach, height + reach)
    for s in strokes:
        color = (0, 0, 0) if s.erase else tuple(int(c) for c in s.color)
        value = 0 if s.erase else 1
        pts = np.asarray(s.points, np.float64) * scale
        press = np.ones(len(pts)) if s.pressures is None else np.clip(np.asarray(s.pressures, np.float64), 0.05, 1)
        radii = np.clip(s.width * scale * press / 2.0, 0.5, reach)
        inside = ((pts[:, 0] >= lo) & (pts[:, 0] <= hi[0])
                  & (pts[:, 1] >= lo) & (pts[:, 1] <= hi[1]))
        for i in range(len(pts)):
            r = max(int(round(radii[i])), 0)
            if inside[i]:  # a circle centred farther off the canvas than ``reach`` cannot touch it
                c = (int(round(pts[i][0])), int(round(pts[i][1])))
                cv2.circle(rgb, c, r, color, -1, cv2.LINE_8)
                cv2.circle(mask, c, r, value, -1, cv2.LINE_8)
            if not i:
                continue
            seg = (pts[i - 1], pts[i]) if inside[i - 1] and inside[i] else _clip_segment(pts[i - 1], pts[i], lo, hi)
            if seg is None:
                continue
            a = (int(round(seg[0][0])), int(round(seg[0][1])))
            b = (int(round(seg[1][0])), int(round(seg[1][1])))
            t = min(max(int(round(radii[i - 1] + radii[i])), 1), _CV_MAX_THICKNESS)
            cv2.line(rgb, a, b, color, t, cv2.LINE_8)
            cv2.line(mask, a, b, value, t, cv2.LINE_8)
    return HintRaster(rgb, mask.astype(bool))


def rasterize_set(hints: HintSet, width: int, height: int) -> HintRaster:
    """A hint set drawn on a ``width`` x ``height`` sketch: strokes saved on a canvas of another
    size (the set's ``size``) are scaled to this one."""
    scale = width / hints.size[0] if hints.size and hints.size[0] else 1.0
    return rasterize(hints, width, height, scale)


def load_hints(path: str | Path, width: int, height: int) -> HintRaster:
    """Load a stroke JSON or an RGBA hint PNG for a sketch of ``width`` x ``height`` pixels."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return rasterize_set(HintSet.load(path), width, height)
    from ganime_core.io.imageio import BadImageError, load_image

    try:
        img = load_image(path)
    except BadImageError as exc:
        raise BadHintsError(f"cannot read hint image: {exc}") from None
    if img.alpha is None:
        raise BadHintsError(f"{path.name}: a hint PNG needs transparency (hints are the "
                            "painted pixels of a transparent layer)")
    raster = HintRaster.from_rgba(np.dstack([img.rgb, img.alpha]))
    return raster.resized(width, height)


#: Every form hints can be given in.
HintsLike = HintSet | Sequence[Stroke] | HintRaster | np.ndarray | str | Path | None


def as_hint_raster(hints: HintsLike, width: int, height: int,
                 to: tuple[int, int] | None = None) -> HintRaster | None:
    """Any hint form -> a raster at the sketch's full size, or None when there are no hints.

    ``to``: (w, h) to rasterise at instead (strokes are drawn there directly, not drawn at full
    size and shrunk).
    """
    if hints is None:
        return None
    tw, th = to or (width, height)
    if isinstance(hints, str | Path):
        hints = load_hints(hints, width, height)
    if isinstance(hints, np.ndarray):
        hints = HintRaster.from_rgba(hints)
    if isinstance(hints, HintRaster):
        return hints.resized(tw, th) if hints.mask.any() else None
    if isinstance(hints, HintSet):
        scale = width / hints.size[0] if hints.size else 1.0
        strokes: Sequence[Stroke] = hints.strokes
    else:
        scale, strokes = 1.0, hints
    if not strokes:
        return None
    raster = rasterize(strokes, tw, th, scale * tw / width)
    return raster if raster.mask.any() else None
