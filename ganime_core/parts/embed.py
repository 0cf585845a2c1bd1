"""What the colour network knows of the parts, one vector per closed region.

The generator has learned to colour hair as hair and a sleeve as a sleeve; its decoder's
activations say so before any colour is chosen. :class:`PartHead` is a small convolutional
head on two decoder levels (at 1/8 and 1/4 of the working size) and the line art at 1/4, trained
by ``training.parts_head`` so that regions of one part (one colour in the artist's colouring)
point the same way: each region's embedding is the pixel-count-weighted mean of the head's
output over the cells of the 1/4 grid it covers, normalised (:func:`region_embeddings`). The
cosine of two regions' embeddings is one of the part model's pair features (``emb_sim``).

The head reads the activations of the network it was trained on: a part model file names the
colour model's SHA-256, and a different colour model runs without the head (``emb_sim`` 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganime_core.regions.segment import Regions

#: The head's cells, in px of the working size (the stride of the finer level it reads).
CELL = 4


@dataclass(frozen=True)
class HeadConfig:
    channels: tuple[int, int] = (128, 64)  # of the two decoder levels
    hidden: int = 48
    dim: int = 32

    def as_dict(self) -> dict:
        return {"channels": list(self.channels), "hidden": self.hidden, "dim": self.dim}


class PartHead(nn.Module):
    """Decoder activations (+ line art) -> a ``dim``-vector per cell of the 1/4 grid."""

    def __init__(self, config: HeadConfig = HeadConfig()) -> None:
        super().__init__()
        self.config = config
        c2, c3 = config.channels
        h = config.hidden
        self.reduce = nn.Conv2d(c2 + c3 + 1, h, 1)
        self.context = nn.ModuleList([nn.Conv2d(h, h, 3, padding=d, dilation=d) for d in (1, 2, 4)])
        self.out = nn.Conv2d(h, config.dim, 1)

    def forward(self, coarse: torch.Tensor, fine: torch.Tensor, lines: torch.Tensor) -> torch.Tensor:
        """(B, c2, h/2, w/2), (B, c3, h, w), (B, 1, h, w) -> (B, dim, h, w)."""
        up = F.interpolate(coarse, size=fine.shape[2:], mode="bilinear", align_corners=False)
        x = torch.relu(self.reduce(torch.cat([up, fine, lines], 1)))
        for conv in self.context:
            x = torch.relu(x + conv(x))
        return self.out(x)


def head_inputs(taps: dict[int, torch.Tensor], lines: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The head's inputs from the generator's decoder ``taps`` (by level, the last at 1/2 of the
    input size, so the two before it are at 1/8 and 1/4) and the (B, 1, H, W) line art in [0, 1]
    at the network's input size."""
    levels = sorted(taps)
    if len(levels) < 3:
        raise ValueError(f"the part head reads decoder levels at 1/8 and 1/4; this network has {len(levels)}")
    coarse, fine = taps[levels[-3]].float(), taps[levels[-2]].float()
    return coarse, fine, F.adaptive_avg_pool2d(lines.float(), (int(fine.shape[2]), int(fine.shape[3])))


def cell_counts(regions: Regions, grid: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(region label, cell index, pixel count) of every region/cell pair: how many pixels of each
    region fall in each cell of the head's ``grid`` (rows, cols), whose cells are ``CELL`` px of
    the working size (the padded input's top left is the picture's)."""
    return regions.memo(("part_cells", grid), lambda: _cells(regions, grid))


def _cells(regions: Regions, grid: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    h, w = regions.labels.shape
    gh, gw = grid
    ys = np.minimum(np.arange(h) // CELL, gh - 1)
    xs = np.minimum(np.arange(w) // CELL, gw - 1)
    cell = (ys[:, None] * gw + xs[None, :]).ravel()
    key = regions.labels.ravel().astype(np.int64) * (gh * gw) + cell
    uniq, counts = np.unique(key, return_counts=True)
    return uniq // (gh * gw), uniq % (gh * gw), counts.astype(np.float32)


def pool_regions(cells: torch.Tensor, counts: tuple[np.ndarray, np.ndarray, np.ndarray], n: int) -> torch.Tensor:
    """(n+1, dim) normalised region embeddings from (dim, gh, gw) cell vectors (differentiable)."""
    label, cell, count = (torch.from_numpy(np.array(a)) for a in counts)  # memo arrays are read-only
    flat = cells.reshape(cells.shape[0], -1)
    summed = torch.zeros(n + 1, cells.shape[0], dtype=cells.dtype).index_add_(
        0, label, flat[:, cell].T * count[:, None].to(cells.dtype))
    return F.normalize(summed, dim=1)


def region_embeddings(head: PartHead, taps: dict[int, torch.Tensor], lines: torch.Tensor,
                      regions: Regions) -> np.ndarray:
    """(n+1, dim) float32: each region's embedding (row 0, the lines, unused)."""
    with torch.inference_mode():
        cells = head(*head_inputs(taps, lines))[0]
        return pool_regions(cells, cell_counts(regions, tuple(cells.shape[1:])), regions.n).numpy()


def embedding_similarity(emb: np.ndarray | None, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(m,) the cosine of regions ``a`` and ``b``'s embeddings (0 without embeddings)."""
    if emb is None:
        return np.zeros(len(a), np.float32)
    return np.einsum("ij,ij->i", emb[a], emb[b]).astype(np.float32)
