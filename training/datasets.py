"""The training dataset: canvases with lines, simulated hints and the colour target.

Every sample is built from a key ``(file index, epoch, position)`` whose numbers seed its own
random generator, so a run is reproducible and resumes exactly, with or without workers.
Training samples: the image is scaled (faces often small on white paper, figures often
zoomed), placed on a white ``canvas``, cropped to ``crop``, hue-jittered, flipped, given
lines (extracted, or the real sketch jittered) and hints. Evaluation samples: the whole
image fitted to the canvas, XDoG lines with fixed parameters, hints from a fixed seed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ganime_core.errors import GanimeError
from ganime_core.imageops import hwc_to_chw
from ganime_core.inputs.dense_hints import spread_hints
from ganime_core.inputs.encoding import CHANNELS_V1, ModelInput, encode, encode_palette
from ganime_core.inputs.hints import rasterize
from ganime_core.io.imageio import composite_on_white, load_image
from ganime_core.regions.segment import segment

from .hint_sampling import HintConfig, recolour_segment, sample_strokes_with_segments
from .layouts import Item, split_sidebyside
from .lineart import grey, jitter_lines, random_lines, xdog
from .palette_sampling import PaletteConfig, paper_mask, sample_palette

log = logging.getLogger(__name__)

SampleKey = int | tuple[int, int, int]


@dataclass(frozen=True)
class AugmentConfig:
    canvas: int = 256
    crop: int = 128  # 0 = the whole canvas
    figure_groups: tuple[str, ...] = ("fullbody", "fullbody2", "illustrations")
    figure_share: float = 0.35  # share of samples drawn from the figure groups (when present)
    small_p: float = 0.5  # chance a non-figure image (a face) is placed small on white
    small_scale: tuple[float, float] = (0.35, 0.9)
    zoom_p: float = 0.6  # chance a figure is zoomed so a section fills the canvas
    zoom_scale: tuple[float, float] = (1.0, 1.7)
    hue_p: float = 0.2
    recolour_p: float = 0.0  # chance one hinted colour segment gets a random colour (GT and hint)
    flip_p: float = 0.5
    hints: HintConfig = field(default_factory=HintConfig)
    channels: tuple[str, ...] = CHANNELS_V1  # the generator's spatial input channels
    code: bool = False  # whether the generator takes a colour code
    palette: PaletteConfig = field(default_factory=PaletteConfig)


def read_item(item: Item) -> tuple[np.ndarray, np.ndarray | None]:
    """(colour uint8 HxWx3, sketch float HxW in [0, 1] or None); raises ``GanimeError``."""
    img = load_image(item.color)
    rgb = composite_on_white(img.rgb, img.alpha)
    if item.sidebyside:
        rgb, sk = split_sidebyside(rgb)
        return np.ascontiguousarray(rgb), grey(np.ascontiguousarray(sk))
    if item.sketch is None:
        return rgb, None
    s = load_image(item.sketch)
    sketch = grey(composite_on_white(s.rgb, s.alpha))
    if sketch.shape != rgb.shape[:2]:
        sketch = cv2.resize(sketch, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_AREA)
    return rgb, sketch


def place(img: np.ndarray, size: int, scale: float, ox: float, oy: float, fill: float) -> np.ndarray:
    """Resize ``img`` so its long side is ``size * scale`` and put it on a ``size`` canvas.

    ``ox``/``oy`` in [0, 1] choose the offset (crop window when larger, position when smaller).
    """
    h, w = img.shape[:2]
    f = size * scale / max(h, w)
    nw, nh = max(1, round(w * f)), max(1, round(h * f))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    r = cv2.resize(img, (nw, nh), interpolation=interp)
    if r.dtype == np.float32:
        r = np.clip(r, 0.0, 1.0)
    canvas = np.full((size, size) + img.shape[2:], fill, img.dtype)
    sx, sy = round((nw - size) * ox) if nw > size else 0, round((nh - size) * oy) if nh > size else 0
    dx, dy = round((size - nw) * ox) if nw < size else 0, round((size - nh) * oy) if nh < size else 0
    cw, ch = min(size, nw), min(size, nh)
    canvas[dy:dy + ch, dx:dx + cw] = r[sy:sy + ch, sx:sx + cw]
    return canvas


def hue_shift(rgb: np.ndarray, degrees: float) -> np.ndarray:
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = ((hsv[..., 0].astype(np.int32) + int(degrees / 2)) % 180).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


class ColorizationDataset(Dataset):
    """Items of any layout -> dicts of tensors.

    ``x`` (CxHxW, the generator's channels), ``code`` (the colour code, zeros when none),
    ``y`` (3xHxW target), ``mask`` (1xHxW hint strokes), ``segment`` (1xHxW: the rest of the
    ground-truth colour segments the hints were drawn in), ``paper`` (1xHxW: paper far from
    lines in a border region, which should stay white).
    """

    def __init__(self, items: Sequence[Item], config: AugmentConfig = AugmentConfig(), *,
                 train: bool = True, seed: int = 0) -> None:
        if not items:
            raise ValueError("the dataset has no files")
        self.items = list(items)
        self.config = config
        self.train = train
        self.seed = seed
        self.bad: set[str] = set()

    def __len__(self) -> int:
        return len(self.items)

    def sample_weights(self) -> np.ndarray:
        """Per-file weights that give the figure groups ``figure_share`` of the samples."""
        is_fig = np.array([it.group in self.config.figure_groups for it in self.items])
        w = np.ones(len(self.items))
        n_fig = int(is_fig.sum())
        if 0 < n_fig < len(self.items):
            share = self.config.figure_share
            w[is_fig] = share / n_fig
            w[~is_fig] = (1 - share) / (len(self.items) - n_fig)
        return w / w.sum()

    def __getitem__(self, key: SampleKey) -> dict[str, torch.Tensor]:
        if isinstance(key, int | np.integer):
            index, rng = int(key), np.random.default_rng([self.seed, 1_000_003, int(key)])
        else:
            index, rng = int(key[0]), np.random.default_rng([self.seed, int(key[1]), int(key[2])])
        for attempt in range(len(self.items)):
            item = self.items[(index + attempt) % len(self.items)]
            try:
                rgb, sketch = read_item(item)
                break
            except (GanimeError, OSError, ValueError) as exc:
                if item.name not in self.bad:
                    self.bad.add(item.name)
                    log.warning("skipping unreadable image %s: %s (%d bad file(s) so far)",
                                item.name, exc, len(self.bad))
        else:
            raise GanimeError("no readable image in the dataset")
        return self.make(rgb, sketch, item.group, rng)

    def make(self, rgb: np.ndarray, sketch: np.ndarray | None, group: str,
             rng: np.random.Generator) -> dict[str, torch.Tensor]:
        c = self.config
        if self.train:
            rgb, sketch = self._augment_geometry(rgb, sketch, group, rng)
            if rng.random() < c.hue_p:
                rgb = hue_shift(rgb, float(rng.uniform(20, 340)))
            lines = random_lines(rgb, rng) if sketch is None else jitter_lines(sketch, rng)
        else:
            rgb = place(rgb, c.canvas, 1.0, 0.5, 0.5, 255)
            if sketch is not None:
                sketch = place(sketch, c.canvas, 1.0, 0.5, 0.5, 1.0)
            lines = xdog(rgb) if sketch is None else sketch
        h, w = lines.shape
        found = sample_strokes_with_segments(rgb, rng, c.hints)
        if self.train and found and rng.random() < c.recolour_p:
            rgb, found = recolour_segment(rgb, found, rng)
        raster = rasterize([s for s, _ in found], w, h)
        seg = np.zeros((h, w), bool)
        for _, region in found:
            seg |= region
        seg &= ~raster.mask
        regions = segment(lines)  # dense hints and the paper term both need the regions
        dense = spread_hints(regions, raster) if found else None
        inp = ModelInput(lines, raster.rgb, raster.mask,
                         None if dense is None else dense.rgb, None if dense is None else dense.mask)
        x = encode(inp, c.channels)
        palette = sample_palette(rgb, rng, c.palette) if c.code and self.train else None
        y = hwc_to_chw(rgb)
        paper = paper_mask(rgb, regions)
        return {"x": torch.from_numpy(x), "code": torch.from_numpy(encode_palette(palette)),
                "y": torch.from_numpy(y),
                "mask": torch.from_numpy(raster.mask[None].astype(np.float32)),
                "segment": torch.from_numpy(seg[None].astype(np.float32)),
                "paper": torch.from_numpy(paper[None].astype(np.float32))}

    def _augment_geometry(self, rgb: np.ndarray, sketch: np.ndarray | None, group: str,
                          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
        c = self.config
        if group in c.figure_groups:
            scale = rng.uniform(*c.zoom_scale) if rng.random() < c.zoom_p else rng.uniform(0.6, 1.0)
        else:
            scale = rng.uniform(*c.small_scale) if rng.random() < c.small_p else 1.0
        ox, oy = rng.random(), rng.random()
        rgb = place(rgb, c.canvas, float(scale), ox, oy, 255)
        if sketch is not None:
            sketch = place(sketch, c.canvas, float(scale), ox, oy, 1.0)
        if c.crop and c.crop < c.canvas:
            for _ in range(6):  # prefer crops that show some of the picture
                x0, y0 = (int(v) for v in rng.integers(0, c.canvas - c.crop + 1, 2))
                win = rgb[y0:y0 + c.crop, x0:x0 + c.crop]
                if (win < 245).any(axis=2).mean() > 0.25:
                    break
            rgb = np.ascontiguousarray(win)
            if sketch is not None:
                sketch = np.ascontiguousarray(sketch[y0:y0 + c.crop, x0:x0 + c.crop])
        if rng.random() < c.flip_p:
            rgb = np.ascontiguousarray(rgb[:, ::-1])
            sketch = None if sketch is None else np.ascontiguousarray(sketch[:, ::-1])
        return rgb, sketch


class EpochSampler(Sampler):
    """Weighted sampling with replacement, ``num_samples`` per epoch, sharded across ranks.

    Yields keys ``(file index, epoch, position)``; ``start`` skips positions already
    trained on when a run resumes mid-epoch.
    """

    def __init__(self, weights: np.ndarray, num_samples: int, *, seed: int = 0, rank: int = 0,
                 world_size: int = 1) -> None:
        self.weights = np.asarray(weights, np.float64) / np.sum(weights)
        self.per_rank = num_samples // world_size
        self.seed, self.rank, self.world_size = seed, rank, world_size
        self.epoch, self.start = 0, 0

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        self.epoch, self.start = epoch, start

    def __len__(self) -> int:
        return self.per_rank - self.start

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        rng = np.random.default_rng([self.seed, 7919, self.epoch])
        idx = rng.choice(len(self.weights), size=self.per_rank * self.world_size, p=self.weights)
        for pos in range(self.start, self.per_rank):
            gpos = pos * self.world_size + self.rank
            yield int(idx[gpos]), self.epoch, gpos
