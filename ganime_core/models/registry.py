"""The explicit generator registry: architecture name -> (config class, model class)."""

from __future__ import annotations

import dataclasses
from typing import Any

from torch import nn

from .resnet import ResNetConfig, ResNetGenerator
from .unet import UNetConfig, UNetGenerator

GENERATORS: dict[str, tuple[type, type[nn.Module]]] = {
    "unet": (UNetConfig, UNetGenerator),
    "resnet": (ResNetConfig, ResNetGenerator),
}


def generator_config_from_dict(arch: str, values: dict[str, Any]) -> Any:
    """Build a frozen config; unknown keys or a bad architecture raise ``ValueError``."""
    if arch not in GENERATORS:
        raise ValueError(f"unknown generator architecture {arch!r}; known: {', '.join(GENERATORS)}")
    config_cls = GENERATORS[arch][0]
    known = {f.name for f in dataclasses.fields(config_cls)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown {arch} config keys: {', '.join(sorted(unknown))}")
    return config_cls(**values)


def build_generator(arch: str, config: Any = None) -> nn.Module:
    if arch not in GENERATORS:
        raise ValueError(f"unknown generator architecture {arch!r}; known: {', '.join(GENERATORS)}")
    config_cls, model_cls = GENERATORS[arch]
    if config is None:
        config = config_cls()
    elif isinstance(config, dict):
        config = generator_config_from_dict(arch, config)
    return model_cls(config)


def arch_of(model: nn.Module) -> str:
    for name, (_, model_cls) in GENERATORS.items():
        if type(model) is model_cls:
            return name
    raise ValueError(f"{type(model).__name__} is not a registered generator")
