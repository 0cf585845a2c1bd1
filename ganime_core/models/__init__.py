"""Network definitions: one file per model, an explicit registry in ``registry.py``."""

from .registry import GENERATORS, build_generator, generator_config_from_dict

__all__ = ["GENERATORS", "build_generator", "generator_config_from_dict"]
