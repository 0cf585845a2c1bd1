"""The generator contract every architecture in the registry meets.

Inference (``ganime_core.api``), the weights loader and the trainer rely on exactly this:
a config with the input channel count and colour-code length, the spatial stride the input
size must be a multiple of, and ``model(x, code)`` returning RGB in [-1, 1].
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch


@runtime_checkable
class GeneratorConfig(Protocol):
    """What callers read from a generator's config (a frozen dataclass)."""

    @property
    def in_channels(self) -> int: ...

    @property
    def stride(self) -> int: ...


@runtime_checkable
class Generator(Protocol):
    """A colorization generator: ``(N, in_channels, H, W)`` (+ optional ``(N, code_dim)``) -> ``(N, 3, H, W)``."""

    config: GeneratorConfig

    @property
    def stride(self) -> int: ...

    def __call__(self, x: torch.Tensor, code: torch.Tensor | None = None) -> torch.Tensor: ...


def code_dim(model: Generator) -> int:
    """Length of the model's global colour code (0 = it takes none)."""
    return int(getattr(model.config, "code_dim", 0))
