"""Network definitions: one file per model, an explicit registry in ``registry.py``."""

from .protocol import Generator, GeneratorConfig, code_dim
from .registry import GENERATORS, as_generator, build_generator, generator_config_from_dict

__all__ = ["GENERATORS", "Generator", "GeneratorConfig", "as_generator", "build_generator",
           "code_dim", "generator_config_from_dict"]
