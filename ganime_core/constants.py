"""Names shared by the API, the CLI, the service, the app and the settings (torch- and Qt-free).

Every place that offers a choice of colour mode, line treatment, device, precision or
memory format takes it from here, so adding one (say ``mps``) is a one-line change.
"""

from __future__ import annotations

from typing import Final

#: How the network's colour is turned into the picture: the network's own colours,
#: flat region colours, or flats with the network's shading on top.
COLOR_MODES: Final = ("plain", "flats", "locked")
DEFAULT_COLOR_MODE: Final = "plain"

#: What happens to the line art on top of the colour.
LINE_MODES: Final = ("multiply", "none")
DEFAULT_LINE_MODE: Final = "multiply"

#: Compute devices: ``auto`` = CUDA, else Apple MPS, else CPU.
DEVICES: Final = ("auto", "cpu", "cuda", "mps")

#: Arithmetic precision of the forward pass on the CPU (``auto`` = measured per CPU).
PRECISIONS: Final = ("auto", "fp32", "bf16")

#: Tensor memory layout of the forward pass (``auto`` = measured per CPU).
MEMORY_FORMATS: Final = ("auto", "contiguous", "channels_last")

#: What one hint colours: its whole part (all of the hair, both sleeves; ``ganime_core.parts``)
#: or only the closed regions it touches.
SPREADS: Final = ("part", "region")
DEFAULT_SPREAD: Final = "part"

#: How far a hint's effect may reach in plain mode.
HINT_SCOPES: Final = ("regions", "network")

#: Default gap-closing size for segmentation, in px at the picture's full size (the API scales
#: it to the working size); mirrors ``ganime_core.regions.RegionConfig().gap_close`` (checked by
#: a test) so torch-free callers (the app, the CLI's argument parser) need not import the
#: region engine.
DEFAULT_GAP: Final = 6
#: The largest gap-closing size (px) any entry point accepts.
MAX_GAP: Final = 64

#: The long side the network sees, in px: the range an entry point accepts.
MIN_WORKING_SIZE: Final = 16
MAX_WORKING_SIZE: Final = 4096

# -- paper and lines: one definition each, shared by every step ---------------------------------

#: L*: an unhinted page region the network coloured at least this light is paper (its tint is
#: smoke), in plain mode (``ganime_core.post.paper``) and in flats/locked
#: (``ganime_core.regions.queries.page_regions``).
PAPER_LIGHT: Final = 75.0
#: Paper white in CIELAB: at least this light (L*) and at most this colourful (chroma): paper
#: with a little smoke on it (the page around a figure, a region kept white, the pixels the
#: guide transfer leaves alone).
PAPER_WHITE_L: Final = 92.0
PAPER_WHITE_CHROMA: Final = 8.0
#: Paper white in sRGB, every channel at least this: what a picture's palette leaves out.
PAPER_RGB: Final = 240
#: A white hole in a coloured region: every channel at least this, stricter than paper so that
#: pale skin is never taken for a hole (``ganime_core.post.holes``).
HOLE_WHITE: Final = 245
#: px from the nearest line: nearer pixels are the line's edge and the network's smudge along
#: it, left out when a region's colour is sampled or smoothed.
OFF_LINE_PX: Final = 1.0
