"""The closed regions of the line art: the unit every step of the pipeline colours.

The network gives shading and colour suggestions; the closed regions of the line art give clean,
exact flats. This package is the public face; the work is split over

- ``segment``: line art -> ``Regions`` (binarise, trapped-ball gap closing, specks);
- ``cache``: one segmentation per picture, size and gap, shared by the API and the app;
- ``queries``: questions asked of the regions (open to the page, claimed by a hint, the network's
  colour per region, paper);
- ``smoothing``: smoothing that never mixes two regions (the clean step, the shading);
- ``shading``: the network's light and shadow per region;
- ``compose``: region colours, ``flats`` and the ``plain`` / ``flats`` / ``locked`` composites;
- ``metrics``: hint fidelity (mean CIEDE2000 over hinted regions) and bleeding.

Pure numpy / OpenCV: no torch, no Qt. Line art is float32 HxW in [0, 1] (1 = paper, 0 = ink);
colour images are uint8 HxWx3 RGB.
"""

from __future__ import annotations

from ganime_core.imageops import median_per_label

from .compose import MODES, RegionLayers, compose, region_colors
from .metrics import bleeding, hint_fidelity, region_reference
from .queries import hint_claims, network_palette, open_regions, page_regions
from .segment import RegionConfig, Regions, as_lines, binarize, segment
from .shading import shading_from, shading_image
from .smoothing import smooth_in_regions

__all__ = [
    "MODES",
    "RegionConfig",
    "RegionLayers",
    "Regions",
    "as_lines",
    "binarize",
    "bleeding",
    "compose",
    "hint_claims",
    "hint_fidelity",
    "median_per_label",
    "network_palette",
    "open_regions",
    "page_regions",
    "region_colors",
    "region_reference",
    "segment",
    "shading_from",
    "shading_image",
    "smooth_in_regions",
]
