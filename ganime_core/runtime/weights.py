"""Model weights: ``.safetensors`` files that describe themselves. Never unpickled.

Metadata keys (all strings): ``format`` (= ``ganime-weights``), ``format_version``, ``arch``,
``config`` (JSON of the generator config), ``in_channels``, ``working_size``, ``training``
(JSON provenance), ``metrics`` (JSON), ``model_card`` (Markdown), ``created``.
A ``<file>.sha256`` beside the weights (or an explicit ``sha256=``) is verified before use.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from ganime_core.errors import NoDefaultModelError, WeightsError
from ganime_core.inputs.encoding import CHANNELS_V1, channels_from_metadata, default_channels
from ganime_core.io.imageio import atomic_write, atomic_write_bytes
from ganime_core.models.protocol import Generator, GeneratorConfig
from ganime_core.models.registry import (
    arch_of,
    as_generator,
    build_generator,
    generator_config_from_dict,
)

from .modelfile import DEFAULT_WEIGHTS, FORMAT, FORMAT_VERSION, read_facts

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024**3


@dataclass
class ModelInfo:
    arch: str
    config: GeneratorConfig
    working_size: int = 512
    in_channels: int = 5
    inputs: tuple[str, ...] = CHANNELS_V1  # the names of the input channels, in order
    training: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    model_card: str = ""
    created: str = ""
    path: str = ""
    sha256: str = ""
    n_params: int = 0

    def summary(self) -> str:
        cfg = ", ".join(f"{k}={v}" for k, v in config_dict(self.config).items())
        lines = [f"model: {self.arch} ({cfg})", f"parameters: {self.n_params / 1e6:.2f} M",
                 f"working size: {self.working_size}px", f"file: {self.path or '(in memory)'}"]
        if self.sha256:
            lines.append(f"sha256: {self.sha256}")
        if self.training:
            lines.append("training: " + json.dumps(self.training, sort_keys=True))
        if self.metrics:
            lines.append("metrics: " + json.dumps(self.metrics, sort_keys=True))
        return "\n".join(lines)


def config_dict(config: GeneratorConfig) -> dict[str, Any]:
    """A generator config (a frozen dataclass) as plain data."""
    return dataclasses.asdict(config)  # type: ignore[call-overload]


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_weights(path: str | Path, model: nn.Module, *, working_size: int = 512,
                 training: dict | None = None, metrics: dict | None = None,
                 model_card: str = "", half: bool = False, write_sha256: bool = True) -> Path:
    """Write a generator's weights with self-describing metadata, atomically."""
    arch = arch_of(model)
    config = as_generator(model).config
    meta = {
        "format": FORMAT, "format_version": str(FORMAT_VERSION), "arch": arch,
        "config": json.dumps(config_dict(config), sort_keys=True),
        "in_channels": str(config.in_channels), "working_size": str(int(working_size)),
        "inputs": json.dumps(list(default_channels(config.in_channels))),
        "training": json.dumps(training or {}, sort_keys=True),
        "metrics": json.dumps(metrics or {}, sort_keys=True),
        "model_card": model_card,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    dtype = torch.float16 if half else torch.float32
    tensors = {k: (v.detach().to("cpu", dtype) if v.is_floating_point() else v.detach().cpu()).contiguous()
               for k, v in model.state_dict().items()}
    out = atomic_write(path, lambda tmp: save_file(tensors, str(tmp), metadata=meta))
    if write_sha256:
        digest = file_sha256(out)
        atomic_write_bytes(Path(str(out) + ".sha256"), f"{digest}  {out.name}\n".encode())
    return out


def _expected_sha256(path: Path, sha256: str | None) -> str | None:
    if sha256:
        return sha256.strip().lower()
    side = Path(str(path) + ".sha256")
    if side.is_file():
        try:
            if side.stat().st_size > 4096:
                raise ValueError("too large")
            digest = side.read_text(encoding="utf-8").split()[0].lower()
        except (OSError, IndexError, ValueError):  # UnicodeDecodeError is a ValueError
            raise WeightsError(f"{side.name}: unreadable checksum file") from None
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise WeightsError(f"{side.name}: not a sha256 checksum")
        return digest
    return None


def read_info(path: str | Path) -> ModelInfo:
    """The metadata of a weights file, without loading its tensors."""
    path = Path(path)
    facts = read_facts(path)
    try:
        config = generator_config_from_dict(facts.arch, facts.config)
        inputs = channels_from_metadata({"inputs": facts.inputs}, config.in_channels)
    except (ValueError, TypeError) as exc:
        raise WeightsError(f"{path.name}: invalid model configuration ({str(exc)[:160]})") from None
    _check_in_channels_field(facts.in_channels_field, config.in_channels, path.name)
    return ModelInfo(arch=facts.arch, config=config, working_size=facts.working_size,
                     in_channels=config.in_channels, inputs=inputs, training=facts.training,
                     metrics=facts.metrics, model_card=facts.model_card, created=facts.created,
                     path=str(path))


def _check_in_channels_field(field_text: str | None, in_channels: int, name: str) -> None:
    """The ``in_channels`` field, when present, must agree with the model configuration."""
    if field_text is None:
        return
    if field_text.strip() != str(in_channels):
        raise WeightsError(f"{name}: the file says the model takes {field_text[:20]!r} input channels "
                           f"but its configuration has {in_channels}; the file is inconsistent")


def check_generator(model: nn.Module, inputs: tuple[str, ...], name: str) -> Generator:
    """``model`` meets the generator contract and takes exactly the channels ``inputs`` encodes;
    :class:`WeightsError` naming ``name`` if not (a wrong model never reaches inference)."""
    try:
        gen = as_generator(model)
    except TypeError as exc:
        raise WeightsError(f"{name}: {exc}") from None
    if gen.config.in_channels != len(inputs):
        raise WeightsError(f"{name}: the model takes {gen.config.in_channels} input channels but its "
                           f"encoding lists {len(inputs)} ({', '.join(inputs)}); this file does not "
                           "describe a GANime colorizer that this version can feed")
    return gen


def default_weights_path() -> Path:
    if not DEFAULT_WEIGHTS.is_file():
        raise NoDefaultModelError(
            f"No default model is installed (expected {DEFAULT_WEIGHTS}). Train one with "
            "`make train` and export it with `python -m training.export`, or pass a model "
            "file with --weights FILE.safetensors.")
    return DEFAULT_WEIGHTS


def load_weights(path: str | Path | None = None, *, sha256: str | None = None) -> tuple[nn.Module, ModelInfo]:
    """Build the generator a weights file describes and load it (float32, CPU, eval mode)."""
    path = default_weights_path() if path is None else Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise WeightsError(f"{path.name}: file is too large to be a GANime model")
    expected = _expected_sha256(path, sha256)
    digest = file_sha256(path)
    if expected and digest != expected:
        raise WeightsError(f"{path.name}: checksum mismatch (file is corrupt or was modified); "
                           f"expected sha256 {expected[:12]}..., got {digest[:12]}...")
    info = read_info(path)
    info.sha256 = digest
    try:
        tensors = load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise WeightsError(f"{path.name}: cannot read tensors ({exc})") from None
    _check_shapes(info, tensors, path.name)  # before a (possibly huge) model is allocated
    model = build_generator(info.arch, info.config)
    check_generator(model, info.inputs, path.name)
    _load_state(model, tensors, path.name)
    model.eval()
    info.n_params = sum(p.numel() for p in model.parameters())
    return model, info


def _check_shapes(info: ModelInfo, tensors: dict[str, torch.Tensor], name: str) -> None:
    """The described model, built without memory (meta device), must match the file's tensors:
    the same names and shapes (so the real model, built from the same config, does too)."""
    try:
        with torch.device("meta"):
            probe = build_generator(info.arch, info.config)
    except (ValueError, TypeError, RuntimeError, RecursionError) as exc:
        raise WeightsError(f"{name}: invalid model configuration ({str(exc)[:160]})") from None
    expected = {k: tuple(v.shape) for k, v in probe.state_dict().items()}
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise WeightsError(f"{name}: weights do not match the model described in the file "
                           f"({len(missing)} missing, {len(extra)} unexpected tensors, "
                           f"e.g. {(missing or extra)[0][:80]})")
    for key, shape in expected.items():
        if tuple(tensors[key].shape) != shape:
            raise WeightsError(f"{name}: tensor {key} has shape {tuple(tensors[key].shape)}, "
                               f"the model needs {shape}")


def _load_state(model: nn.Module, tensors: dict[str, torch.Tensor], name: str) -> None:
    """Load tensors already matched by :func:`_check_shapes`: float32, finite."""
    state = {}
    for key, ref in model.state_dict().items():
        t = tensors[key]
        if t.is_floating_point():
            t = t.float()
            if not torch.isfinite(t).all():
                raise WeightsError(f"{name}: tensor {key} holds NaN or infinite values")
        state[key] = t.to(ref.dtype)
    model.load_state_dict(state)
