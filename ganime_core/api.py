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

from .dense_hints import spread_hints
from .devices import is_out_of_memory, resolve_device
from .encoding import (
    ModelInput,
    decode_output,
    default_channels,
    encode,
    encode_palette,
    pad_values,
)
from .errors import GanimeError
from .hint_scope import scope_hints
from .hints import HintRaster, HintSet, Stroke, load_hints, rasterize
from .imageio import LoadedImage, from_array, load_image
from .lineart import to_line_art
from .palettes import PaletteLike, ReferenceLike, palette_of
from .paper import keep_paper
from .regions import RegionConfig, RegionLayers, Regions, compose, segment
from .regions_segment import MAX_GAP
from .weights import ModelInfo, load_weights

log = logging.getLogger(__name__)

LINE_MODES = ("multiply", "none")
COLOR_MODES = ("plain", "flats", "locked")
PRECISIONS = ("auto", "fp32", "bf16")
DEFAULT_GAP = RegionConfig().gap_close
HINT_SCOPES = ("regions", "network")
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


def _pad_to(arr: np.ndarray, multiple: int, value: float) -> np.ndarray:
    h, w = arr.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if not (ph or pw):
        return arr
    pad = [(0, 0)] * (arr.ndim - 2) + [(0, ph), (0, pw)]
    return np.pad(arr, pad, mode="constant", constant_values=value)


class Colorizer:
    """A loaded generator on a device, ready to colorize line art."""

    def __init__(self, model: nn.Module, info: ModelInfo, device: str | torch.device = "auto",
                 *, precision: str = "auto") -> None:
        if precision not in PRECISIONS:
            raise GanimeError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        self.info = info
        self.device = resolve_device(str(device))
        self.precision = precision
        self.model = model.eval().to(self.device, memory_format=torch.channels_last)
        self.stride: int = int(getattr(model, "stride", 1))
        model_in = int(getattr(getattr(model, "config", None), "in_channels", len(info.inputs)))
        self.channels: tuple[str, ...] = info.inputs if len(info.inputs) == model_in else default_channels(model_in)
        self.code_dim: int = int(getattr(getattr(model, "config", None), "code_dim", 0))
        self._regions_cache: dict[str, Regions] = {}
        self._unhinted: tuple[tuple, np.ndarray] | None = None  # the last unhinted output (hint_scope)

    @classmethod
    def load(cls, weights: str | Path | None = None, device: str = "auto", *,
             sha256: str | None = None, precision: str = "auto",
             threads: int | None = None) -> Colorizer:
        """Load a weights file (default: ``resources/models/default.safetensors``).

        ``threads``: CPU threads for inference (default: torch's, one per core).
        """
        if threads:
            torch.set_num_threads(max(1, int(threads)))
        model, info = load_weights(weights, sha256=sha256)
        return cls(model, info, device, precision=precision)

    # -- low level -------------------------------------------------------------------------

    def _use_bf16(self) -> bool:
        if self.precision == "bf16":
            return True
        if self.precision == "fp32":
            return False
        return self.device.type == "cpu" and bf16_fast_on_cpu()

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
        t = t.contiguous(memory_format=torch.channels_last)
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
                 gap: int | None = None, hint_scope: str = "regions", paper: bool = True) -> Result:
        """Colorize line art of any size; the result has the input's full resolution.

        ``mode``: ``plain`` (the network's colour), ``flats`` (one exact colour per closed
        region of the line art, hints claim whole regions) or ``locked`` (flats with the
        network's shading: hints obeyed across their region, nothing leaks past a line).
        ``layers=True`` also returns the flats/shading/lines layers in plain mode.
        ``palette`` (a ``.gpl`` file, RGB colours or a Lab+weight array) or ``reference`` (a
        picture) gives the colours to use; the network places them. A model without a colour
        input ignores them. ``gap``: line gaps up to this many pixels (at full size) are closed
        when the line art is cut into regions (default 6). ``hint_scope``: ``regions`` keeps a
        hint's effect to the regions it claims and those the network turns towards its colour
        (``ganime_core.hint_scope``; costs one more network pass, cached while only hints
        change); ``network`` leaves the network's output as it is. ``paper``: the unhinted
        page around the figure stays white where the network left it light (``ganime_core.paper``;
        models with dense-hint inputs only, so older models give exactly their old output).
        """
        if lines not in LINE_MODES:
            raise GanimeError(f"lines must be one of {LINE_MODES}, got {lines!r}")
        if mode not in COLOR_MODES:
            raise GanimeError(f"mode must be one of {COLOR_MODES}, got {mode!r}")
        t0 = time.perf_counter()
        img = _as_image(line_art)
        full_lines = to_line_art(img)
        height, width = full_lines.shape
        ws = int(working_size or self.info.working_size)
        if ws < 16:
            raise GanimeError(f"working size must be at least 16 px, got {ws}")
        if hint_scope not in HINT_SCOPES:
            raise GanimeError(f"hint_scope must be one of {HINT_SCOPES}, got {hint_scope!r}")
        if gap is not None and not 0 <= int(gap) <= MAX_GAP:
            raise GanimeError(f"gap must be between 0 and {MAX_GAP} px, got {gap}")
        w, h = working_dims(width, height, ws)
        small = full_lines if (w, h) == (width, height) else cv2.resize(
            full_lines, (w, h), interpolation=cv2.INTER_AREA)
        full_hints = _hint_raster(hints, width, height)
        gap_full = DEFAULT_GAP if gap is None else int(gap)
        gap_ws = round(gap_full * w / width)
        small_hints = None if full_hints is None else full_hints.resized(w, h)
        guide = palette_of(palette, reference)
        dense = self.dense_hints(small, small_hints, gap_ws)
        x, code = self.model_input(small, small_hints, guide, gap=gap_ws, dense=dense)
        y = decode_output(self.predict(x, code))[:h, :w]
        if small_hints is not None and hint_scope == "regions" and "dense_mask" in self.channels:
            y = self._scoped(y, small, small_hints, dense, guide, gap_ws)
        if paper and "dense_mask" in self.channels:  # models of the first design stay bit-identical
            y = keep_paper(y, self.regions_for(small, gap_ws), None if dense is None else dense.mask)
        color = y if (w, h) == (width, height) else cv2.resize(
            y, (width, height), interpolation=cv2.INTER_CUBIC)
        color_u8 = (np.clip(color, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        region_layers = None
        if mode != "plain" or layers:
            region_layers = compose(full_lines, color_u8, full_hints, mode=mode,
                                    regions=self.regions_for(full_lines, gap_full))
            if mode == "locked":
                color_u8 = _mul(region_layers.flats, region_layers.shading)
            elif mode == "flats":
                color_u8 = region_layers.flats
        if lines == "multiply":
            image = _mul(color_u8, full_lines)
        else:
            image = color_u8.copy()
        if img.alpha is not None:
            image = np.dstack([image, img.alpha])
        return Result(image=image, color=color_u8, lines=full_lines, alpha=img.alpha,
                      working_size=(w, h), seconds=time.perf_counter() - t0, device=str(self.device),
                      mode=mode, layers=region_layers)

    def _scoped(self, y: np.ndarray, lines: np.ndarray, hints: HintRaster, dense: HintRaster | None,
                guide: np.ndarray | None, gap: int) -> np.ndarray:
        """``y`` with the hints' effect kept to where they belong (see ``hint_scope``)."""
        h, w = lines.shape
        key = (hashlib.blake2b(lines.tobytes(), digest_size=16).hexdigest(), gap,
               encode_palette(guide).tobytes())
        if self._unhinted is None or self._unhinted[0] != key:
            x0, code0 = self.model_input(lines, None, guide, gap=gap)
            self._unhinted = (key, decode_output(self.predict(x0, code0))[:h, :w])
        regions = self.regions_for(lines, gap)
        colours = np.unique(hints.rgb[hints.mask], axis=0)[:256]
        out = scope_hints(_u8(y), _u8(self._unhinted[1]), regions, colours,
                          None if dense is None else dense.mask)
        return out.astype(np.float32) / 255.0

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
        x = encode(inp, self.channels)
        x = np.stack([_pad_to(plane, self.stride, v) for plane, v in zip(x, pad_values(self.channels), strict=True)])
        return x, encode_palette(palette)

    def regions_for(self, lines: np.ndarray, gap: int = DEFAULT_GAP) -> Regions:
        """Segment line art into regions, reusing a recent result for the same line art and gap."""
        key = hashlib.blake2b(lines.tobytes(), digest_size=16).hexdigest() + f"{lines.shape}/{gap}"
        if key not in self._regions_cache:
            if len(self._regions_cache) >= 2:  # the working size and the full size
                self._regions_cache.pop(next(iter(self._regions_cache)))
            self._regions_cache[key] = segment(lines, RegionConfig(gap_close=int(gap)))
        return self._regions_cache[key]


def _u8(rgb: np.ndarray) -> np.ndarray:
    return (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _mul(rgb: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """uint8 HxWx3 x float HxW -> uint8, rounded and saturated."""
    return cv2.multiply(rgb, cv2.merge([factor.astype(np.float32)] * 3), dtype=cv2.CV_8U)


def _as_image(line_art: ImageLike) -> LoadedImage:
    if isinstance(line_art, LoadedImage):
        return line_art
    if isinstance(line_art, np.ndarray):
        return from_array(line_art)
    return load_image(line_art)


def _hint_raster(hints: HintsLike, width: int, height: int) -> HintRaster | None:
    """Any hint form -> a raster at the sketch's full size, or None when there are no hints."""
    if hints is None:
        return None
    if isinstance(hints, str | Path):
        hints = load_hints(hints, width, height)
    if isinstance(hints, np.ndarray):
        hints = HintRaster.from_rgba(hints)
    if isinstance(hints, HintRaster):
        return hints.resized(width, height) if hints.mask.any() else None
    if isinstance(hints, HintSet):
        scale = width / hints.size[0] if hints.size else 1.0
        strokes: Sequence[Stroke] = hints.strokes
    else:
        scale, strokes = 1.0, hints
    if not strokes:
        return None
    raster = rasterize(strokes, width, height, scale)
    return raster if raster.mask.any() else None


_BF16: bool | None = None


def bf16_fast_on_cpu() -> bool:
    """Whether this CPU has native bf16 (AVX512-BF16 / AMX); elsewhere bf16 would be slower."""
    global _BF16
    if _BF16 is None:
        flags = ""
        try:
            flags = Path("/proc/cpuinfo").read_text(errors="ignore")
        except OSError:
            pass
        _BF16 = any(f in flags for f in ("avx512_bf16", "amx_bf16"))
    return _BF16
