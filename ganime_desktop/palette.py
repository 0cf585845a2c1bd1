"""Colour palettes: swatches, recent colours and GIMP ``.gpl`` files. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ganime_core.inputs.palettes import MAX_SWATCHES, PaletteError, parse_gpl, read_gpl
from ganime_core.io.imageio import atomic_write_bytes

RGB = tuple[int, int, int]
MAX_RECENT = 12
__all__ = ["MAX_SWATCHES", "Palette", "PaletteError", "from_gpl", "load_gpl", "save_gpl", "to_gpl"]

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


def from_gpl(text: str, fallback_name: str = "Palette") -> Palette:
    name, swatches = parse_gpl(text, fallback_name)
    return Palette(name, swatches)


def load_gpl(path: str | Path) -> Palette:
    """Read a ``.gpl`` file (size-capped; errors name the file)."""
    name, swatches = read_gpl(path)
    return Palette(name, swatches)


def save_gpl(path: str | Path, palette: Palette) -> None:
    atomic_write_bytes(path, to_gpl(palette).encode("utf-8"))
