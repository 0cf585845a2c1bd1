"""Region-aware colouring: flats from line-art regions, hint-locked colours, layered output.

The network gives shading and colour suggestions; the closed regions of the line art give clean,
exact flats. This module is the public face; the work is split over

- ``regions_segment``: line art -> ``Regions`` (binarise, trapped-ball gap closing, specks);
- ``regions_compose``: region colours (hints by majority, else the network's median Lab away
  from its smudge along the lines; the unhinted page white), ``flats``, ``shading`` (smoothed
  inside each region, neutral on the page) and the ``plain`` / ``flats`` / ``locked`` composites;
- ``regions_metrics``: hint fidelity (mean CIEDE2000 over hinted regions) and bleeding.

Pure numpy / OpenCV: no torch, no Qt. Line art is float32 HxW in [0, 1] (1 = paper, 0 = ink);
colour images are uint8 HxWx3 RGB.
"""

from __future__ import annotations

from .color import delta_e2000, lab_to_rgb, luma, rgb_to_lab
from .regions_compose import (
    MODES,
    RegionLayers,
    compose,
    hint_claims,
    median_per_label,
    network_palette,
    page_regions,
    region_colors,
    shading_from,
    shading_image,
    smooth_in_regions,
)
from .regions_metrics import bleeding, hint_fidelity, region_reference
from .regions_segment import RegionConfig, Regions, as_lines, binarize, segment

__all__ = [
    "MODES",
    "RegionConfig",
    "RegionLayers",
    "Regions",
    "as_lines",
    "binarize",
    "bleeding",
    "compose",
    "delta_e2000",
    "hint_claims",
    "hint_fidelity",
    "lab_to_rgb",
    "luma",
    "median_per_label",
    "network_palette",
    "page_regions",
    "region_colors",
    "region_reference",
    "rgb_to_lab",
    "segment",
    "shading_from",
    "shading_image",
    "smooth_in_regions",
]
