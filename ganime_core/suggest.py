"""Colour suggestions: the bundled colour families and quick previews of a sketch in each.

Without hints the network makes one guess in one warm family. A colour guide moves it
(``Colorizer.colorize(palette=...)``), so the suggestions are the sketch coloured with a few
distinct palettes: the training pictures' palettes clustered into families
(``python -m training.palette_families`` writes ``resources/colour_families.json``).

    families = colour_families()                     # in display order
    previews = suggest(colorizer, "sketch.png", 6)   # [(family, uint8 HxWx3 preview), ...]
    result = colorizer.colorize("sketch.png", palette=previews[2][0].palette())

:func:`suggest` runs the network once for all families (a batch of ``n``) at preview size,
on one page and one segmentation, then the same steps after the network as ``colorize``.
No Qt here; torch is imported when :func:`suggest` runs.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ganime_core.color import rgb_to_lab
from ganime_core.errors import ColourFamilyError, GanimeError
from ganime_core.inputs.encoding import PALETTE_SIZE, palette_from_colors
from ganime_core.io.jsonsafe import is_int, is_number, parse_json, read_file, short
from ganime_core.options import ColorizeOptions

if TYPE_CHECKING:
    from ganime_core.api import Colorizer, ImageLike

log = logging.getLogger(__name__)

FAMILIES_FILE = Path(__file__).resolve().parent / "resources" / "colour_families.json"
FORMAT = "ganime-colour-families"
SCHEMA_VERSION = 1
MAX_FAMILIES = 32
MAX_NAME = 60
MAX_FILE_BYTES = 256 * 1024
PREVIEW_SIZE = 256
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class ColourFamily:
    """One colour family: a name and up to ``PALETTE_SIZE`` colours with their shares.

    ``colours``: RGB, most used first; ``weights``: the same length, summing to 1;
    ``pictures``: how many training pictures fell into the family.
    """

    name: str
    colours: tuple[RGB, ...]
    weights: tuple[float, ...]
    pictures: int = 0

    def palette(self) -> np.ndarray:
        """The Lab+weight palette (k, 4) float32 that ``Colorizer.colorize(palette=...)`` takes."""
        return palette_from_colors([list(c) for c in self.colours], self.weights)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "colours": [list(c) for c in self.colours],
                "weights": [round(w, 4) for w in self.weights], "pictures": self.pictures}


def palette_distance(a: np.ndarray, b: np.ndarray) -> float:
    """How different two Lab+weight palettes are: the weighted mean ΔE76 from each colour to
    the nearest colour of the other palette, both ways, averaged (0 for the same palette)."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    if len(a) == 0 or len(b) == 0:
        raise ValueError("palette_distance needs two non-empty palettes")
    d = np.linalg.norm(a[:, None, :3] - b[None, :, :3], axis=2)
    wa, wb = a[:, 3] / a[:, 3].sum(), b[:, 3] / b[:, 3].sum()
    return float(0.5 * (wa @ d.min(axis=1) + wb @ d.min(axis=0)))


# -- the bundled families ------------------------------------------------------------------------

def load_families(path: str | Path) -> list[ColourFamily]:
    """The families of a colour-family JSON file, every field checked;
    :class:`ColourFamilyError` naming the file for anything wrong."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ColourFamilyError(f"{path}: colour-family file not found")
    doc = parse_json(read_file(path, MAX_FILE_BYTES, "colour-family file", ColourFamilyError),
                     name, ColourFamilyError)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ColourFamilyError(f"{name}: not a GANime colour-family file (no \"format\": \"{FORMAT}\")")
    version = doc.get("version")
    if not (isinstance(version, int) and is_int(version) and 1 <= version <= SCHEMA_VERSION):
        raise ColourFamilyError(f"{name}: colour-family schema version {short(version)} is not "
                                f"supported (supports 1..{SCHEMA_VERSION})")
    rows = doc.get("families")
    if not isinstance(rows, list) or not 1 <= len(rows) <= MAX_FAMILIES:
        raise ColourFamilyError(f"{name}: \"families\" must be a list of 1..{MAX_FAMILIES} families")
    families = [_family(row, f"{name}: family {i + 1}") for i, row in enumerate(rows)]
    names = [f.name for f in families]
    if len(set(names)) != len(names):
        raise ColourFamilyError(f"{name}: two families share a name")
    return families


def _family(row: Any, where: str) -> ColourFamily:
    if not isinstance(row, dict):
        raise ColourFamilyError(f"{where} is {type(row).__name__}, not an object")
    label = row.get("name")
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_NAME or not label.isprintable():
        raise ColourFamilyError(f"{where}: \"name\" must be printable text of 1..{MAX_NAME} characters")
    colours, weights = row.get("colours"), row.get("weights")
    if not isinstance(colours, list) or not 1 <= len(colours) <= PALETTE_SIZE:
        raise ColourFamilyError(f"{where} ({label}): \"colours\" must list 1..{PALETTE_SIZE} RGB colours")
    rgb: list[RGB] = []
    for c in colours:
        if not (isinstance(c, list) and len(c) == 3 and all(is_int(v) and 0 <= v <= 255 for v in c)):
            raise ColourFamilyError(f"{where} ({label}): colour {short(c)} is not [r, g, b] in 0..255")
        rgb.append((int(c[0]), int(c[1]), int(c[2])))
    if not isinstance(weights, list) or len(weights) != len(rgb) \
            or not all(is_number(w) and w > 0 for w in weights):
        raise ColourFamilyError(f"{where} ({label}): \"weights\" must be one positive number per colour")
    total = float(sum(weights))
    if abs(total - 1.0) > 0.01:
        raise ColourFamilyError(f"{where} ({label}): the weights sum to {total:.3g}, not 1")
    pictures = row.get("pictures", 0)
    if not is_int(pictures) or pictures < 0:
        raise ColourFamilyError(f"{where} ({label}): \"pictures\" must be a whole number")
    return ColourFamily(label.strip(), tuple(rgb), tuple(float(w) / total for w in weights), int(pictures))


@functools.cache
def _bundled() -> tuple[ColourFamily, ...]:
    return tuple(load_families(FAMILIES_FILE))


def colour_families() -> list[ColourFamily]:
    """The bundled colour families, in display order (most distinct first)."""
    return list(_bundled())


# -- the previews --------------------------------------------------------------------------------

def suggest(colorizer: Colorizer, line_art: ImageLike, n: int = 6, *, size: int = PREVIEW_SIZE,
            options: ColorizeOptions | None = None) -> list[tuple[ColourFamily, np.ndarray]]:
    """``n`` previews of ``line_art``, one per colour family (the first ``n`` in display order):
    ``(family, uint8 HxWx3 RGB)`` at the working size ``size`` (long side, never upscaled).

    ``options`` as for ``colorize`` (mode, lines, gap, ...; ``working_size`` is ``size``);
    no hints. Clicking one is ``colorize(line_art, palette=family.palette())`` at full size.
    """
    families = colour_families()
    if not 1 <= n <= len(families):
        raise GanimeError(f"suggestions: n must be 1..{len(families)} (the bundled families), got {n}")
    opts = (options or ColorizeOptions()).replace(working_size=size)
    chosen = families[:n]
    return list(zip(chosen, preview_batch(colorizer, line_art, [f.palette() for f in chosen], opts),
                    strict=True))


def preview_batch(colorizer: Colorizer, line_art: ImageLike, palettes: Sequence[np.ndarray],
                  options: ColorizeOptions) -> list[np.ndarray]:
    """``line_art`` coloured with each palette at ``options.working_size``: one batched forward
    on one page, then the steps after the network on a page whose full size is the working
    size (so the preview is what ``colorize`` makes at that size, before the enlargement)."""
    from ganime_core.api import _as_image
    from ganime_core.inputs.encoding import decode_output_u8, encode_palette
    from ganime_core.inputs.page import make_page
    from ganime_core.post.steps import Picture, run_steps
    from ganime_core.post.upsample import plan_edges

    img = _as_image(line_art)
    digest, full = colorizer._line_art(img)  # cached per picture, as colorize does
    size = int(options.working_size or colorizer.info.working_size)
    big = make_page(full, digest, size, None, options.gap)
    # the working-size line art as a page of its own: its segmentation is the one colorize
    # makes at this size (the same cache key), and nothing is enlarged
    page = make_page(big.small, digest, size, None, big.gap_ws)
    regions = page.regions_small() if "dense_mask" in colorizer.channels else None
    x, _ = colorizer.model_input(page.small, None, None, gap=page.gap_ws, dense=None)
    codes = np.stack([encode_palette(p) for p in palettes])
    ys = forward_batch(colorizer, x, codes)
    plan = plan_edges(page.seg_full, (page.w, page.h))
    out = []
    for y, pal in zip(ys, palettes, strict=True):
        pic = Picture(options=options, page=page, colour=decode_output_u8(y, page.h, page.w),
                      regions=regions, guide=pal, guided=bool(colorizer.code_dim),
                      edge_plan=lambda: plan)
        run_steps(pic)
        assert pic.image is not None
        out.append(pic.image)
    return out


def forward_batch(colorizer: Colorizer, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """One network input ``x`` (CxHxW) with ``len(codes)`` colour codes in one forward:
    (n, 3, H, W) in [-1, 1], with the colorizer's device, precision and memory format. Out of
    device memory, one code at a time (``Colorizer.predict`` falls back to the CPU)."""
    import torch

    from ganime_core.runtime.devices import is_out_of_memory

    n = len(codes)
    fmt = torch.channels_last if colorizer.memory_format == "channels_last" else torch.contiguous_format
    try:
        t = torch.from_numpy(np.ascontiguousarray(x, np.float32))[None].to(colorizer.device)
        t = t.expand(n, -1, -1, -1).contiguous(memory_format=fmt)
        args: tuple[torch.Tensor, ...] = (t,)
        if colorizer.code_dim:
            args = (t, torch.from_numpy(np.asarray(codes, np.float32)).to(colorizer.device))
        with torch.inference_mode():
            if colorizer.precision == "bf16":
                with torch.autocast(colorizer.device.type, dtype=torch.bfloat16):
                    y = colorizer.model(*args)
            else:
                y = colorizer.model(*args)
        return y.float().cpu().numpy()
    except (RuntimeError, torch.OutOfMemoryError) as exc:
        if colorizer.device.type == "cpu" or not is_out_of_memory(exc):
            raise
        log.warning("out of memory for %d suggestions at once; one at a time", n)
        return np.stack([colorizer.predict(x, c) for c in codes])


def mean_hue_chroma(rgb: np.ndarray, lines: np.ndarray | None = None) -> tuple[float, float]:
    """(mean hue angle in degrees, mean chroma) of a picture's coloured pixels (chroma > 8,
    off the lines when ``lines`` is given): how the suggestions are told apart in the tests
    and the bench."""
    lab = rgb_to_lab(np.asarray(rgb, np.uint8).reshape(-1, 3))
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    keep = chroma > 8
    if lines is not None:
        keep &= np.asarray(lines).reshape(-1) > 0.6
    if not keep.any():
        return 0.0, 0.0
    a, b = lab[keep, 1], lab[keep, 2]
    hue = float(np.degrees(np.arctan2(b.mean(), a.mean())) % 360)
    return hue, float(chroma[keep].mean())
