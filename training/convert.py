"""Start a generator from another's weights when the architecture grew (fine-tuning across designs).

:func:`adapt_generator` copies every tensor that still fits and converts the rest:

- new input channels (dense hints) get zero weights in the first convolution, so the adapted
  network computes what the old one did until training teaches it to use them;
- a new colour code (FiLM) starts at zero, which is "no effect";
- a transposed convolution (4x4, stride 2) becomes the 3x3 convolution of a resize-convolution:
  for ``smooth`` (conv, then bilinear 2x) the transposed kernel ``W`` averaged over its two
  output phases per axis, taps ``(W3, W1 + W2, W0) / 2``; for ``nearest`` the phases matched on
  the upsampled map, ``(W3, (W1 + W2 - W0 - W3) / 2, W0)``; a start that training refines.
"""

from __future__ import annotations

import re

import torch
from torch import nn

from ganime_core.inputs.encoding import default_channels

# 4 transposed taps -> 3 resize-convolution taps, one axis
_PHASES = torch.tensor([[0.0, 0.0, 0.0, 1.0], [-0.5, 0.5, 0.5, -0.5], [1.0, 0.0, 0.0, 0.0]])


# 4 transposed taps -> 3 taps at the low resolution: the average of the two output phases
_PHASE_MEAN = torch.tensor([[0.0, 0.0, 0.0, 0.5], [0.0, 0.5, 0.5, 0.0], [0.5, 0.0, 0.0, 0.0]])


def transpose_to_resize_conv(weight: torch.Tensor, smooth: bool = False) -> torch.Tensor:
    """ConvTranspose2d weight (in, out, 4, 4) -> Conv2d weight (out, in, 3, 3).

    ``smooth``: for a convolution at the low resolution followed by bilinear upsampling (the
    transposed convolution's output averaged over its four phases).
    """
    m = (_PHASE_MEAN if smooth else _PHASES).to(weight.dtype)
    w3 = torch.einsum("ak,iokl,bl->ioab", m, weight, m)
    return w3.transpose(0, 1).contiguous()


def _source_key(key: str, src: dict[str, torch.Tensor]) -> str | None:
    if key in src:
        return key
    m = re.fullmatch(r"(ups\.\d+\.1)\.[01]\.(weight|bias)", key)  # resize-conv <- transposed conv
    if m and f"{m.group(1)}.{m.group(2)}" in src:
        return f"{m.group(1)}.{m.group(2)}"
    return None


def adapt_generator(source: nn.Module, target: nn.Module) -> list[str]:
    """Load ``source``'s weights into ``target`` (a grown U-Net); returns the converted keys.

    Raises ``ValueError`` when the two differ in anything but input channels, colour code and
    upsampling (widths, depth, normalisation).
    """
    sc, tc = source.config, target.config  # type: ignore[attr-defined]
    for name in ("base_width", "depth", "max_width_mult", "norm", "out_channels"):
        if getattr(sc, name, None) != getattr(tc, name, None):
            raise ValueError(f"cannot adapt: {name} differs ({getattr(sc, name, None)} vs {getattr(tc, name, None)})")
    src = {k: v.detach().float() for k, v in source.state_dict().items()}
    src_channels = default_channels(sc.in_channels)
    dst_channels = default_channels(tc.in_channels)
    state = target.state_dict()
    converted: list[str] = []
    for key, ref in state.items():
        skey = _source_key(key, src)
        if skey is None:
            continue  # new parts (FiLM) keep their own initialisation
        t = src[skey]
        if key == "downs.0.0.weight" and t.shape != ref.shape:
            new = torch.zeros_like(ref)
            for i, name in enumerate(dst_channels):
                if name in src_channels:
                    new[:, i] = t[:, src_channels.index(name)]
            t = new
            converted.append(key)
        elif skey != key and t.dim() == 4:
            t = transpose_to_resize_conv(t, smooth=tc.upsample == "smooth")
            converted.append(key)
        if t.shape != ref.shape:
            raise ValueError(f"cannot adapt {key}: {tuple(t.shape)} vs {tuple(ref.shape)}")
        state[key] = t.to(ref.dtype)
    target.load_state_dict(state)
    return converted
