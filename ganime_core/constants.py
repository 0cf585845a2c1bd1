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

#: How far a hint's effect may reach in plain mode.
HINT_SCOPES: Final = ("regions", "network")

#: Default gap-closing size (px at the working size) for segmentation; mirrors
#: ``ganime_core.regions.RegionConfig().gap_close`` (checked by a test) so torch-free callers
#: (the app, the CLI's argument parser) need not import the region engine.
DEFAULT_GAP: Final = 6

#: L*: an unhinted page region the network coloured at least this light is paper (its tint is
#: smoke), in plain mode (``ganime_core.paper``) and in flats/locked (``regions_compose``).
PAPER_LIGHT: Final = 75.0
