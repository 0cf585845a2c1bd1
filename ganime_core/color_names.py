"""Plain names for colours: "red", "dark blue", "light grey" (history rows, layer names)."""

from __future__ import annotations

import colorsys

RGB = tuple[int, int, int]

# hue ranges in degrees (start of each range) for saturated colours
_HUES = ((0, "red"), (15, "orange"), (40, "yellow"), (70, "yellow-green"), (90, "green"),
         (160, "teal"), (185, "cyan"), (200, "blue"), (255, "purple"), (290, "magenta"),
         (330, "pink"), (350, "red"))


def hex_colour(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb))


def colour_name(rgb: RGB) -> str:
    """A short everyday name: "red", "dark blue", "light grey", "brown", "peach"..."""
    r, g, b = (max(0, min(255, int(c))) / 255 for c in rgb)
    h, light, s = colorsys.rgb_to_hls(r, g, b)
    if s < 0.15 or max(r, g, b) - min(r, g, b) < 0.08:
        if light < 0.12:
            return "black"
        if light > 0.93:
            return "white"
        return "dark grey" if light < 0.4 else "light grey" if light > 0.7 else "grey"
    deg = h * 360
    name = next(n for start, n in reversed(_HUES) if deg >= start)
    if name in ("orange", "red") and light < 0.45 and deg >= 10:
        return "brown"
    if name in ("orange", "red") and light > 0.75:
        return "peach"
    if light < 0.3:
        return f"dark {name}"
    if light > 0.75:
        return f"light {name}"
    return name
