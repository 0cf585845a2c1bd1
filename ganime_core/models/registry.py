"""The explicit generator registry: architecture name -> (config class, model class).

Every registered model meets :class:`~ganime_core.models.protocol.Generator`;
:func:`build_generator` checks that on the instance it returns.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from torch import nn

from .protocol import Generator, GeneratorConfig
from .resnet import ResNetConfig, ResNetGenerator
from .unet import UNetConfig, UNetGenerator

GENERATORS: dict[str, tuple[type[GeneratorConfig], type[nn.Module]]] = {
    "unet": (UNetConfig, UNetGenerator),
    "resnet": (ResNetConfig, ResNetGenerator),
}


def _entry(arch: str) -> tuple[type[GeneratorConfig], type[nn.Module]]:
    if arch not in GENERATORS:
        raise ValueError(f"unknown generator architecture {arch!r}; known: {', '.join(GENERATORS)}")
    return GENERATORS[arch]


def generator_config_from_dict(arch: str, values: dict[str, Any]) -> GeneratorConfig:
    """Build a frozen config; unknown keys or a bad architecture raise ``ValueError``."""
    config_cls = _entry(arch)[0]
    known = {f.name for f in dataclasses.fields(config_cls)}  # type: ignore[arg-type]
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown {arch} config keys: {', '.join(sorted(unknown))}")
    return config_cls(**values)


def build_generator(arch: str, config: GeneratorConfig | dict[str, Any] | None = None) -> nn.Module:
    """The generator ``arch`` with ``config`` (its defaults when None); a module meeting
    :class:`Generator` (checked: a registry entry that does not is a programming error)."""
    config_cls, model_cls = _entry(arch)
    if config is None:
        config = config_cls()
    elif isinstance(config, dict):
        config = generator_config_from_dict(arch, config)
    model = model_cls(config)
    if not isinstance(model, Generator):
        raise TypeError(f"{model_cls.__name__} does not meet the Generator contract")
    return model


def as_generator(model: nn.Module) -> Generator:
    """``model`` seen through the generator contract; ``TypeError`` if it does not meet it."""
    if not isinstance(model, Generator):
        raise TypeError(f"{type(model).__name__} does not meet the Generator contract")
    return model


def arch_of(model: nn.Module) -> str:
    for name, (_, model_cls) in GENERATORS.items():
        if type(model) is model_cls:
            return name
    raise ValueError(f"{type(model).__name__} is not a registered generator")
