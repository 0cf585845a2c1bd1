"""A character file (``NAME.ganime-character``): one character's colours per part, what matching
needs to find them again in new line art, and a small thumbnail.

One safetensors file (arrays only, no pickle; the safetensors reader checks the header's
offsets) whose metadata says ``format: ganime-character`` and ``format_version``. Every array's
kind, shape and range is checked on reading; anything wrong raises :class:`CharacterFileError`
naming the file, never a numpy, safetensors or JSON error. Writes are atomic.

Arrays (``n`` regions, ``P`` parts, labels and parts indexed from 0 = unused / paper):

=============  ===============  ==========================================================
``lines``      uint8 (h, w)     the reference's working-size line art (255 = paper)
``labels``     int32 (h, w)     its closed regions, 1..n
``own_lab``    float32 (n+1,3)  each region's own colour (median CIE Lab off the lines)
``part``       int32 (n+1,)     each region's part (0: the paper around the figure)
``part_lab``   float32 (P+1,3)  each part's colour
``net_lab``    float32 (n+1,3)  the colour network's unhinted colour per region
``emb``        float32 (n+1,d)  the part embeddings (optional)
``thumbnail``  uint8 (th,tw,3)  the reference picture, long side at most 256 px
``palette``    float32 (m, 4)   its main colours (Lab + weight, the colour guide of ``--reference``)
=============  ===============  ==========================================================

Metadata: ``name``, ``generator`` (SHA-256 of the colour model that gave ``net_lab`` / ``emb``),
``box`` (JSON [x0, y0, x1, y1]: the figure's box in the line art's pixels).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganime_core.errors import GanimeError
from ganime_core.inputs.encoding import PALETTE_SIZE
from ganime_core.io.jsonsafe import parse_json, read_file

FORMAT = "ganime-character"
FORMAT_VERSION = 1
SUFFIX = ".ganime-character"
MAX_BYTES = 64 * 1024 * 1024
MAX_SIDE = 4096  # px of the stored line art
MAX_REGIONS = 1 << 16
MAX_PARTS = 4096
MAX_EMBED = 512
MAX_THUMB = 256
MAX_NAME = 200
ARRAYS = ("lines", "labels", "own_lab", "part", "part_lab", "net_lab", "thumbnail", "palette")


class CharacterFileError(GanimeError):
    """A character file is missing, unreadable, of another kind or version, or inconsistent; the
    message names the file."""


@dataclass
class CharacterFile:
    """One character (see the module's text for the fields)."""

    version: int
    name: str
    lines: np.ndarray  # float32 (h, w) in [0, 1] in memory
    labels: np.ndarray
    own_lab: np.ndarray
    part: np.ndarray
    part_lab: np.ndarray
    net_lab: np.ndarray
    emb: np.ndarray | None
    generator: str
    thumbnail: np.ndarray
    box: tuple[float, float, float, float]
    palette: np.ndarray  # (m, 4) float32 Lab + weight
    cache: dict = field(default_factory=dict, repr=False, compare=False)  # what matching derives, kept

    @property
    def n_regions(self) -> int:
        return int(self.own_lab.shape[0] - 1)

    @property
    def n_parts(self) -> int:
        return int(self.part_lab.shape[0] - 1)

    def part_colours(self) -> np.ndarray:
        """(P, 3) uint8 sRGB: the colour of each part 1..P."""
        from ganime_core.color import lab_to_rgb

        return lab_to_rgb(self.part_lab[1:])

    def tensors(self) -> dict[str, np.ndarray]:
        out = {"lines": np.clip(np.rint(self.lines * 255.0), 0, 255).astype(np.uint8),
               "labels": self.labels.astype(np.int32), "own_lab": self.own_lab.astype(np.float32),
               "part": self.part.astype(np.int32), "part_lab": self.part_lab.astype(np.float32),
               "net_lab": self.net_lab.astype(np.float32), "thumbnail": self.thumbnail.astype(np.uint8),
               "palette": self.palette.astype(np.float32)}
        if self.emb is not None:
            out["emb"] = self.emb.astype(np.float32)
        return {k: np.ascontiguousarray(v) for k, v in out.items()}

    def to_bytes(self) -> bytes:
        from safetensors.numpy import save

        meta = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "name": self.name[:MAX_NAME],
                "generator": self.generator, "box": json.dumps([float(v) for v in self.box])}
        check(self, "character")
        return save(self.tensors(), metadata=meta)


def save_character(character: CharacterFile, path: str | Path) -> Path:
    """Write ``character`` to ``path`` atomically."""
    from ganime_core.io.imageio import atomic_write_bytes

    return atomic_write_bytes(path, character.to_bytes())


def load_character(path: str | Path) -> CharacterFile:
    """Read a character file; :class:`CharacterFileError` naming it for anything wrong."""
    path = Path(path)
    data = read_file(path, MAX_BYTES, "character file", CharacterFileError)
    return character_from_bytes(data, path.name)


def character_from_bytes(data: bytes, name: str = "character file") -> CharacterFile:
    """A character file's bytes -> :class:`CharacterFile` (``name`` is what errors call it)."""
    from safetensors.numpy import load

    if len(data) > MAX_BYTES:
        raise CharacterFileError(f"{name}: too large for a character file")
    meta = _metadata(data, name)
    try:
        arrays = load(data)
    except Exception as exc:  # safetensors raises several unrelated types for bad files
        raise CharacterFileError(f"{name}: not a valid character file ({str(exc)[:120]})") from None
    missing = [k for k in ARRAYS if k not in arrays]
    if missing:
        raise CharacterFileError(f"{name}: the file lacks {', '.join(missing)}")
    unknown = sorted(set(arrays) - set(ARRAYS) - {"emb"})
    if unknown:
        raise CharacterFileError(f"{name}: unknown array {unknown[0][:40]!r}")
    lines = arrays["lines"]
    if lines.dtype != np.uint8:
        raise CharacterFileError(f"{name}: 'lines' must be uint8, not {lines.dtype}")
    box = parse_json(meta.get("box", "null"), f"{name}: metadata field 'box'", CharacterFileError)
    if not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, int | float) and not isinstance(v, bool)
                                                            and np.isfinite(v) for v in box)):
        raise CharacterFileError(f"{name}: metadata field 'box' must be four numbers")
    character = CharacterFile(
        version=FORMAT_VERSION, name="".join(c for c in meta.get("name", "") if c.isprintable())[:MAX_NAME],
        lines=lines.astype(np.float32) / 255.0, labels=arrays["labels"], own_lab=arrays["own_lab"],
        part=arrays["part"], part_lab=arrays["part_lab"], net_lab=arrays["net_lab"], emb=arrays.get("emb"),
        generator=meta.get("generator", "")[:128], thumbnail=arrays["thumbnail"],
        box=(float(box[0]), float(box[1]), float(box[2]), float(box[3])), palette=arrays["palette"])
    check(character, name)
    return character


def is_character_data(data: bytes) -> bool:
    """Whether ``data`` says it is a character file (its header names the format; the rest is
    checked when it is read)."""
    try:
        _metadata(data, "")
    except CharacterFileError as exc:
        return "version" in str(exc)  # a character file, of a version this GANime does not read
    return True


def _metadata(data: bytes, name: str) -> dict[str, str]:
    """The header's metadata, read before the arrays (a file of another kind stops here)."""
    if len(data) < 8:
        raise CharacterFileError(f"{name}: not a character file (too short)")
    size = int.from_bytes(data[:8], "little")
    if size <= 0 or size > min(len(data) - 8, 1024 * 1024):
        raise CharacterFileError(f"{name}: not a character file (bad header size)")
    header = parse_json(data[8:8 + size], f"{name}: the header", CharacterFileError)
    if not isinstance(header, dict):
        raise CharacterFileError(f"{name}: not a character file (the header is not an object)")
    meta = header.get("__metadata__")
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise CharacterFileError(f"{name}: not a character file (no text metadata)")
    if meta.get("format") != FORMAT:
        raise CharacterFileError(f"{name}: not a character file (no '{FORMAT}' format in its metadata)")
    version = meta.get("format_version", "")
    if not (version.isdigit() and 1 <= int(version[:6]) <= FORMAT_VERSION):
        raise CharacterFileError(f"{name}: character file version {version[:20]!r} is not supported "
                                 f"(this GANime reads 1..{FORMAT_VERSION})")
    return meta


def _need(ok: bool, name: str, what: str) -> None:
    if not ok:
        raise CharacterFileError(f"{name}: {what}")


def _finite_lab(arr: np.ndarray, rows: int, field: str, name: str) -> None:
    _need(arr.dtype == np.float32 and arr.shape == (rows, 3), name,
          f"'{field}' must be float32 ({rows}, 3), not {arr.dtype} {tuple(arr.shape)}")
    _need(bool(np.isfinite(arr).all()) and float(np.abs(arr).max(initial=0.0)) <= 200.0, name,
          f"'{field}' holds colours out of range")


def check(c: CharacterFile, name: str) -> None:
    """Every array's kind, shape and range, and that they agree with each other."""
    _need(c.lines.ndim == 2 and min(c.lines.shape) >= 8 and max(c.lines.shape) <= MAX_SIDE, name,
          f"'lines' must be 2-D, 8..{MAX_SIDE} px a side")
    _need(c.labels.dtype == np.int32 and c.labels.shape == c.lines.shape, name,
          "'labels' must be int32 of the line art's size")
    n = c.own_lab.shape[0] - 1 if c.own_lab.ndim == 2 else -1
    _need(0 <= n <= MAX_REGIONS, name, f"the file must have 0..{MAX_REGIONS} regions")
    low, high = (int(c.labels.min()), int(c.labels.max())) if c.labels.size else (0, 0)
    _need(low >= 0 and high <= n, name, f"'labels' must lie in 0..{n}")
    _finite_lab(c.own_lab, n + 1, "own_lab", name)
    _finite_lab(c.net_lab, n + 1, "net_lab", name)
    p = c.part_lab.shape[0] - 1 if c.part_lab.ndim == 2 else -1
    _need(0 <= p <= MAX_PARTS, name, f"the file must have 0..{MAX_PARTS} parts")
    _finite_lab(c.part_lab, p + 1, "part_lab", name)
    _need(c.part.dtype == np.int32 and c.part.shape == (n + 1,), name, f"'part' must be int32 ({n + 1},)")
    _need(bool(((c.part >= 0) & (c.part <= p)).all()), name, f"'part' must lie in 0..{p}")
    if c.emb is not None:
        _need(c.emb.dtype == np.float32 and c.emb.ndim == 2 and c.emb.shape[0] == n + 1
              and 1 <= c.emb.shape[1] <= MAX_EMBED, name, f"'emb' must be float32 ({n + 1}, 1..{MAX_EMBED})")
        _need(bool(np.isfinite(c.emb).all()) and float(np.abs(c.emb).max(initial=0.0)) <= 1.01, name,
              "'emb' must hold unit vectors")
    t = c.thumbnail
    _need(t.dtype == np.uint8 and t.ndim == 3 and t.shape[2] == 3 and min(t.shape[:2]) >= 1
          and max(t.shape[:2]) <= MAX_THUMB, name, f"'thumbnail' must be uint8 RGB, at most {MAX_THUMB} px")
    _need(all(np.isfinite(v) for v in c.box), name, "'box' must be four finite numbers")
    pal = c.palette
    _need(pal.dtype == np.float32 and pal.ndim == 2 and pal.shape[1] == 4 and 1 <= pal.shape[0] <= PALETTE_SIZE,
          name, f"'palette' must be float32 (1..{PALETTE_SIZE}, 4)")
    _need(bool(np.isfinite(pal).all()) and float(np.abs(pal).max()) <= 200.0 and bool((pal[:, 3] >= 0).all()),
          name, "'palette' holds colours out of range")
