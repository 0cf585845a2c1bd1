"""``python -m training.train --data DIR --out runs/NAME [options]``; ``--help`` lists them all.

Multi-GPU: ``torchrun --nproc_per_node N -m training.train ...`` (DistributedDataParallel;
gloo on CPU, NCCL on CUDA). ``--resume`` continues a run from ``OUT/checkpoint.pt`` exactly.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

import torch
import torch.distributed as dist

from ganime_core.errors import GanimeError

from .config import add_config_arguments, config_from_args, config_from_dict, describe
from .trainer import CHECKPOINT, Trainer, load_checkpoint, write_config

log = logging.getLogger("training.train")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m training.train",
        description="Train GANime's hint-conditioned pix2pix colorizer (U-Net/ResNet generator + "
                    "PatchGAN). Writes OUT/checkpoint.pt, OUT/stats.jsonl and OUT/samples/*.png; "
                    "export with `python -m training.export OUT/checkpoint.pt`.")
    p.add_argument("--resume", action="store_true",
                   help="continue from OUT/checkpoint.pt (its config is used; flags given here override it)")
    p.add_argument("--init", default=None, metavar="WEIGHTS",
                   help="fine-tune: start from a checkpoint.pt (G and D) or a .safetensors model (G), "
                        "e.g. ganime_core/resources/models/default.safetensors, with fresh optimisers")
    p.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    add_config_arguments(p)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    logging.basicConfig(level=logging.INFO if rank == 0 else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = config_from_args(args)
    state = None
    if args.resume:
        ckpt = os.path.join(config.out, CHECKPOINT)
        if not os.path.isfile(ckpt):
            log.error("--resume: no checkpoint at %s", ckpt)
            return 2
        state = load_checkpoint(ckpt)
        config = config_from_args(args, config_from_dict(state["config"]))
    if args.print_config:
        print(describe(config))  # noqa: T201 - CLI output
        return 0
    if args.init and state is None and not os.path.isfile(args.init):  # before loading data and models
        log.error("--init %s: no such file", args.init)
        return 2
    if not config.data:
        log.error("--data DIR is required (a folder of images; see --help)")
        return 2
    device = config.device
    if world > 1:
        local = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available() and config.device in ("auto", "cuda")
        dist.init_process_group("nccl" if cuda else "gloo")
        device = f"cuda:{local}" if cuda else "cpu"
        if cuda:
            torch.cuda.set_device(local)
    try:
        trainer = Trainer(config, rank=rank, world_size=world, device=device)
        if rank == 0:
            write_config(trainer.out, config)
        if state is not None:
            trainer.load_state_dict(state)
            log.info("resumed at step %d of %d", trainer.step, trainer.total_steps)
        elif args.init:
            try:
                trainer.init_from(args.init)
            except (ValueError, OSError, GanimeError) as exc:
                log.error("--init %s: %s", args.init, exc)
                return 2

        def on_term(signum: int, frame: object) -> None:
            log.warning("signal %d: stopping after this step and writing a checkpoint", signum)
            trainer.stop_requested = True

        signal.signal(signal.SIGTERM, on_term)
        try:
            summary = trainer.fit()
        except KeyboardInterrupt:
            return 130
        if rank == 0:
            log.info("done: %s", summary)
        return 0
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
