"""Colour guides: GIMP ``.gpl`` palettes and reference pictures -> the model's colour code.

Qt-free and torch-free (the app, the CLI and the service share it). A guide is turned into a
palette of up to ``PALETTE_SIZE`` Lab colours with weights (``ganime_core.inputs.encoding``): a
``.gpl`` file's first colours with equal weights, or a reference picture's main colours by
k-means with their areas.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ganime_core.errors import GanimeError
from ganime_core.io.imageio import LoadedImage, composite_on_white, from_array, load_image

from .encoding import PALETTE_SIZE, palette_from_colors, palette_from_image

MAX_SWATCHES = 1024
MAX_GPL_BYTES = 4 * 1024 * 1024
MAX_NAME = 200  # characters kept of a palette's or a swatch's name
RGB = tuple[int, int, int]
PaletteLike = str | Path | np.ndarray | Sequence[Sequence[int]] | None
ReferenceLike = str | Path | np.ndarray | LoadedImage | bytes | None

_ROW = re.compile(r"^\s*(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})\s*(.*)$")


class PaletteError(GanimeError):
    """A palette file could not be read or written."""


def parse_gpl(text: str, fallback_name: str = "Palette") -> tuple[str, list[tuple[str, RGB]]]:
    """A GIMP palette's text -> (name, [(label, (r, g, b)), ...]); raises ``PaletteError``."""
    rows = text.splitlines()
    if not rows or rows[0].strip() != "GIMP Palette":
        raise PaletteError("not a GIMP palette (the first line must be 'GIMP Palette')")
    name, swatches = fallback_name, []
    for row in rows[1:]:
        s = row.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("Name:"):
            name = "".join(ch for ch in s[5:].strip() if ch.isprintable())[:MAX_NAME] or name
            continue
        if s.startswith("Columns:"):
            continue
        m = _ROW.match(s)
        if not m:
            raise PaletteError(f"unreadable palette line: {s[:40]!r}")
        rgb = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if any(v > 255 for v in rgb):
            raise PaletteError(f"colour value above 255: {s[:40]!r}")
        label = "".join(ch for ch in m.group(4).strip() if ch.isprintable())[:MAX_NAME]
        swatches.append((label or "#{:02x}{:02x}{:02x}".format(*rgb), rgb))
        if len(swatches) > MAX_SWATCHES:
            raise PaletteError(f"palette has more than {MAX_SWATCHES} colours")
    return name, swatches


def read_gpl(path: str | Path) -> tuple[str, list[tuple[str, RGB]]]:
    """Read a ``.gpl`` file; errors name the file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_GPL_BYTES:
            raise PaletteError(f"{path.name}: too large for a palette file")
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PaletteError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    try:
        return parse_gpl(text, path.stem)
    except PaletteError as exc:
        raise PaletteError(f"{path.name}: {exc}") from None


def palette_from_gpl(path: str | Path) -> np.ndarray:
    """The colour code palette of a ``.gpl`` file: its first ``PALETTE_SIZE`` colours, equal weights."""
    _, swatches = read_gpl(path)
    if not swatches:
        raise PaletteError(f"{Path(path).name}: the palette has no colours")
    return palette_from_colors([rgb for _, rgb in swatches[:PALETTE_SIZE]])


def palette_from_reference(reference: ReferenceLike) -> np.ndarray:
    """The main colours of a reference picture (k-means in Lab, paper left out)."""
    if isinstance(reference, LoadedImage):
        img = reference
    elif isinstance(reference, np.ndarray):
        img = from_array(reference)
    else:
        img = load_image(reference)  # type: ignore[arg-type]
    return palette_from_image(composite_on_white(img.rgb, img.alpha))


def palette_of(palette: PaletteLike = None, reference: ReferenceLike = None) -> np.ndarray | None:
    """One Lab+weight palette from either guide (a palette wins over a reference), or None."""
    if palette is not None:
        if isinstance(palette, str | Path):
            return palette_from_gpl(palette)
        try:
            arr = np.asarray(palette, np.float32)
        except (TypeError, ValueError, OverflowError):
            raise PaletteError("a palette is a .gpl file, RGB colours (n, 3) or Lab+weight rows (n, 4)") from None
        if arr.ndim == 2 and (len(arr) == 0 or not np.isfinite(arr).all()):
            raise PaletteError("a palette needs at least one colour, all finite numbers")
        if arr.ndim == 2 and arr.shape[1] == 4:
            return arr[:PALETTE_SIZE]
        if arr.ndim == 2 and arr.shape[1] == 3:
            if arr.min() < 0 or arr.max() > 255:
                raise PaletteError("palette colours must be RGB values in 0..255")
            return palette_from_colors(arr.astype(np.uint8).tolist())
        raise PaletteError("a palette is a .gpl file, RGB colours (n, 3) or Lab+weight rows (n, 4)")
    if reference is not None:
        return palette_from_reference(reference)
    return None
