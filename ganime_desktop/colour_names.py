"""Plain names for colours, for history rows ("Fill region (red)"). Qt-free."""

from __future__ import annotations

from ganime_core.color_names import RGB, colour_name, hex_colour

__all__ = ["RGB", "colour_name", "fill_text", "hex_colour", "hint_stroke_text"]


def hint_stroke_text(rgb: RGB, erase: bool = False) -> str:
    return "Erase hints" if erase else f"Hint stroke {hex_colour(rgb)}"


def fill_text(rgb: RGB) -> str:
    return f"Fill region ({colour_name(rgb)})"
