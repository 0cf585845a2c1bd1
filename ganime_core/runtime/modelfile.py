"""Torch-free facts about model files: where the default lives and what a file's metadata says.

The GUI thread uses this to describe a model without importing torch; ``weights.py`` builds on
it to load one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganime_core.errors import WeightsError
from ganime_core.io.jsonsafe import parse_json, short

FORMAT = "ganime-weights"
FORMAT_VERSION = 1
RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "models"  # package data
DEFAULT_WEIGHTS = RESOURCES / "default.safetensors"
MAX_CONFIG_INT = 4096  # no generator hyper-parameter is near this; larger means a hostile file
WORKING_SIZES = (16, 16384)


def read_metadata(path: str | Path) -> dict[str, str]:
    """The metadata of a GANime ``.safetensors`` file; :class:`WeightsError` for anything else."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
    except Exception as exc:  # safetensors raises several unrelated types for bad files
        raise WeightsError(f"{path.name}: not a valid .safetensors file ({str(exc)[:160]})") from None
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise WeightsError(f"{path.name}: the file's metadata is not text")
    if meta.get("format") != FORMAT:
        raise WeightsError(f"{path.name}: not a GANime model (no '{FORMAT}' metadata); "
                           "export checkpoints with `python -m training.export`")
    try:
        version = int(meta.get("format_version", "0"))
    except (TypeError, ValueError):
        version = 0
    if not 1 <= version <= FORMAT_VERSION:
        raise WeightsError(f"{path.name}: weights format version {meta.get('format_version', '')[:20]!r} "
                           f"is not supported by this GANime (supports 1..{FORMAT_VERSION})")
    return meta


@dataclass
class ModelFacts:
    """What a model file says about itself, types and ranges checked, read without torch.

    ``config`` is the generator config as plain data (not yet built into a config class);
    ``inputs`` the recorded input channel names, or None when the file records none.
    """

    path: Path
    arch: str
    working_size: int
    config: dict[str, Any]
    inputs: list[Any] | None
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    model_card: str = ""
    created: str = ""
    in_channels_field: str | None = None  # the ``in_channels`` metadata text, when present


def json_field(meta: dict[str, str], key: str, name: str, kind: type = dict) -> Any:
    """A JSON metadata field, which must hold a ``kind`` (dict by default; another kind may also
    be absent, giving None); :class:`WeightsError` naming the file if not."""
    value = parse_json(meta.get(key) or ("{}" if kind is dict else "null"),
                       f"{name}: metadata field '{key}'", WeightsError)
    if not isinstance(value, kind) and not (kind is not dict and value is None):
        raise WeightsError(f"{name}: metadata field '{key}' holds {type(value).__name__}, "
                           f"not {kind.__name__}")
    return value


def check_config(values: dict[str, Any], name: str) -> dict[str, Any]:
    """Types and magnitudes of a generator config before anything is built from it."""
    for key, v in values.items():
        if isinstance(v, bool) or v is None or isinstance(v, str) and len(v) <= 40:
            continue
        if isinstance(v, int) and 0 <= v <= MAX_CONFIG_INT:
            continue
        if isinstance(v, float) and math.isfinite(v) and abs(v) <= MAX_CONFIG_INT:
            continue
        raise WeightsError(f"{name}: invalid model configuration ({str(key)[:40]} = {short(v)})")
    return values


def _working_size(meta: dict[str, str], name: str) -> int:
    text = meta.get("working_size", "512")
    try:
        size = int(text)
    except ValueError:
        size = -1
    lo, hi = WORKING_SIZES
    if not lo <= size <= hi:
        raise WeightsError(f"{name}: invalid model configuration (working size {short(text)} is "
                           f"not a whole number in {lo}..{hi})")
    return size


def read_facts(path: str | Path) -> ModelFacts:
    """The checked metadata of a GANime model file (:class:`WeightsError` naming the file for
    anything wrong); ``weights.read_info`` builds the generator config from it."""
    path = Path(path)
    meta = read_metadata(path)
    name = path.name
    config = check_config(json_field(meta, "config", name), name)
    working_size = _working_size(meta, name)
    return ModelFacts(path=path, arch="".join(c for c in meta.get("arch", "") if c.isprintable())[:80],
                      working_size=working_size, config=config,
                      inputs=json_field(meta, "inputs", name, list) or None,
                      training=json_field(meta, "training", name),
                      metrics=json_field(meta, "metrics", name),
                      model_card=meta.get("model_card", ""), created=meta.get("created", "")[:64],
                      in_channels_field=meta.get("in_channels"))
