"""Barrier strokes: invisible lines that only the region segmentation sees.

An artist draws a barrier across a gap the gap-closing size does not close (or through a
region that should be two); the colour never shows it, but ``segment`` treats it as ink. A
barrier is a polyline with a width in the sketch's pixel coordinates. It is rasterised with the
same anti-alias free, clipped geometry as hint strokes (``ganime_core.inputs.hints.rasterize``), so a
brush of 1e9 px or a point at 1e12 never reaches OpenCV, and burnt into the line art with
``apply`` before segmenting.

Files (and the ``barriers`` entry of a project) hold::

    {"format": "ganime-barriers", "version": 1,
     "barriers": [{"points": [[x, y], ...], "width": 3.0}, ...]}

Every problem with such data is a :class:`BadBarriersError` (a ``BadHintsError``) that names
where the data came from.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ganime_core.errors import BadBarriersError, GanimeError
from ganime_core.io.imageio import LoadedImage, load_image
from ganime_core.io.jsonsafe import is_int, is_number, parse_json, read_file, short

from .hints import MAX_COORD, MAX_POINTS, MAX_SIDE, Stroke
from .hints import rasterize as rasterize_strokes

BARRIERS_FORMAT = "ganime-barriers"
BARRIERS_VERSION = 1
MAX_BARRIERS = 100_000
MAX_BARRIER_FILE_BYTES = 64 * 1024**2
DEFAULT_WIDTH = 3.0


@dataclass(frozen=True)
class Barrier:
    """An invisible polyline of diameter ``width`` px, in the sketch's pixel coordinates.

    ``points`` may be any sequence of (x, y) pairs (or an N x 2 array); it is stored as a tuple
    of float pairs. Invalid values raise :class:`BadBarriersError`.
    """

    points: tuple[tuple[float, float], ...]
    width: float = DEFAULT_WIDTH

    def __post_init__(self) -> None:
        if isinstance(self.points, np.ndarray):  # an N x 2 array from a drawing tool
            object.__setattr__(self, "points", self.points.tolist())
        if isinstance(self.points, str | bytes) or not isinstance(self.points, Sequence) \
                or not self.points:
            raise BadBarriersError("a barrier needs at least one [x, y] point")
        if len(self.points) > MAX_POINTS:
            raise BadBarriersError(f"a barrier has more than {MAX_POINTS} points")
        if not _real(self.width) or not 0 < self.width <= MAX_COORD:
            raise BadBarriersError(f"barrier width must be a positive number up to "
                                   f"{MAX_COORD:.0f} px, got {short(self.width)}")
        for p in self.points:
            if not (isinstance(p, Sequence) and len(p) == 2 and all(_real(v) for v in p)):
                raise BadBarriersError(f"barrier points must be [x, y] number pairs, got {short(p)}")
            if max(abs(p[0]), abs(p[1])) > MAX_COORD:
                raise BadBarriersError(f"a barrier point lies {max(abs(p[0]), abs(p[1])):.3g} px "
                                       f"away, beyond any canvas (limit {MAX_COORD:.0f} px)")
        # store plain floats, so equal barriers compare equal and hash alike
        object.__setattr__(self, "points", tuple((float(x), float(y)) for x, y in self.points))
        object.__setattr__(self, "width", float(self.width))

    def to_dict(self) -> dict[str, Any]:
        return {"points": [[round(float(x), 2), round(float(y), 2)] for x, y in self.points],
                "width": round(float(self.width), 3)}


def _barrier_from(obj: object) -> Barrier:
    """One barrier object -> Barrier (type errors become BadBarriersError, without the source)."""
    if not isinstance(obj, dict):
        raise BadBarriersError("each barrier must be an object")
    points = obj.get("points")
    if not isinstance(points, list) or not points:
        raise BadBarriersError("a barrier needs a non-empty 'points' list")
    if not all(isinstance(p, list) and len(p) == 2 and all(is_number(v) for v in p) for p in points):
        raise BadBarriersError("barrier points must be [x, y] pairs of finite numbers")
    width = obj.get("width", DEFAULT_WIDTH)
    if not is_number(width):
        raise BadBarriersError(f"barrier width must be a number, got {short(width)}")
    return Barrier(tuple((float(x), float(y)) for x, y in points), float(width))


def _barrier_list(doc: object) -> list[object]:
    """The list of barrier objects of a document (a bare list is accepted too)."""
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, dict):
        raise BadBarriersError("barrier data must be an object with a 'barriers' list")
    if doc.get("format", BARRIERS_FORMAT) != BARRIERS_FORMAT:
        raise BadBarriersError(f"not GANime barrier data (format {short(doc.get('format'))})")
    version = doc.get("version", BARRIERS_VERSION)
    if not is_int(version):
        raise BadBarriersError(f"barrier data version must be a whole number, got {short(version)}")
    if version > BARRIERS_VERSION:
        raise BadBarriersError(f"barrier data version {version} is newer than this GANime")
    items = doc.get("barriers", [])
    if not isinstance(items, list):
        raise BadBarriersError("barrier data's 'barriers' must be a list")
    return items


def from_json(obj: object, source: str = "barrier data") -> list[Barrier]:
    """Barriers from parsed JSON (``dict`` or bare ``list``) or JSON text/bytes.

    Every problem raises :class:`BadBarriersError` whose message starts with ``source``.
    """
    try:
        if isinstance(obj, str | bytes | bytearray):
            obj = parse_json(bytes(obj) if isinstance(obj, bytearray) else obj, "barrier data",
                             BadBarriersError)
        items = _barrier_list(obj)
        if len(items) > MAX_BARRIERS:
            raise BadBarriersError(f"more than {MAX_BARRIERS} barriers")
        total = sum(len(b["points"]) for b in items
                    if isinstance(b, dict) and isinstance(b.get("points"), list))
        if total > MAX_POINTS:
            raise BadBarriersError(f"more than {MAX_POINTS} barrier points in all")
        return [_barrier_from(b) for b in items]
    except BadBarriersError as exc:
        raise BadBarriersError(f"{source}: {exc}") from None


def to_json(barriers: Iterable[Barrier]) -> dict[str, Any]:
    """The JSON object (for a file or a project entry) holding ``barriers``."""
    return {"format": BARRIERS_FORMAT, "version": BARRIERS_VERSION,
            "barriers": [b.to_dict() for b in barriers]}


def load(path: str | Path) -> list[Barrier]:
    """Read a barrier file; errors name the file."""
    path = Path(path)
    data = read_file(path, MAX_BARRIER_FILE_BYTES, "barrier file", BadBarriersError)
    return from_json(data, path.name)


def save(path: str | Path, barriers: Iterable[Barrier]) -> Path:
    """Write ``barriers`` to ``path`` atomically (a crash leaves the old file or the new one)."""
    import json

    from ganime_core.io.imageio import atomic_write_bytes

    return atomic_write_bytes(path, json.dumps(to_json(barriers), indent=1).encode("utf-8"))


def rasterize(barriers: Iterable[Barrier], width: int, height: int,
              scale: float = 1.0) -> np.ndarray:
    """bool ``height`` x ``width``: True under the barriers (coordinates multiplied by ``scale``).

    Anti-alias free thick polylines with round joints, drawn and clipped exactly like hint
    strokes: brushes wider than the canvas and points far off it are clipped, never passed on.
    """
    if not (is_int(width) and is_int(height) and 0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ValueError(f"canvas size must be positive whole numbers, got {width!r} x {height!r}")
    if not (is_number(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    strokes = [Stroke(b.points, (255, 255, 255), b.width) for b in barriers]
    if not strokes:
        return np.zeros((height, width), bool)
    return rasterize_strokes(strokes, width, height, scale).mask


def apply(lines: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Line art (float32 HxW in [0, 1], 1 = paper) with ink (0) wherever ``mask`` is set.

    Returns a new array (the input is not changed); ``mask`` must have the line art's shape.
    """
    lines = np.asarray(lines)
    if lines.ndim != 2:
        raise ValueError(f"line art must be a 2-D grey image, got shape {lines.shape}")
    out = lines.astype(np.float32, copy=True)
    if mask is None:
        return out
    mask = np.asarray(mask, bool)
    if mask.shape != lines.shape:
        raise ValueError(f"barrier mask {mask.shape} does not match the line art {lines.shape}")
    out[mask] = 0.0
    return out


def _real(value: object) -> bool:
    """A finite real number (Python or NumPy), not a boolean."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


# -- masks: what the API burns into the line art it segments ---------------------------------

BarriersLike = np.ndarray | LoadedImage | str | Path | None


def barrier_mask(barriers: BarriersLike, width: int, height: int) -> np.ndarray | None:
    """bool ``height`` x ``width`` barrier mask, or None when there is none.

    A bool array is the mask; a grey, RGB or RGBA array or a picture file (PNG) marks its dark
    (< 128), opaque (alpha > 127) pixels. The size must be the picture's; errors name the file.
    """
    if barriers is None:
        return None
    name = "barrier mask"
    if isinstance(barriers, str | Path | LoadedImage):
        name = f"barrier file {barriers}" if not isinstance(barriers, LoadedImage) else name
        try:
            img = barriers if isinstance(barriers, LoadedImage) else load_image(barriers)
        except GanimeError as exc:
            raise GanimeError(f"barriers: {exc}") from None
        arr = img.rgb if img.alpha is None else np.dstack([img.rgb, img.alpha])
    else:
        arr = np.asarray(barriers)
    if arr.ndim == 3 and arr.shape[2] in (3, 4) and arr.dtype != bool:
        grey = cv2.cvtColor(np.ascontiguousarray(arr[..., :3], np.uint8), cv2.COLOR_RGB2GRAY)
        mask = (grey < 128) & (arr[..., 3] > 127) if arr.shape[2] == 4 else grey < 128
    elif arr.ndim == 2 and arr.dtype == bool:
        mask = arr
    elif arr.ndim == 2 and np.issubdtype(arr.dtype, np.number):
        mask = arr < (0.5 if np.issubdtype(arr.dtype, np.floating) and arr.max(initial=0) <= 1.0 else 128)
    else:
        raise GanimeError(f"{name}: expected a bool, grey, RGB or RGBA image, got shape {arr.shape} {arr.dtype}")
    if mask.shape != (height, width):
        raise GanimeError(f"{name} is {mask.shape[1]}x{mask.shape[0]} px but the picture is {width}x{height}")
    return mask if mask.any() else None


_SQUARE2 = np.ones((2, 2), np.uint8)


def thicken(mask: np.ndarray) -> np.ndarray:
    """A mask grown by one px (2x2), so a diagonal one-pixel barrier has no 8-connected leak."""
    return cv2.dilate(mask.view(np.uint8), _SQUARE2).view(bool)


def shrink(mask: np.ndarray, w: int, h: int) -> np.ndarray:
    """The barrier at the working size: every working pixel it touches, thickened."""
    cover = cv2.resize(mask.view(np.uint8), (w, h), interpolation=cv2.INTER_AREA) > 0
    return thicken(cover)


__all__ = ["BARRIERS_FORMAT", "BadBarriersError", "Barrier", "BarriersLike", "apply", "barrier_mask",
           "from_json", "load", "rasterize", "save", "shrink", "thicken", "to_json"]
