"""The model's input, named: one type, encoded and decoded only here.

A :class:`ModelInput` holds everything a generator may be given: the line art, the hint strokes
(colour + mask), the dense hints (each hint spread over the closed line-art regions it touches,
colour + mask) and a global colour code (a palette of up to ``PALETTE_SIZE`` Lab colours with
area weights, from a reference picture or a ``.gpl`` file). A model's metadata records the
spatial channel names it was trained on (``CHANNELS_V1`` for every model shipped before dense
hints); :func:`encode` builds exactly those, giving a neutral value (no hint, no palette) for
anything the caller did not supply.

Spatial channels are float32 CxHxW: ``line`` (paper = +1, ink = -1), ``hint_r/g/b`` (in [-1, 1],
zero where no hint), ``hint_mask`` (0/1), ``dense_r/g/b`` and ``dense_mask`` (the same for the
spread hints). The colour code is a float32 vector of ``CODE_DIM``: per palette slot
(L/100, a/110, b/110, weight), then one presence flag. Output: RGB in [-1, 1].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import cv2
import numpy as np

from ganime_core.color import kmeans_lab, lab_to_rgb, rgb_to_lab, sample_rows  # noqa: F401 - lab_to_rgb re-exported for palette chips
from ganime_core.constants import PAPER_RGB
from ganime_core.imageops import chw_to_hwc

CHANNELS_V1: tuple[str, ...] = ("line", "hint_r", "hint_g", "hint_b", "hint_mask")
CHANNELS_V2: tuple[str, ...] = CHANNELS_V1 + ("dense_r", "dense_g", "dense_b", "dense_mask")
KNOWN_CHANNELS = frozenset(CHANNELS_V2)
PALETTE_SIZE = 8
CODE_DIM = PALETTE_SIZE * 4 + 1
# A neutral value for each channel the caller gave nothing for: paper, no hint.
_NEUTRAL = {"line": 1.0}

T = TypeVar("T")


@dataclass
class ModelInput:
    """What the network is told about one picture at the working resolution.

    ``lines`` float HxW in [0, 1] (1 = paper); ``hint_rgb`` uint8 HxWx3 and ``hint_mask`` bool HxW;
    ``dense_rgb``/``dense_mask`` the same for hints spread over their regions; ``palette`` a
    float32 (k, 4) array of Lab colours (L 0..100, a/b about -110..110) and weights, or None.
    """

    lines: np.ndarray
    hint_rgb: np.ndarray | None = None
    hint_mask: np.ndarray | None = None
    dense_rgb: np.ndarray | None = None
    dense_mask: np.ndarray | None = None
    palette: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.lines.shape[:2]


def check_channels(channels: Sequence[str]) -> tuple[str, ...]:
    """Validate a channel list read from a model's metadata; raises ``ValueError``."""
    names = tuple(str(c) for c in channels)
    unknown = [c for c in names if c not in KNOWN_CHANNELS]
    if unknown or not names or len(set(names)) != len(names):
        raise ValueError(f"unknown or repeated input channels {unknown or list(names)}; "
                         f"known: {', '.join(CHANNELS_V2)}")
    return names


def default_channels(in_channels: int) -> tuple[str, ...]:
    """The channel list of a model that did not record one (by its channel count)."""
    for names in (CHANNELS_V1, CHANNELS_V2):
        if len(names) == in_channels:
            return names
    if in_channels < len(CHANNELS_V1):
        return CHANNELS_V1[:in_channels]
    raise ValueError(f"a model with {in_channels} input channels must record their names")


_HINT_LUT = np.arange(256, dtype=np.float32) / np.float32(127.5) - np.float32(1.0)  # uint8 -> [-1, 1]


def _write_planes(out: np.ndarray, index: dict[str, int], rgb: np.ndarray | None,
                  mask: np.ndarray | None, prefix: str) -> None:
    """Write ``prefix``_r/g/b (``rgb`` in [-1, 1], 0 off the mask) and ``prefix``_mask into ``out``.

    Only the box around the mask is computed; the rest of the planes is zero.
    """
    if rgb is None or mask is None:
        return
    h, w = mask.shape
    planes = [(index[f"{prefix}_{c}"], i) for i, c in enumerate("rgb") if f"{prefix}_{c}" in index]
    at_mask = index.get(f"{prefix}_mask")
    for i in [p for p, _ in planes] + ([] if at_mask is None else [at_mask]):
        out[i, :h, :w] = 0.0
    x, y, bw, bh = cv2.boundingRect(np.ascontiguousarray(mask, bool).view(np.uint8))
    if bw == 0 or bh == 0:
        return
    box = (slice(y, y + bh), slice(x, x + bw))
    m = mask[box].astype(np.float32)
    scaled = cv2.LUT(np.ascontiguousarray(rgb[box], np.uint8), _HINT_LUT)  # float32, bh x bw x 3
    for plane, c in planes:
        np.multiply(scaled[..., c], m, out=out[plane, y:y + bh, x:x + bw])
    if at_mask is not None:
        out[at_mask, y:y + bh, x:x + bw] = m


def encode(inp: ModelInput, channels: Sequence[str] = CHANNELS_V1, *, multiple: int = 1) -> np.ndarray:
    """The spatial input a model with ``channels`` needs, CxHxW float32.

    ``multiple``: H and W are padded up to a multiple of it (the model's stride) with each
    channel's neutral value (paper for the lines, nothing elsewhere), written straight into one
    buffer.
    """
    h, w = inp.shape
    hp, wp = -(-h // multiple) * multiple, -(-w // multiple) * multiple
    index = {name: i for i, name in enumerate(channels)}
    out = np.empty((len(channels), hp, wp), np.float32)
    written = {"line"}
    for prefix, rgb, mask in (("hint", inp.hint_rgb, inp.hint_mask), ("dense", inp.dense_rgb, inp.dense_mask)):
        if rgb is not None and mask is not None:
            written |= {f"{prefix}_{c}" for c in ("r", "g", "b", "mask")}
    for i, name in enumerate(channels):
        value = _NEUTRAL.get(name, 0.0)
        if name not in written:
            out[i] = value
        elif (hp, wp) != (h, w):  # only the padding: the picture part is written below
            out[i, h:, :] = value
            out[i, :h, w:] = value
    if "line" in index:
        dst = out[index["line"], :h, :w]
        np.multiply(inp.lines, np.float32(2.0), out=dst, casting="unsafe")
        dst -= np.float32(1.0)
    _write_planes(out, index, inp.hint_rgb, inp.hint_mask, "hint")
    _write_planes(out, index, inp.dense_rgb, inp.dense_mask, "dense")
    return out


def encode_input(lines: np.ndarray, hint_rgb: np.ndarray | None = None,
                 hint_mask: np.ndarray | None = None) -> np.ndarray:
    """The 5-channel layout of the first models (line + hint RGB + hint mask)."""
    return encode(ModelInput(lines, hint_rgb, hint_mask), CHANNELS_V1)


def split(x: T, channels: Sequence[str]) -> dict[str, T]:
    """Named views of an encoded batch or sample (NxCxHxW or CxHxW; numpy or torch).

    Groups come back whole: ``line`` (1), ``hint_rgb`` (3), ``hint_mask`` (1), ``dense_rgb`` (3),
    ``dense_mask`` (1), each only when the layout has it.
    """
    index = {c: i for i, c in enumerate(channels)}
    arr: Any = x
    lead = arr.ndim - 3
    out: dict[str, Any] = {}
    groups = {"line": ("line",), "hint_rgb": ("hint_r", "hint_g", "hint_b"), "hint_mask": ("hint_mask",),
              "dense_rgb": ("dense_r", "dense_g", "dense_b"), "dense_mask": ("dense_mask",)}
    for group, names in groups.items():
        if not all(n in index for n in names):
            continue
        first = index[names[0]]
        if [index[n] for n in names] != list(range(first, first + len(names))):
            raise ValueError(f"channels of {group} are not consecutive in {list(channels)}")
        sl = (slice(None),) * lead + (slice(first, first + len(names)),)
        out[group] = arr[sl]
    return out


def decode_output(rgb: np.ndarray) -> np.ndarray:
    """3xHxW float in [-1, 1] -> HxWx3 float32 in [0, 1]."""
    return chw_to_hwc(rgb)


def decode_output_u8(rgb: np.ndarray, height: int | None = None, width: int | None = None) -> np.ndarray:
    """3xHxW float in [-1, 1] -> HxWx3 uint8 (rounded, saturated), cropped to ``height`` x ``width``."""
    # x * 127.5 + 127.5, saturated; the floor at -1 keeps the "abs" of convertScaleAbs from
    # folding values below -1 back up. A channels-last forward leaves the pixels interleaved in
    # memory: converted as they lie; else plane by plane (no float transpose)
    hwc = rgb.transpose(1, 2, 0)[:height, :width]
    if hwc.dtype == np.float32 and hwc.strides[2] == 4 and hwc.strides[1] == 12:
        return cv2.convertScaleAbs(np.maximum(hwc, np.float32(-1.0)), alpha=127.5, beta=127.5)
    planes = [cv2.convertScaleAbs(np.maximum(np.asarray(rgb[c, :height, :width], np.float32), np.float32(-1.0)),
                                  alpha=127.5, beta=127.5) for c in range(3)]
    return cv2.merge(planes)


# -- the global colour code ----------------------------------------------------------------------

def palette_from_image(rgb: np.ndarray, k: int = PALETTE_SIZE, *, seed: int = 0,
                       mask: np.ndarray | None = None, max_pixels: int = 4096) -> np.ndarray:
    """The k main colours of a picture (k-means in Lab), (m, 4) float32 sorted by weight.

    Near-white paper is left out (it says nothing about the character's colours) unless the
    picture is nearly all paper. ``mask`` limits it to some pixels.
    """
    px = np.asarray(rgb, np.uint8).reshape(-1, 3)
    if mask is not None:
        px = px[np.asarray(mask, bool).ravel()]
    if px.shape[0] == 0:
        return np.zeros((0, 4), np.float32)
    keep = ~(px >= PAPER_RGB).all(axis=1)
    if keep.mean() > 0.02:
        px = px[keep]
    px = sample_rows(px, max_pixels, seed)
    lab = rgb_to_lab(px)
    k = int(min(k, len(np.unique(px, axis=0))))
    if k <= 1:
        return np.concatenate([lab.mean(axis=0), [1.0]]).astype(np.float32)[None]
    labels, centers = kmeans_lab(lab, k, seed)
    weights = np.bincount(labels, minlength=k).astype(np.float32)
    order = np.argsort(-weights)
    pal = np.concatenate([centers[order], (weights[order] / weights.sum())[:, None]], axis=1)
    return pal[pal[:, 3] > 0].astype(np.float32)


def palette_from_colors(colors: Sequence[Sequence[int]],
                        weights: Sequence[float] | None = None) -> np.ndarray:
    """A palette from sRGB colours (e.g. a ``.gpl`` file), equal weights unless given."""
    rgb = np.asarray(colors, np.uint8).reshape(-1, 3)[:PALETTE_SIZE]
    if rgb.shape[0] == 0:
        return np.zeros((0, 4), np.float32)
    w = np.ones(rgb.shape[0], np.float32) if weights is None else np.asarray(weights, np.float32)[:rgb.shape[0]]
    w = np.clip(w, 0, None)
    w = w / w.sum() if w.sum() > 0 else np.full_like(w, 1.0 / len(w))
    return np.concatenate([rgb_to_lab(rgb), w[:, None]], axis=1).astype(np.float32)


def encode_palette(palette: np.ndarray | None) -> np.ndarray:
    """(k, 4) Lab+weight palette (or None) -> the ``CODE_DIM`` colour code (zeros = no palette)."""
    code = np.zeros(CODE_DIM, np.float32)
    if palette is None or len(palette) == 0:
        return code
    pal = np.asarray(palette, np.float32)[:PALETTE_SIZE]
    scaled = np.stack([pal[:, 0] / 100.0, pal[:, 1] / 110.0, pal[:, 2] / 110.0, pal[:, 3]], axis=1)
    code[: scaled.size] = np.clip(scaled, -1.5, 1.5).ravel()
    code[-1] = 1.0
    return code


def decode_palette(code: np.ndarray) -> np.ndarray:
    """The inverse of :func:`encode_palette`: (k, 4) Lab+weight, empty for a zero code."""
    code = np.asarray(code, np.float32)
    if code[-1] < 0.5:
        return np.zeros((0, 4), np.float32)
    pal = code[:-1].reshape(PALETTE_SIZE, 4)
    pal = pal[pal[:, 3] > 0]
    return np.stack([pal[:, 0] * 100.0, pal[:, 1] * 110.0, pal[:, 2] * 110.0, pal[:, 3]], axis=1)


def channels_from_metadata(meta: Mapping[str, Any], in_channels: int) -> tuple[str, ...]:
    """The channel list a model file records (or the default for its channel count)."""
    names = meta.get("inputs")
    if not names:
        return default_channels(in_channels)
    names = check_channels(names)
    if len(names) != in_channels:
        raise ValueError(f"the model records {len(names)} input channels but has {in_channels}")
    return names
