"""The one public entry point for inference: :class:`Colorizer`.

The GUI, the CLI, the tests and ``training.evaluate`` all go through it.

    colorizer = Colorizer.load()                       # default model, best device
    result = colorizer.colorize("sketch.png", hints="sketch.json")
    save_png("out.png", result.image)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ganime_core.inputs.barriers import BarriersLike, barrier_mask
from ganime_core.inputs.dense_hints import spread_hints
from ganime_core.inputs.encoding import (
    ModelInput,
    decode_output_u8,
    default_channels,
    encode,
    encode_palette,
)
from ganime_core.inputs.hints import HintRaster, HintsLike, as_hint_raster
from ganime_core.inputs.lineart import to_line_art
from ganime_core.inputs.page import Page, make_page, working_dims
from ganime_core.inputs.palettes import PaletteLike, ReferenceLike, palette_of
from ganime_core.io.imageio import LoadedImage, from_array, load_image
from ganime_core.models.protocol import code_dim
from ganime_core.models.registry import as_generator
from ganime_core.models.unet import UNetGenerator
from ganime_core.models.unet_infer import unet_inference
from ganime_core.parts.embed import PartHead, region_embeddings
from ganime_core.parts.features import region_colours
from ganime_core.parts.groups import part_groups
from ganime_core.parts.model import PartModel, load_part_model
from ganime_core.parts.spread import APART_THRESHOLD as PART_APART
from ganime_core.parts.spread import THRESHOLD as PART_THRESHOLD
from ganime_core.parts.spread import join_probabilities, spread_claims
from ganime_core.post.hint_scope import region_lab
from ganime_core.post.steps import PartClaims, Picture, run_steps
from ganime_core.post.upsample import EdgePlan, plan_edges
from ganime_core.regions.cache import SHARED, content_key
from ganime_core.regions.compose import RegionLayers
from ganime_core.regions.queries import hint_claims
from ganime_core.regions.segment import Regions
from ganime_core.runtime.calibration import Calibration, calibrate, check_choice, fast_norms
from ganime_core.runtime.devices import is_out_of_memory, resolve_device
from ganime_core.runtime.weights import ModelInfo, load_weights

from .constants import DEFAULT_GAP
from .errors import GanimeError, WeightsError
from .options import ColorizeOptions

log = logging.getLogger(__name__)

__all__ = ["ColorizeOptions", "Colorizer", "Result", "barrier_mask", "working_dims"]

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


class Colorizer:
    """A loaded generator on a device, ready to colorize line art."""

    def __init__(self, model: nn.Module, info: ModelInfo, device: str | torch.device = "auto",
                 *, precision: str = "auto", memory_format: str = "auto") -> None:
        """``precision`` (``PRECISIONS``) and ``memory_format`` (``MEMORY_FORMATS``) of the forward:
        an explicit value is used as given; ``auto`` is measured once per CPU, torch version and
        architecture and cached (``ganime_core.runtime.calibration``)."""
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
        # the last unhinted output and its region colours (hint_scope), the last line art
        # (and the regions' part embeddings, made on first use, when the part model has a head for this network)
        self._unhinted: tuple[tuple, np.ndarray, np.ndarray, Callable[[], np.ndarray | None]] | None = None
        self._lines_cache: tuple[str, np.ndarray] | None = None
        self._plan_cache: tuple[str, EdgePlan] | None = None
        self._unhinted_parts: tuple[np.ndarray, tuple[np.ndarray, np.ndarray]] | None = None  # its region colours
        self._groups_cache: tuple[np.ndarray, np.ndarray] | None = None  # ... and its hint-free parts
        self.parts: PartModel | None = _bundled_parts()
        self.part_threshold = PART_THRESHOLD  # P(same part) from which a region joins a hint's part
        self.part_apart = PART_APART  # ... and without touching it

    @classmethod
    def load(cls, weights: str | Path | None = None, device: str = "auto", *,
             sha256: str | None = None, precision: str = "auto", memory_format: str = "auto",
             threads: int | None = None) -> Colorizer:
        """Load a weights file (default: ``ganime_core/resources/models/default.safetensors``).

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

    def predict(self, x: np.ndarray, code: np.ndarray | None = None, *,
                taps: dict[int, torch.Tensor] | None = None) -> np.ndarray:
        """CxHxW model input (H, W multiples of ``stride``) and colour code -> 3xHxW in [-1, 1].

        ``taps``: filled with a U-Net's decoder activations (``unet_inference``; left empty for
        other generators)."""
        try:
            return self._forward(x, code, taps)
        except (RuntimeError, torch.OutOfMemoryError) as exc:
            if self.device.type == "cpu" or not is_out_of_memory(exc):
                raise
            log.warning("Out of memory on %s; falling back to the CPU", self.device)
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            self.device = torch.device("cpu")
            self.model = self.model.to(self.device)
            return self._forward(x, code, taps)

    def _forward(self, x: np.ndarray, code: np.ndarray | None, taps: dict[int, torch.Tensor] | None = None
                 ) -> np.ndarray:
        t = torch.from_numpy(np.ascontiguousarray(x))[None].to(self.device)
        t = t.contiguous(memory_format=self._format)
        args: tuple[torch.Tensor, ...] = (t,)
        if self.code_dim and code is not None:
            args = (t, torch.from_numpy(np.asarray(code, np.float32))[None].to(self.device))
        model = self.model
        run = model if taps is None or not isinstance(model, UNetGenerator) \
            else lambda t, c=None: unet_inference(model, t, c, taps)
        with torch.inference_mode():
            if self._use_bf16():
                with torch.autocast(self.device.type, dtype=torch.bfloat16):
                    y = run(*args)
            else:
                y = run(*args)
        return y[0].float().cpu().numpy()

    # -- the public call ---------------------------------------------------------------------

    def colorize(self, line_art: ImageLike, hints: HintsLike = None, options: ColorizeOptions | None = None, *,
                 palette: PaletteLike = None, reference: ReferenceLike = None, barriers: BarriersLike = None,
                 **changes: Any) -> Result:
        """Colorize line art of any size; the result has the input's full resolution.

        ``options`` (:class:`ganime_core.options.ColorizeOptions`; default: the defaults) say
        how: the colour ``mode`` (``plain``: the network's colour; ``flats``: one exact colour
        per closed region, hints claim whole regions; ``locked``: flats with the network's
        shading), the ``spread`` of a hint (``part``: its whole part, ``ganime_core.parts``;
        ``region``: the closed regions it touches), the ``lines``, the ``gap`` closed when cutting
        regions (px at full size), the ``working_size`` and more. Keyword ``changes`` (``mode="locked"``, ``gap=12``, ...)
        are applied over ``options`` and validated the same way.

        ``hints``: strokes, a ``HintSet``, a hint raster or RGBA array, or a file. ``palette``
        (a ``.gpl`` file, RGB colours or a Lab+weight array) or ``reference`` (a picture) gives
        the colours to use; a model without a colour input ignores them. ``barriers``:
        invisible lines that only the segmentation sees, never drawn: a bool mask at the
        input's full size, a grey / RGBA array or a PNG path (opaque dark pixels are barrier).
        The steps after the network are those of ``ganime_core.post.steps.STEPS``.
        """
        opts = options or ColorizeOptions()
        if changes:
            opts = opts.replace(**changes)
        t0 = time.perf_counter()
        img = _as_image(line_art)
        page = self._page(img, int(opts.working_size or self.info.working_size), barriers, opts.gap)
        full_hints = as_hint_raster(hints, page.width, page.height) if opts.mode != "plain" or opts.layers else None
        small_hints = (as_hint_raster(hints, page.width, page.height, to=(page.w, page.h)) if full_hints is None
                       else full_hints.resized(page.w, page.h))
        pic = self._network_pass(opts, page, small_hints, palette_of(palette, reference))
        pic.full_hints = full_hints
        run_steps(pic)
        assert pic.image is not None and pic.full_colour is not None
        image = pic.image if img.alpha is None else np.dstack([pic.image, img.alpha])
        return Result(image=image, color=pic.full_colour, lines=page.full, alpha=img.alpha,
                      working_size=(page.w, page.h), seconds=time.perf_counter() - t0,
                      device=str(self.device), mode=opts.mode, layers=pic.layers)

    def _network_pass(self, opts: ColorizeOptions, page: Page, hints: HintRaster | None,
                      guide: np.ndarray | None) -> Picture:
        """The network's colour at the working size, with what the steps need around it: with
        ``spread="part"``, the regions of each hint's part (``ganime_core.parts``), judged from
        this one answer of the network to the hints, and the dense hints grown over them."""
        new_inputs = "dense_mask" in self.channels  # models of the first design stay bit-identical
        regions = page.regions_small() if new_inputs else None
        dense, claims = None, None
        if regions is not None and hints is not None:
            claims = hint_claims(regions, hints)
            dense = spread_hints(regions, hints, claims=claims)
        if hints is None and regions is not None:  # the unhinted pass itself (kept for the next call)
            y = self._unhinted_pass(page, regions, guide)[0].copy()
        else:
            x, code = self.model_input(page.small, hints, guide, gap=page.gap_ws, dense=dense)
            y = decode_output_u8(self.predict(x, code), page.h, page.w)
        part = None
        if claims is not None and regions is not None and hints is not None:
            part = self._part(opts, page, regions, claims, y, guide)
            if part is not None:
                dense = spread_hints(regions, hints, claims=(claims[0] | part.joined, part.colours))
        return Picture(options=opts, page=page, colour=y, regions=regions, hints=hints, dense=dense,
                       part=part, guide=guide, guided=bool(self.code_dim),
                       unhinted=lambda: self._unhinted_pass(page, regions, guide),
                       groups=None if regions is None else lambda: self._groups(page, regions, guide),
                       edge_plan=lambda: self._edge_plan(page))

    def _part(self, opts: ColorizeOptions, page: Page, regions: Regions, claims: tuple[np.ndarray, np.ndarray],
              hinted: np.ndarray, guide: np.ndarray | None) -> PartClaims | None:
        """The regions that join the hints' parts, or None (``spread="region"``, no part model,
        no claim, nothing joins)."""
        claimed, colours = claims
        if opts.spread != "part" or self.parts is None or not claimed.any():
            return None
        unhinted, _ = self._unhinted_pass(page, regions, guide)
        if self._unhinted_parts is None or self._unhinted_parts[0] is not unhinted:
            self._unhinted_parts = (unhinted, region_colours(regions, unhinted))
        assert self._unhinted is not None
        emb = self._unhinted[3]() if "emb_sim" in self.parts.features else None  # only a model that reads them
        joins = join_probabilities(regions, self._unhinted_parts[1], hinted, claimed, colours, self.parts, emb=emb)
        grown, grown_colours, confidence = spread_claims(joins, regions, claimed, colours,
                                                         threshold=self.part_threshold, apart=self.part_apart)
        joined = grown & ~claimed
        return PartClaims(joined, grown_colours, confidence) if joined.any() else None

    def _groups(self, page: Page, regions: Regions, guide: np.ndarray | None) -> np.ndarray | None:
        """The hint-free parts of the page (``parts.groups``; None without a hint-free model),
        kept while the sketch and the guide stay."""
        if self.parts is None or self.parts.free is None:
            return None
        unhinted, _ = self._unhinted_pass(page, regions, guide)
        assert self._unhinted is not None
        if self._groups_cache is None or self._groups_cache[0] is not unhinted:
            groups = part_groups(regions, region_colours(regions, unhinted), self.parts, self._unhinted[3]())
            self._groups_cache = (unhinted, groups)
        return self._groups_cache[1]

    def _unhinted_pass(self, page: Page, regions: Regions | None, guide: np.ndarray | None
                       ) -> tuple[np.ndarray, np.ndarray]:
        """The network's colour without hints and its region colours (for the hint scope),
        kept while only the hints change."""
        assert regions is not None
        key = (page.key_small, page.gap_ws, encode_palette(guide).tobytes())
        if self._unhinted is None or self._unhinted[0] != key:
            x0, code0 = self.model_input(page.small, None, guide, gap=page.gap_ws)
            head = None if self.parts is None else self.parts.head_for(self.info.sha256)
            taps: dict[int, torch.Tensor] | None = {} if head is not None else None
            unhinted = decode_output_u8(self.predict(x0, code0, taps=taps), page.h, page.w)
            lines = torch.from_numpy(np.ascontiguousarray(x0[self.channels.index("line")]))[None, None] * 0.5 + 0.5
            self._unhinted = (key, unhinted, region_lab(unhinted, regions), _lazy_embeddings(head, taps, lines, regions))
        return self._unhinted[1], self._unhinted[2]

    def _page(self, img: LoadedImage, working_size: int, barriers: BarriersLike, gap: int) -> Page:
        """The line art at full and working size, barriers burnt into the copies that are segmented."""
        digest, full = self._line_art(img)
        return make_page(full, digest, working_size, barrier_mask(barriers, full.shape[1], full.shape[0]), gap)

    def _line_art(self, img: LoadedImage) -> tuple[str, np.ndarray]:
        """(a digest of the picture, its line art), the last one reused while the picture is the same."""
        digest = content_key(img.rgb, img.alpha)
        if self._lines_cache is None or self._lines_cache[0] != digest:
            lines = to_line_art(img)
            lines.flags.writeable = False  # shared by the results of this picture: never changed
            self._lines_cache = (digest, lines)
        return digest, self._lines_cache[1]

    def _edge_plan(self, page: Page) -> EdgePlan:
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
        return SHARED.regions(lines, gap)


def _lazy_embeddings(head: PartHead | None, taps: dict[int, torch.Tensor] | None, lines: torch.Tensor,
                     regions: Regions) -> Callable[[], np.ndarray | None]:
    """The regions' part embeddings from the unhinted pass's decoder ``taps``, made on the first
    call (None without a head for this network)."""
    made: list[np.ndarray | None] = []

    def embeddings() -> np.ndarray | None:
        if not made:
            made.append(region_embeddings(head, taps, lines, regions) if head is not None and taps else None)
        return made[0]

    return embeddings


def _bundled_parts() -> PartModel | None:
    """The bundled part model, or None (hints then colour their regions only)."""
    try:
        return load_part_model()
    except WeightsError as exc:
        log.info("no part model: hints colour their regions only (%s)", exc)
        return None


def _as_image(line_art: ImageLike) -> LoadedImage:
    if isinstance(line_art, LoadedImage):
        return line_art
    if isinstance(line_art, np.ndarray):
        return from_array(line_art)
    return load_image(line_art)
