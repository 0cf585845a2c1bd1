"""``python -m training.export runs/NAME/checkpoint.pt [-o model.safetensors]``: checkpoint -> weights.

Writes the inference ``.safetensors`` (fp16 unless that changes the output by more than
``--tolerance``), its ``.sha256``, and metadata with the training provenance, optional metrics
(an ``eval.json``) and a model card (a Markdown file).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path, PurePath
from typing import Any

import torch

from ganime_core.models.registry import arch_of, as_generator, build_generator
from ganime_core.runtime.weights import save_weights

from .config import config_from_dict
from .trainer import load_checkpoint

log = logging.getLogger(__name__)


def generator_from_checkpoint(path: str | Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    state = load_checkpoint(path)
    config = config_from_dict(state["config"])
    model = build_generator(config.arch, config.generator_config())
    model.load_state_dict(state["G"])
    return model.eval(), state


def fp16_error(model: torch.nn.Module, size: int = 128) -> float:
    """Max |fp32 - fp16-weights| output difference on a fixed probe input (in [-1, 1] units)."""
    g = torch.Generator().manual_seed(0)
    gen = as_generator(model)
    size = max(size, gen.stride)
    x = torch.zeros(1, gen.config.in_channels, size, size)
    x[:, 0] = (torch.rand(1, size, size, generator=g) > 0.1).float() * 2 - 1
    with torch.no_grad():
        ref = model(x)
        half = build_generator_like(model)
        half.load_state_dict({k: v.half().float() if v.is_floating_point() else v
                              for k, v in model.state_dict().items()})
        out = half.eval()(x)
    return float((ref - out).abs().max())


def build_generator_like(model: torch.nn.Module) -> torch.nn.Module:
    return build_generator(arch_of(model), as_generator(model).config)


def export(checkpoint: str | Path, out: str | Path, *, working_size: int = 512, metrics: dict | None = None,
           model_card: str = "", half: bool | None = None, tolerance: float = 2 / 255) -> Path:
    model, state = generator_from_checkpoint(checkpoint)
    if half is None:
        err = fp16_error(model)
        half = err <= tolerance
        log.info("fp16 export changes the output by at most %.5f (tolerance %.5f): %s", err, tolerance,
                 "fp16" if half else "keeping fp32")
    training = provenance(state)
    path = save_weights(out, model, working_size=working_size, training=training, metrics=metrics or {},
                        model_card=model_card, half=half)
    log.info("wrote %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path


def provenance(state: dict[str, Any]) -> dict[str, Any]:
    """Training facts for the metadata. ``steps``/``images_seen``/``epochs``/``train_seconds`` count
    every stage of a fine-tuned model (``--init``); ``this_run`` is the last stage alone and
    ``lineage`` the earlier ones, oldest first. The training data is recorded by name and layout
    (:func:`data_facts`), never as the training machine's folder."""
    cfg = portable_config(state["config"])
    lineage = [{**stage, "config": portable_config(stage.get("config") or {})}
               for stage in state.get("lineage", [])]
    own = {"steps": int(state["step"]), "images_seen": int(state["images_seen"]),
           "train_seconds": round(float(state.get("wall_seconds", 0.0)), 1)}
    total = {k: sum(stage.get(k, 0) for stage in lineage) + v for k, v in own.items()}
    files = int(state.get("train_files", 0))
    return {
        "data": cfg.get("data"), "data_layout": data_facts(state["config"], files),
        "steps": total["steps"], "images_seen": total["images_seen"],
        "epochs": round(total["images_seen"] / files, 2) if files else None,
        "train_seconds": round(total["train_seconds"], 1), "this_run": own, "lineage": lineage,
        "mean_color": state.get("mean_color"), "config": cfg,
    }


def data_name(folder: object) -> str | None:
    """The training data folder by its name alone (``/home/me/data/train_color`` -> ``train_color``)."""
    if not isinstance(folder, str) or not folder:
        return None
    return PurePath(folder).name or None


def portable_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """A training config with its data folder given by name, not by the machine's path."""
    return {**cfg, "data": data_name(cfg.get("data"))} if "data" in cfg else dict(cfg)


def data_facts(cfg: dict[str, Any], files: int) -> dict[str, Any]:
    """How the training data was laid out: its name, the layout option and the file count."""
    return {"name": data_name(cfg.get("data")), "layout": cfg.get("layout"), "train_files": files}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    p = argparse.ArgumentParser(prog="python -m training.export", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("checkpoint", help="a training checkpoint (runs/NAME/checkpoint.pt)")
    p.add_argument("-o", "--out", default="model.safetensors",
                   help="output .safetensors path (the bundled model, which `make export` replaces, "
                        "is ganime_core/resources/models/default.safetensors)")
    p.add_argument("--working-size", type=int, default=512, help="long side the app runs the model at")
    p.add_argument("--metrics", default=None, help="an eval.json whose numbers go into the metadata")
    p.add_argument("--model-card", default=None, help="a Markdown model card stored in the metadata")
    p.add_argument("--precision", choices=("auto", "fp16", "fp32"), default="auto",
                   help="auto = fp16 when the output changes by at most --tolerance")
    p.add_argument("--tolerance", type=float, default=2 / 255, help="max output change for fp16 (in [-1,1] units)")
    args = p.parse_args(argv)
    metrics = json.loads(Path(args.metrics).read_text()) if args.metrics else None
    card = Path(args.model_card).read_text(encoding="utf-8") if args.model_card else ""
    half = None if args.precision == "auto" else args.precision == "fp16"
    export(args.checkpoint, args.out, working_size=args.working_size, metrics=metrics, model_card=card,
           half=half, tolerance=args.tolerance)
    return 0


if __name__ == "__main__":
    sys.exit(main())
