"""The training configuration: one frozen dataclass, with a command line built from its fields.

Every field is a ``--flag`` (underscores become dashes); the help text comes from the field's
``help`` metadata. The generator is any architecture in ``ganime_core``'s registry, configured
with ``--gen key=value,...`` (e.g. ``--arch unet --gen base_width=32,depth=6``).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from ganime_core.models.registry import GENERATORS, generator_config_from_dict

from .losses import GAN_MODES


def _f(default: Any, help: str, **kw: Any) -> Any:  # noqa: A002 - mirrors argparse
    return field(default=default, metadata={"help": help, **kw})


@dataclass(frozen=True)
class TrainConfig:
    data: str = _f("../shared/data/train_color", "data folder (colour-only, NNN_sketch/NNN_color pairs, sketch/+color/ folders, "
                       "or side-by-side Kaggle pairs)")
    out: str = _f("runs/default", "run folder: checkpoints, stats.jsonl, sample grids")
    layout: str = _f("auto", "data layout", choices=("auto", "sidebyside", "pairs", "color"))
    arch: str = _f("unet", "generator architecture", choices=tuple(GENERATORS))
    gen: str = _f("base_width=32,depth=6,norm=instance,upsample=smooth,dropout=0.0,in_channels=9,code_dim=33",
                  "generator config as key=value,... (keys of the architecture's config)")
    d_width: int = _f(32, "PatchGAN base width")
    d_layers: int = _f(3, "PatchGAN layers (3 = 70x70 patches)")
    d_norm: str = _f("instance", "PatchGAN normalisation (real and fake share one D batch)", choices=("batch", "instance", "group", "none"))
    gan_mode: str = _f("lsgan", "adversarial loss ('none' trains with L1/TV/hint only)", choices=GAN_MODES)
    lambda_gan: float = _f(1.0, "weight of the adversarial loss")
    lambda_l1: float = _f(100.0, "weight of the L1 loss")
    lambda_tv: float = _f(1e-4, "weight of the total-variation loss")
    lambda_hint: float = _f(30.0, "weight of the L1 loss inside hint masks")
    lambda_segment: float = _f(30.0, "weight of the L1 loss on the rest of the ground-truth colour segment of each hint")
    lambda_paper: float = _f(30.0, "weight of the L1 loss on paper far from lines (keeps the page white)")
    lambda_colourful: float = _f(10.0, "weight of the one-sided colourfulness loss (output duller than the ground truth)")
    colourful_kind: str = _f("hasler", "what the colourfulness loss measures: hasler (Hasler-Süsstrunk, whose spread "
                             "term a white blot also raises) or chroma (mean chroma: only more colour raises it)",
                             choices=("hasler", "chroma"))
    lr_g: float = _f(2e-4, "generator learning rate")
    lr_d: float = _f(1e-4, "discriminator learning rate")
    code_lr_mult: float = _f(5.0, "learning-rate multiplier for the colour-code (FiLM) layers, which start at zero")
    beta1: float = _f(0.5, "Adam beta1")
    beta2: float = _f(0.999, "Adam beta2")
    batch_size: int = _f(8, "images per micro-batch (per process)")
    accum: int = _f(1, "micro-batches per optimiser step (gradient accumulation)")
    epochs: int = _f(150, "epochs (an epoch = one pass over as many samples as training files)")
    max_steps: int = _f(0, "stop after this many optimiser steps (0 = epochs decide)")
    decay_from: float = _f(0.5, "fraction of the steps after which the LR decays linearly to 0")
    canvas: int = _f(256, "canvas size the images are placed on")
    crop: int = _f(128, "training crop size (0 = whole canvas)")
    figure_share: float = _f(0.45, "share of samples from the figure folders (fullbody, fullbody2, illustrations)")
    hint_none: float = _f(0.3, "share of samples without any hint")
    recolour: float = _f(0.0, "share of hinted samples where one hinted colour segment gets a random "
                         "colour in both the ground truth and its hints (teaches following any hint colour)")
    palette_none: float = _f(0.3, "share of samples without a colour code (palette/reference)")
    val_fraction: float = _f(0.2, "share of files held out for validation (split by file)")
    seed: int = _f(0, "random seed (split, sampling, augmentation, initialisation)")
    workers: int = _f(0, "DataLoader worker processes")
    threads: int = _f(0, "torch CPU threads (0 = leave the default)")
    device: str = _f("auto", "auto, cpu, cuda, cuda:N or mps")
    amp: bool = _f(True, "mixed precision and channels_last on CUDA")
    log_every: int = _f(20, "steps between stats.jsonl lines")
    checkpoint_minutes: float = _f(5.0, "minutes between checkpoints (also written on Ctrl+C and at the end)")
    sample_minutes: float = _f(10.0, "minutes between sample grids (also one per epoch)")
    time_limit_minutes: float = _f(0.0, "stop cleanly after this many minutes (0 = no limit)")
    progress: bool = _f(True, "show a tqdm progress bar")

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.accum < 1:
            raise ValueError("batch_size and accum must be at least 1")
        if self.crop and self.crop > self.canvas:
            raise ValueError(f"crop ({self.crop}) must not exceed canvas ({self.canvas})")
        self.generator_config()  # validates arch and gen

    def generator_config(self) -> Any:
        return generator_config_from_dict(self.arch, parse_kv(self.gen))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)


def parse_kv(text: str) -> dict[str, Any]:
    """``"a=1,b=x,c=0.5"`` -> ``{"a": 1, "b": "x", "c": 0.5}``."""
    out: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"expected key=value, got {part!r}")
        try:
            out[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            out[key.strip()] = value.strip()
    return out


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true/false, got {text!r}")


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    for f in dataclasses.fields(TrainConfig):
        kind = {bool: _bool, int: int, float: float}.get(type(f.default), str)
        parser.add_argument("--" + f.name.replace("_", "-"), dest=f.name, type=kind, default=None,
                            choices=f.metadata.get("choices"),
                            help=f"{f.metadata['help']} (default: {f.default})")


def config_from_args(args: argparse.Namespace, base: TrainConfig | None = None) -> TrainConfig:
    """Command-line values override ``base`` (or the defaults); unset flags keep them."""
    base = base or TrainConfig()
    changes = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)
               if getattr(args, f.name, None) is not None}
    return dataclasses.replace(base, **changes)


def config_from_dict(values: dict[str, Any]) -> TrainConfig:
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in values.items() if k in known})


def describe(config: TrainConfig) -> str:
    return json.dumps(config.to_dict(), indent=1, sort_keys=True)
