"""The one public entry point for inference: :class:`Colorizer`.

The GUI, the CLI, the tests and ``training.evaluate`` all go through it.

    colorizer = Colorizer.load()                       # default model, best device
    result = colorizer.colorize("sketch.png", hints="sketch.json")
    save_png("out.png", result.image)
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from .barriers import BarriersLike, barrier_mask, shrink, thicken
from .barriers import apply as burn_barriers
from .calibration import Calibration, calibrate, check_choice, fast_norms
from .clean import clean_colour
from .constants import COLOR_MODES, DEFAULT_GAP, HINT_SCOPES, LINE_MODES
from .dense_hints import spread_hints
from .devices import is_out_of_memory, resolve_device
from .encoding import (
    ModelInput,
    decode_output_u8,
    default_channels,
    encode,
    encode_palette,
)
from .errors import GanimeError
from .hint_scope import region_lab, scope_hints
from .hints import HintRaster, HintSet, Stroke, load_hints, rasterize
from .holes import HOLES_MAX_SIDE, fill_holes, find_holes
from .imageio import LoadedImage, from_array, load_image
from .imageops import multiply_u8
from .lineart import to_line_art
from .models.protocol import code_dim
from .models.registry import as_generator
from .palette_transfer import transfer
from .palettes import PaletteLike, ReferenceLike, palette_of
from .paper import keep_paper
from .regions import RegionConfig, RegionLayers, Regions, compose, segment
from .regions_segment import MAX_GAP
from .upsample import EdgePlan, plan_edges, upsample_colour
from .weights import ModelInfo, load_weights

log = logging.getLogger(__name__)

__all__ = ["Colorizer", "Result", "barrier_mask", "working_dims"]

HintsLike = HintSet | Sequence[Stroke] | HintRaster | np.ndarray | str | Path | None
ImageLike = LoadedImage | np.ndarray | str | Path | bytes


@dataclass
class Result:
    """A colorized picture at the input's full resolution.

    ``image``: the final picture, uint8 HxWx3 (HxWx4 when the input had alpha);
    ``color``: the colour without the line overlay, uint8 HxWx3;
    ``lines``: the line art, float32 HxW in [0, 1] (1 = paper);
    ``alpha``: the input's alpha or None; ``working_size``: (w, h) the model saw;
    ``layers``: flats / shading / lines / composite when a region mode or layers were asked for.
    """

    image: np.ndarray
    color: np.ndarray
    lines: np.ndarray
    alpha: np.ndarray | None
    working_size: tuple[int, int]
    seconds: float
    device: str
    mode: str = "plain"
    layers: RegionLayers | None = None


def working_dims(width: int, height: int, working_size: int) -> tuple[int, int]:
    """The size the model sees: long side ``working_size`` at most (never upscaled)."""
    scale = min(1.0, working_size / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


class Colorizer:
    """A loaded generator on a device, ready to colorize line art."""

    def __init__(self, model: nn.Module, info: ModelInfo, device: str | torch.device = "auto",
                 *, precision: str = "auto", memory_format: str = "auto") -> None:
        """``precision`` (``PRECISIONS``) and ``memory_format`` (``MEMORY_FORMATS``) of the forward:
        an explicit value is used as given; ``auto`` is measured once per CPU, torch version and
        architecture and cached (``ganime_core.calibration``)."""
        try:
            check_choice(precision, memory_format)
        except ValueError as exc:
            raise GanimeError(str(exc)) from None
        self.info = info
        self.device = resolve_device(str(device))
        self.model = model.eval().to(self.device)
        fast_norms(self.model)  # the same numbers, several times faster (calibration.InstanceNormAsGroupNorm)
        self.calibration: Calibration = calibrate(self.model, self.device, precision, memory_format)
        self.precision = self.calibration.precision
        self.memory_format = self.calibration.memory_format
        self._format = torch.channels_last if self.memory_format == "channels_last" else torch.contiguous_format
        self.model = self.model.to(memory_format=self._format)
        try:
            gen = as_generator(model)
        except TypeError as exc:
            raise GanimeError(str(exc)) from None
        self.stride: int = int(gen.stride)
        model_in = int(gen.config.in_channels)
        self.channels: tuple[str, ...] = info.inputs if len(info.inputs) == model_in else default_channels(model_in)
        self.code_dim: int = code_dim(gen)
        self._regions_cache: dict[str, Regions] = {}
        # the last unhinted output and its region colours (hint_scope), the last line art
        self._unhinted: tuple[tuple, np.ndarray, np.ndarray] | None = None
        self._lines_cache: tuple[str, np.ndarray] | None = None
        self._plan_cache: tuple[str, EdgePlan] | None = None

    @classmethod
    def load(cls, weights: str | Path | None = None, device: str = "auto", *,
             sha256: str | None = None, precision: str = "auto", memory_format: str = "auto",
             threads: int | None = None) -> Colorizer:
        """Load a weights file (default: ``resources/models/default.safetensors``).

        ``threads``: CPU threads for inference (default: torch's, one per core).
        ``precision`` / ``memory_format``: see :class:`Colorizer` (``auto`` = measured and cached).
        """
        if threads:
            torch.set_num_threads(max(1, int(threads)))
        model, info = load_weights(weights, sha256=sha256)
        return cls(model, info, device, precision=precision, memory_format=memory_format)

    # -- low level -------------------------------------------------------------------------

    def _use_bf16(self) -> bool:
        return self.precision == "bf16"

    def predict(self, x: np.ndarray, code: np.ndarray | None = None) -> np.ndarray:
        """CxHxW model input (H, W multiples of ``stride``) and colour code -> 3xHxW in [-1, 1]."""
        try:
            return self._forward(x, code)
        except (RuntimeError, torch.OutOfMemoryError) as exc:
            if self.device.type == "cpu" or not is_out_of_memory(exc):
                raise
            log.warning("Out of memory on %s; falling back to the CPU", self.device)
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            self.device = torch.device("cpu")
            self.model = self.model.to(self.device)
            return self._forward(x, code)

    def _forward(self, x: np.ndarray, code: np.ndarray | None) -> np.ndarray:
        t = torch.from_numpy(np.ascontiguousarray(x))[None].to(self.device)
        t = t.contiguous(memory_format=self._format)
        args: tuple[torch.Tensor, ...] = (t,)
        if self.code_dim and code is not None:
            args = (t, torch.from_numpy(np.asarray(code, np.float32))[None].to(self.device))
        with torch.inference_mode():
            if self._use_bf16():
                with torch.autocast(self.device.type, dtype=torch.bfloat16):
                    y = self.model(*args)
            else:
                y = self.model(*args)
        return y[0].float().cpu().numpy()

    # -- the public call ---------------------------------------------------------------------

    def colorize(self, line_art: ImageLike, hints: HintsLike = None, *, working_size: int | None = None,
                 lines: str = "multiply", mode: str = "plain", layers: bool = False,
                 palette: PaletteLike = None, reference: ReferenceLike = None,
                 gap: int | None = None, hint_scope: str = "regions", paper: bool = True,
                 barriers: BarriersLike = None, clean: bool = True) -> Result:
        """Colorize line art of any size; the result has the input's full resolution.

        ``mode``: ``plain`` (the network's colour), ``flats`` (one exact colour per closed
        region of the line art, hints claim whole regions) or ``locked`` (flats with the
        network's shading: hints obeyed across their region, nothing leaks past a line).
        ``layers=True`` also returns the flats/shading/lines layers in plain mode.
        ``palette`` (a ``.gpl`` file, RGB colours or a Lab+weight array) or ``reference`` (a
        picture) gives the colours to use; the network places them, then its main colours move
        most of the way to the guide's (``ganime_core.palette_transfer``; hinted pixels stay).
        A model without a colour input ignores them. ``gap``: line gaps up to this many pixels (at full size) are closed
        when the line art is cut into regions (default 6). ``hint_scope``: ``regions`` keeps a
        hint's effect to the regions it claims and those the network turns towards its colour
        (``ganime_core.hint_scope``; costs one more network pass, cached while only hints
        change); ``network`` leaves the network's output as it is. ``paper``: the unhinted
        page around the figure stays white where the network left it light (``ganime_core.paper``),
        and white holes it leaves inside coloured regions are filled at working sizes up to 384,
        blended in by the clean step above that
        (``ganime_core.holes``). ``clean``: the network's grain is smoothed away inside each
        closed region, never across a line (``ganime_core.clean``). ``paper`` and ``clean`` act
        for models with dense-hint inputs only, so older models give exactly their old output.
        ``barriers``: invisible lines that only the segmentation sees (regions, dense hints,
        paper, hint scope, flats, the colour's edges), never drawn: a bool mask at the input's
        full size, a grey / RGBA array or a PNG path (opaque dark pixels are barrier).
        The colour is enlarged to full size with its edges on the lines (``ganime_core.upsample``).
        """
        _check_options(lines, mode, hint_scope, gap)
        t0 = time.perf_counter()
        img = _as_image(line_art)
        page = self._page(img, int(working_size or self.info.working_size), barriers,
                          DEFAULT_GAP if gap is None else int(gap))
        full_hints = _hint_raster(hints, page.width, page.height) if mode != "plain" or layers else None
        small_hints = (_hint_raster(hints, page.width, page.height, to=(page.w, page.h)) if full_hints is None
                       else full_hints.resized(page.w, page.h))
        guide = palette_of(palette, reference)
        small_rgb = self._working_colour(page, small_hints, guide, hint_scope, paper, clean)
        color_u8 = upsample_colour(small_rgb, plan=self._edge_plan(page))
        region_layers = None
        if mode != "plain" or layers:
            region_layers = compose(page.full, color_u8, full_hints, mode=mode,
                                    regions=self._regions(page.seg_full, page.gap_full, page.key_full))
            if mode == "locked":
                color_u8 = multiply_u8(region_layers.flats, region_layers.shading)
            elif mode == "flats":
                color_u8 = region_layers.flats
        image = _overlay(color_u8, page.full) if lines == "multiply" else color_u8.copy()
        if img.alpha is not None:
            image = np.dstack([image, img.alpha])
        return Result(image=image, color=color_u8, lines=page.full, alpha=img.alpha,
                      working_size=(page.w, page.h), seconds=time.perf_counter() - t0,
                      device=str(self.device), mode=mode, layers=region_layers)

    def _working_colour(self, page: _Page, hints: HintRaster | None, guide: np.ndarray | None,
                        hint_scope: str, paper: bool, clean: bool = True) -> np.ndarray:
        """uint8 hxwx3: the network's colour at the working size, hint-scoped, paper kept, cleaned."""
        new_inputs = "dense_mask" in self.channels  # models of the first design stay bit-identical
        regions = self._regions(page.seg_small, page.gap_ws, page.key_small) if new_inputs else None
        dense = None if regions is None or hints is None else spread_hints(regions, hints)
        x, code = self.model_input(page.small, hints, guide, gap=page.gap_ws, dense=dense)
        y = decode_output_u8(self.predict(x, code), page.h, page.w)
        if regions is not None and hints is not None and hint_scope == "regions":
            y = self._scoped(y, page, regions, hints, dense, guide)
        skip = None  # white patches inside coloured regions, which the clean step does not sample
        if regions is not None and paper:
            claimed = None if dense is None else dense.mask
            y = keep_paper(y, regions, claimed)
            if max(page.w, page.h) <= HOLES_MAX_SIDE:
                y = fill_holes(y, regions, claimed)
            elif clean:
                found = find_holes(y, regions, claimed)
                skip = None if found is None else found[0]
        if regions is not None and clean:
            y = clean_colour(y, regions, skip=skip)
        if guide is not None and self.code_dim:  # finish moving the colours to the guide's
            keep = None if hints is None else hints.mask if dense is None else (dense.mask | hints.mask)
            y = transfer(y, page.small, guide, keep=keep)
        return y

    def _scoped(self, y: np.ndarray, page: _Page, regions: Regions, hints: HintRaster,
                dense: HintRaster | None, guide: np.ndarray | None) -> np.ndarray:
        """``y`` with the hints' effect kept to where they belong (see ``hint_scope``)."""
        key = (page.key_small, page.gap_ws, encode_palette(guide).tobytes())
        if self._unhinted is None or self._unhinted[0] != key:
            x0, code0 = self.model_input(page.small, None, guide, gap=page.gap_ws)
            unhinted = decode_output_u8(self.predict(x0, code0), page.h, page.w)
            self._unhinted = (key, unhinted, region_lab(unhinted, regions))
        _, unhinted, unhinted_lab = self._unhinted
        px = hints.rgb[hints.mask].astype(np.uint32)  # the distinct hint colours, as packed ints
        packed = np.unique((px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2])[:256]
        colours = np.stack([packed >> 16, (packed >> 8) & 255, packed & 255], axis=1).astype(np.uint8)
        return scope_hints(y, unhinted, regions, colours, None if dense is None else dense.mask,
                           unhinted_lab=unhinted_lab)

    def _page(self, img: LoadedImage, working_size: int, barriers: BarriersLike, gap: int) -> _Page:
        """The line art at full and working size, with the barriers burnt into the copies that
        are segmented, and the keys their regions are cached under."""
        if working_size < 16:
            raise GanimeError(f"working size must be at least 16 px, got {working_size}")
        digest, full = self._line_art(img)
        height, width = full.shape
        w, h = working_dims(width, height, working_size)
        small = full if (w, h) == (width, height) else cv2.resize(full, (w, h), interpolation=cv2.INTER_AREA)
        wall = barrier_mask(barriers, width, height)
        seg_full, seg_small = full, small
        if wall is not None:
            digest += "+" + _digest(np.packbits(wall))
            seg_full = burn_barriers(full, thicken(wall))
            seg_small = seg_full if (w, h) == (width, height) else burn_barriers(small, shrink(wall, w, h))
        return _Page(full, small, seg_full, seg_small, f"{digest}/{width}x{height}", f"{digest}/{w}x{h}",
                     gap, round(gap * w / width))

    def _line_art(self, img: LoadedImage) -> tuple[str, np.ndarray]:
        """(a digest of the picture, its line art), the last one reused while the picture is the same."""
        digest = _digest(img.rgb, img.alpha)
        if self._lines_cache is None or self._lines_cache[0] != digest:
            lines = to_line_art(img)
            lines.flags.writeable = False  # shared by the results of this picture: never changed
            self._lines_cache = (digest, lines)
        return digest, self._lines_cache[1]

    def _edge_plan(self, page: _Page) -> EdgePlan:
        """Where the colour beside the lines comes from (``upsample``), kept for the last page."""
        key = f"{page.key_full}/{page.w}x{page.h}"
        if self._plan_cache is None or self._plan_cache[0] != key:
            self._plan_cache = (key, plan_edges(page.seg_full, (page.w, page.h)))
        return self._plan_cache[1]

    def dense_hints(self, lines: np.ndarray, hints: HintRaster | None, gap: int = DEFAULT_GAP) -> HintRaster | None:
        """The hints spread over their regions, for a model that takes them (else None)."""
        if hints is None or "dense_mask" not in self.channels:
            return None
        return spread_hints(self.regions_for(lines, gap), hints)

    def model_input(self, lines: np.ndarray, hints: HintRaster | None,
                    palette: np.ndarray | None = None, *, gap: int = DEFAULT_GAP,
                    dense: HintRaster | None | bool = True) -> tuple[np.ndarray, np.ndarray]:
        """The encoded, padded network input at the working size and the colour code.

        ``dense``: the dense hints if already computed (None: none), or True to compute them.
        """
        inp = ModelInput(lines)
        if hints is not None:
            inp.hint_rgb, inp.hint_mask = hints.rgb, hints.mask
            spread = self.dense_hints(lines, hints, gap) if dense is True else dense
            if isinstance(spread, HintRaster):
                inp.dense_rgb, inp.dense_mask = spread.rgb, spread.mask
        return encode(inp, self.channels, multiple=self.stride), encode_palette(palette)

    def regions_for(self, lines: np.ndarray, gap: int = DEFAULT_GAP) -> Regions:
        """Segment line art into regions, reusing a recent result for the same line art and gap."""
        key = hashlib.blake2b(np.ascontiguousarray(lines).data, digest_size=16).hexdigest() + f"{lines.shape}"
        return self._regions(lines, gap, key)

    def _regions(self, lines: np.ndarray, gap: int, key: str) -> Regions:
        key = f"{key}/{gap}"
        if key not in self._regions_cache:
            if len(self._regions_cache) >= 3:  # the working size, the full size, a preview size
                self._regions_cache.pop(next(iter(self._regions_cache)))
            self._regions_cache[key] = segment(lines, RegionConfig(gap_close=int(gap)))
        return self._regions_cache[key]


@dataclass
class _Page:
    """One picture's line art as :meth:`Colorizer.colorize` uses it.

    ``full`` / ``small``: the line art at full and working size (what the network and the line
    overlay see); ``seg_*``: the same with the barriers burnt in (what the segmentation sees);
    ``key_*``: cache keys of the ``seg_*`` line art; ``gap_*``: the gap-closing size at each size.
    """

    full: np.ndarray
    small: np.ndarray
    seg_full: np.ndarray
    seg_small: np.ndarray
    key_full: str
    key_small: str
    gap_full: int
    gap_ws: int

    @property
    def width(self) -> int:
        return self.full.shape[1]

    @property
    def height(self) -> int:
        return self.full.shape[0]

    @property
    def w(self) -> int:
        return self.small.shape[1]

    @property
    def h(self) -> int:
        return self.small.shape[0]


def _check_options(lines: str, mode: str, hint_scope: str, gap: int | None) -> None:
    if lines not in LINE_MODES:
        raise GanimeError(f"lines must be one of {LINE_MODES}, got {lines!r}")
    if mode not in COLOR_MODES:
        raise GanimeError(f"mode must be one of {COLOR_MODES}, got {mode!r}")
    if hint_scope not in HINT_SCOPES:
        raise GanimeError(f"hint_scope must be one of {HINT_SCOPES}, got {hint_scope!r}")
    if gap is not None and not 0 <= int(gap) <= MAX_GAP:
        raise GanimeError(f"gap must be between 0 and {MAX_GAP} px, got {gap}")


def _digest(*arrays: np.ndarray | None) -> str:
    """A content hash of some arrays (shape included) for the caches: SHA-1, hardware-fast."""
    hsh = hashlib.sha1(usedforsecurity=False)
    for arr in arrays:
        if arr is not None:
            hsh.update(repr(arr.shape).encode())
            hsh.update(np.ascontiguousarray(arr).data)
    return hsh.hexdigest()


def _overlay(rgb: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """The line overlay: uint8 HxWx3 x line art (float HxW in [0, 1]) in uint8 arithmetic.

    The line art is rounded to 1/255 first (a level of difference at most): four times less
    memory traffic than a float product at full size.
    """
    grey = cv2.convertScaleAbs(lines, alpha=255.0)
    return cv2.multiply(rgb, cv2.merge([grey, grey, grey]), scale=1.0 / 255.0)


def _as_image(line_art: ImageLike) -> LoadedImage:
    if isinstance(line_art, LoadedImage):
        return line_art
    if isinstance(line_art, np.ndarray):
        return from_array(line_art)
    return load_image(line_art)


def _hint_raster(hints: HintsLike, width: int, height: int,
                 to: tuple[int, int] | None = None) -> HintRaster | None:
    """Any hint form -> a raster at the sketch's full size, or None when there are no hints.

    ``to``: (w, h) to rasterise at instead (strokes are drawn there directly, not drawn at full
    size and shrunk).
    """
    if hints is None:
        return None
    tw, th = to or (width, height)
    if isinstance(hints, str | Path):
        hints = load_hints(hints, width, height)
    if isinstance(hints, np.ndarray):
        hints = HintRaster.from_rgba(hints)
    if isinstance(hints, HintRaster):
        return hints.resized(tw, th) if hints.mask.any() else None
    if isinstance(hints, HintSet):
        scale = width / hints.size[0] if hints.size else 1.0
        strokes: Sequence[Stroke] = hints.strokes
    else:
        scale, strokes = 1.0, hints
    if not strokes:
        return None
    raster = rasterize(strokes, tw, th, scale * tw / width)
    return raster if raster.mask.any() else None
