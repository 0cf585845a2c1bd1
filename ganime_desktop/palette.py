"""Colour palettes: swatches, recent colours and GIMP ``.gpl`` files. Qt-free."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ganime_core.errors import GanimeError
from ganime_core.imageio import atomic_write_bytes

RGB = tuple[int, int, int]
MAX_RECENT = 12
MAX_SWATCHES = 1024

# Skin, hair, eyes, clothes: the colours anime colourists reach for first.
DEFAULT_SWATCHES: list[tuple[str, RGB]] = [
    ("Skin light", (255, 224, 205)), ("Skin", (246, 200, 172)), ("Skin shadow", (222, 160, 140)),
    ("Blush", (244, 164, 164)), ("Hair black", (40, 36, 48)), ("Hair brown", (120, 74, 52)),
    ("Hair blonde", (246, 212, 120)), ("Hair pink", (246, 150, 186)),
    ("Hair blue", (90, 130, 210)), ("Hair silver", (200, 204, 216)),
    ("Eye blue", (60, 110, 200)), ("Eye green", (70, 160, 100)), ("Eye red", (200, 50, 60)),
    ("Red", (231, 76, 60)), ("Orange", (243, 156, 18)), ("Yellow", (241, 222, 90)),
    ("Green", (46, 204, 113)), ("Teal", (26, 188, 156)), ("Blue", (52, 120, 219)),
    ("Navy", (40, 50, 110)), ("Purple", (142, 68, 173)), ("White", (255, 255, 255)),
    ("Grey", (149, 165, 166)), ("Black", (20, 20, 24)),
]


class PaletteError(GanimeError):
    """A palette file could not be read or written."""


@dataclass
class Palette:
    name: str = "GANime"
    swatches: list[tuple[str, RGB]] = field(default_factory=lambda: list(DEFAULT_SWATCHES))
    recent: list[RGB] = field(default_factory=list)

    def use(self, rgb: RGB) -> None:
        """Put a colour at the front of the recent list."""
        rgb = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
        if rgb in self.recent:
            self.recent.remove(rgb)
        self.recent.insert(0, rgb)
        del self.recent[MAX_RECENT:]


def to_gpl(palette: Palette) -> str:
    lines = ["GIMP Palette", f"Name: {palette.name}", "Columns: 8", "#"]
    lines += [f"{r:3d} {g:3d} {b:3d}\t{name}" for name, (r, g, b) in palette.swatches]
    return "\n".join(lines) + "\n"


_ROW = re.compile(r"^\s*(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})\s*(.*)$")


def from_gpl(text: str, fallback_name: str = "Palette") -> Palette:
    rows = text.splitlines()
    if not rows or rows[0].strip() != "GIMP Palette":
        raise PaletteError("not a GIMP palette (the first line must be 'GIMP Palette')")
    name, swatches = fallback_name, []
    for row in rows[1:]:
        s = row.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("Name:"):
            name = s[5:].strip() or name
            continue
        if s.startswith("Columns:"):
            continue
        m = _ROW.match(s)
        if not m:
            raise PaletteError(f"unreadable palette line: {s[:40]!r}")
        rgb = tuple(int(v) for v in m.group(1, 2, 3))
        if any(v > 255 for v in rgb):
            raise PaletteError(f"colour value above 255: {s[:40]!r}")
        label = m.group(4).strip() or "#{:02x}{:02x}{:02x}".format(*rgb)
        swatches.append((label, rgb))
        if len(swatches) > MAX_SWATCHES:
            raise PaletteError(f"palette has more than {MAX_SWATCHES} colours")
    return Palette(name, swatches)  # type: ignore[arg-type]


def load_gpl(path: str | Path) -> Palette:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PaletteError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    return from_gpl(text, path.stem)


def save_gpl(path: str | Path, palette: Palette) -> None:
    atomic_write_bytes(path, to_gpl(palette).encode("utf-8"))
