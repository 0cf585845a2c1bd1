"""The hint-conditioned pix2pix trainer: G (any registered generator) + PatchGAN D.

A run folder holds ``checkpoint.pt`` (model, optimisers, schedulers, RNG, step; written
atomically every ``checkpoint_minutes``, on Ctrl+C and at the end), ``stats.jsonl`` (one JSON
line per ``log_every`` steps), ``samples/*.png`` (sketch | hints | output | target) and
``config.json``. With ``torchrun`` it trains with DistributedDataParallel; rank 0 writes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from ganime_core.inputs.encoding import default_channels, split
from ganime_core.io.imageio import atomic_write
from ganime_core.models.patchgan import PatchGANConfig, PatchGANDiscriminator
from ganime_core.models.registry import build_generator
from ganime_core.runtime.devices import resolve_device
from ganime_core.runtime.weights import load_weights

from . import losses
from .config import TrainConfig
from .convert import adapt_generator
from .datasets import AugmentConfig, ColorizationDataset, EpochSampler, read_item
from .hint_sampling import HintConfig
from .layouts import discover
from .layouts import split as split_files
from .palette_sampling import PaletteConfig
from .visualize import save_grid

log = logging.getLogger(__name__)
CHECKPOINT = "checkpoint.pt"


def mean_color(dataset: ColorizationDataset, limit: int = 200) -> list[float]:
    """The mean RGB (0..255) over up to ``limit`` training images (for the trivial baseline)."""
    sums, n = np.zeros(3), 0
    for item in dataset.items[:: max(1, len(dataset.items) // limit)]:
        try:
            rgb, _ = read_item(item)
        except Exception:  # noqa: BLE001 - unreadable files are reported by the dataset
            continue
        sums += rgb.reshape(-1, 3).mean(axis=0)
        n += 1
    return [round(float(v), 2) for v in sums / max(n, 1)]


class Trainer:
    def __init__(self, config: TrainConfig, *, rank: int = 0, world_size: int = 1,
                 device: str | None = None) -> None:
        self.config, self.rank, self.world_size = config, rank, world_size
        self.out = Path(config.out)
        self.device = resolve_device(device or config.device)
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        self.use_amp = config.amp and self.device.type == "cuda"
        self.amp_dtype = torch.bfloat16 if self.use_amp and torch.cuda.is_bf16_supported() else torch.float16
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp and self.amp_dtype == torch.float16)
        self._build_data()
        self._build_models()
        self.step, self.images_seen, self.wall = 0, 0, 0.0
        self.history: list[dict[str, float]] = []
        self.stop_requested = False
        self.lineage: list[dict[str, Any]] = []  # the runs these weights were fine-tuned from, oldest first

    # -- setup ----------------------------------------------------------------------------------

    def _build_data(self) -> None:
        c = self.config
        self.layout, items = discover(c.data, c.layout)
        train_items, val_items = split_files(items, c.val_fraction, c.seed)
        gen = c.generator_config()
        self.channels = default_channels(gen.in_channels)
        aug = AugmentConfig(canvas=c.canvas, crop=c.crop, figure_share=c.figure_share, recolour_p=c.recolour,
                            hints=HintConfig(p_none=c.hint_none), channels=self.channels,
                            code=bool(getattr(gen, "code_dim", 0)), palette=PaletteConfig(p_none=c.palette_none))
        self.train_set = ColorizationDataset(train_items, aug, train=True, seed=c.seed)
        self.val_set = ColorizationDataset(val_items or train_items[:4], aug, train=False, seed=c.seed)
        self.sampler = EpochSampler(self.train_set.sample_weights(), len(train_items), seed=c.seed,
                                    rank=self.rank, world_size=self.world_size)
        per_rank_batches = self.sampler.per_rank // c.batch_size
        self.steps_per_epoch = max(1, per_rank_batches // c.accum)
        self.total_steps = c.max_steps or c.epochs * self.steps_per_epoch
        self.mean_color = mean_color(self.train_set)
        log.info("data: %s layout, %d training / %d validation files, %d steps per epoch, %d steps",
                 self.layout, len(train_items), len(val_items), self.steps_per_epoch, self.total_steps)

    def _build_models(self) -> None:
        c = self.config
        self.G = build_generator(c.arch, c.generator_config()).to(self.device)
        self.D = PatchGANDiscriminator(PatchGANConfig(in_channels=self.G.config.in_channels + 3,
                                                      base_width=c.d_width, n_layers=c.d_layers,
                                                      norm=c.d_norm)).to(self.device)
        if self.use_amp:
            self.G = self.G.to(memory_format=torch.channels_last)
            self.D = self.D.to(memory_format=torch.channels_last)
        self.G_train: nn.Module = self.G
        self.D_train: nn.Module = self.D
        if self.world_size > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.G_train = DistributedDataParallel(self.G, device_ids=ids)
            self.D_train = DistributedDataParallel(self.D, device_ids=ids)
        film = [p for n, p in self.G.named_parameters() if n.startswith("film.")]
        rest = [p for n, p in self.G.named_parameters() if not n.startswith("film.")]
        groups = [{"params": rest}] + ([{"params": film, "lr": c.lr_g * c.code_lr_mult}] if film else [])
        self.opt_g = torch.optim.Adam(groups, c.lr_g, betas=(c.beta1, c.beta2))
        self.opt_d = torch.optim.Adam(self.D.parameters(), c.lr_d, betas=(c.beta1, c.beta2))
        self.sched_g = torch.optim.lr_scheduler.LambdaLR(self.opt_g, self.lr_factor)
        self.sched_d = torch.optim.lr_scheduler.LambdaLR(self.opt_d, self.lr_factor)

    def lr_factor(self, step: int) -> float:
        """Constant, then linear decay to 0 over the last ``1 - decay_from`` of the steps."""
        start = int(self.total_steps * self.config.decay_from)
        if step < start or start >= self.total_steps:
            return 1.0
        return max(0.0, (self.total_steps - step) / max(1, self.total_steps - start))

    # -- checkpoints -----------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        state = {
            "format": "ganime-checkpoint", "config": self.config.to_dict(), "step": self.step,
            "images_seen": self.images_seen, "wall_seconds": self.wall, "mean_color": self.mean_color,
            "G": self.G.state_dict(), "D": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "sched_g": self.sched_g.state_dict(), "sched_d": self.sched_d.state_dict(),
            "scaler": self.scaler.state_dict(), "torch_rng": torch.get_rng_state(),
            "bad_files": sorted(self.train_set.bad), "train_files": len(self.train_set),
            "lineage": self.lineage,
        }
        if self.device.type == "cuda":
            state["cuda_rng"] = torch.cuda.get_rng_state(self.device)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.sched_g.load_state_dict(state["sched_g"])
        self.sched_d.load_state_dict(state["sched_d"])
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.step, self.images_seen = int(state["step"]), int(state["images_seen"])
        self.wall = float(state.get("wall_seconds", 0.0))
        self.lineage = list(state.get("lineage", []))
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["cuda_rng"], self.device)

    def save_checkpoint(self, path: str | Path | None = None) -> Path | None:
        if self.rank != 0:
            return None
        path = Path(path or self.out / CHECKPOINT)
        state = self.state_dict()
        atomic_write(path, lambda tmp: torch.save(state, tmp))
        log.info("checkpoint: step %d -> %s", self.step, path)
        return path

    def resume(self, path: str | Path | None = None) -> None:
        path = Path(path or self.out / CHECKPOINT)
        state = load_checkpoint(path, map_location=self.device)
        self.load_state_dict(state)
        log.info("resumed from %s at step %d", path, self.step)

    def init_from(self, path: str | Path) -> None:
        """Start from trained weights (fine-tuning): a run's ``checkpoint.pt`` gives G and D, a
        ``.safetensors`` model (e.g. the shipped default) gives G; optimisers and LR schedule start fresh.

        The generator's architecture and config must match this run's (``--arch``/``--gen``).
        """
        path = Path(path)
        if path.suffix == ".safetensors":
            model, info = load_weights(path)
            if info.arch != self.config.arch:
                raise ValueError(f"{path}: a {info.arch} generator, but this run trains {self.config.arch}")
            if model.config == self.G.config:
                self.G.load_state_dict({k: v.float() for k, v in model.state_dict().items()})
            else:
                try:
                    adapt_generator(model, self.G)
                except ValueError as exc:
                    raise ValueError(f"{path}: {exc}; pass matching --arch/--gen") from None
                log.info("adapted %s to this run's generator (%s)", path, self.G.config)
            t = info.training
            own = t.get("this_run", t)
            self.lineage = [*t.get("lineage", []), _stage(path, own.get("steps", 0), own.get("images_seen", 0),
                                                          own.get("train_seconds", 0.0), t.get("config", {}))]
        else:
            state = load_checkpoint(path, map_location=self.device)
            try:
                self.G.load_state_dict(state["G"])
                self.D.load_state_dict(state["D"])
            except RuntimeError as exc:
                raise ValueError(f"{path}: its networks do not match this run's --arch/--gen/--d-*: "
                                 f"{str(exc).splitlines()[0]}") from None
            self.lineage = [*state.get("lineage", []), _stage(path, state["step"], state["images_seen"],
                                                              state.get("wall_seconds", 0.0), state["config"])]
        log.info("initialised from %s (fresh optimisers, step 0)", path)

    # -- training ---------------------------------------------------------------------------------

    def train_step(self, batches: list[dict[str, torch.Tensor]]) -> dict[str, float]:
        """One optimiser step over ``accum`` micro-batches; D and G are updated together."""
        c = self.config
        self.G_train.train()
        self.D_train.train()
        self.opt_g.zero_grad(set_to_none=True)
        self.opt_d.zero_grad(set_to_none=True)
        totals: dict[str, float] = {}
        for batch in batches:
            x, y, code, seg, paper = (batch[k].to(self.device, non_blocking=True)
                                      for k in ("x", "y", "code", "segment", "paper"))
            if self.use_amp:
                x, y = x.contiguous(memory_format=torch.channels_last), y.contiguous(memory_format=torch.channels_last)
            with torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.use_amp):
                fake = self.G_train(x, code)
                parts: dict[str, torch.Tensor] = {}
                if c.gan_mode != "none":
                    logits = self.D_train(torch.cat([x, x]), torch.cat([fake.detach(), y]))
                    n = x.shape[0]
                    loss_d = 0.5 * (losses.gan_loss(logits[:n], False, c.gan_mode)
                                    + losses.gan_loss(logits[n:], True, c.gan_mode))
                    self.scaler.scale(loss_d / len(batches)).backward()
                    parts["loss_d"] = loss_d.detach()
                    self.D.requires_grad_(False)
                    parts["g_gan"] = losses.gan_loss(self.D(x, fake), True, c.gan_mode)
                    self.D.requires_grad_(True)
                fake32 = fake.float()
                parts["l1"] = losses.l1_loss(fake32, y.float())
                parts["tv"] = losses.tv_loss(fake32)
                named = split(x.float(), self.channels)
                parts["hint"] = losses.hint_loss(fake32, named["hint_rgb"], named["hint_mask"])
                parts["segment"] = losses.masked_l1(fake32, y.float(), seg)
                parts["paper"] = losses.masked_l1(fake32, y.float(), paper)
                colourful = losses.chroma_loss if c.colourful_kind == "chroma" else losses.colourfulness_loss
                parts["colourful"] = colourful(fake32, y.float())
                loss_g = (c.lambda_l1 * parts["l1"] + c.lambda_tv * parts["tv"]
                          + c.lambda_hint * parts["hint"] + c.lambda_segment * parts["segment"]
                          + c.lambda_paper * parts["paper"] + c.lambda_colourful * parts["colourful"])
                if "g_gan" in parts:
                    loss_g = loss_g + c.lambda_gan * parts["g_gan"]
            self.scaler.scale(loss_g / len(batches)).backward()
            parts["loss_g"] = loss_g.detach()
            for k, v in parts.items():
                totals[k] = totals.get(k, 0.0) + float(v.detach()) / len(batches)
        if c.gan_mode != "none":
            self.scaler.step(self.opt_d)
        self.scaler.step(self.opt_g)
        self.scaler.update()
        self.sched_g.step()
        if c.gan_mode != "none":
            self.sched_d.step()
        self.step += 1
        self.images_seen += sum(b["x"].shape[0] for b in batches) * self.world_size
        return totals

    def loader(self, epoch: int, start: int) -> DataLoader:
        self.sampler.set_epoch(epoch, start)
        return DataLoader(self.train_set, batch_size=self.config.batch_size, sampler=self.sampler,
                          num_workers=self.config.workers, drop_last=True,
                          pin_memory=self.device.type == "cuda",
                          persistent_workers=False)

    def fit(self, until_step: int | None = None,
            progress: Callable[[int, dict[str, float]], None] | None = None) -> dict[str, Any]:
        """Train until ``until_step`` (default: the configured total), checkpointing as it goes."""
        from .runlog import RunLog

        c = self.config
        end = min(until_step or self.total_steps, self.total_steps)
        runlog = RunLog(self, enabled=self.rank == 0)
        try:
            while self.step < end and not self.stop_requested:
                epoch, in_epoch = divmod(self.step, self.steps_per_epoch)
                start = in_epoch * c.accum * c.batch_size
                pending: list[dict[str, torch.Tensor]] = []
                for batch in self.loader(epoch, start):
                    pending.append(batch)
                    if len(pending) < c.accum:
                        continue
                    t0 = time.perf_counter()
                    stats = self.train_step(pending)
                    pending = []
                    self.wall += time.perf_counter() - t0
                    self.history.append(stats)
                    runlog.after_step(stats)
                    if progress:
                        progress(self.step, stats)
                    if self.step >= end or self._agree_to_stop(runlog.out_of_time()):
                        break
                    if self.step % self.steps_per_epoch == 0:
                        break
                if self.step % self.steps_per_epoch == 0:
                    runlog.end_of_epoch(self.step // self.steps_per_epoch)
                if self.stop_requested:
                    log.info("stopping at step %d (time limit or signal)", self.step)
                    break
        except KeyboardInterrupt:
            log.warning("interrupted at step %d; writing a checkpoint (continue with --resume)", self.step)
            self.save_checkpoint()
            runlog.close()
            raise
        self.save_checkpoint()
        runlog.finish()
        return {"step": self.step, "images_seen": self.images_seen, "bad_files": len(self.train_set.bad),
                "last": self.history[-1] if self.history else {}}

    def _agree_to_stop(self, out_of_time: bool) -> bool:
        """Stop on a signal or the time limit; under DDP all ranks stop at the same step."""
        stop = self.stop_requested or out_of_time
        if self.world_size > 1 and is_distributed():
            flag = torch.tensor([float(stop)], device=self.device)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            stop = bool(flag.item())
        self.stop_requested = stop
        return stop

    @torch.no_grad()
    def sample_grid(self, path: Path, n: int = 4) -> Path:
        batch = [self.val_set[i] for i in range(min(n, len(self.val_set)))]
        x = torch.stack([b["x"] for b in batch]).to(self.device)
        y = torch.stack([b["y"] for b in batch])
        self.G.eval()
        fake = self.G(x)
        self.G.train()
        return save_grid(path, x.cpu(), fake.cpu(), y, self.channels)


def _stage(source: Path, steps: int, images: int, seconds: float, config: dict[str, Any]) -> dict[str, Any]:
    """One entry of a fine-tuned model's lineage: the run it started from and what that run did."""
    return {"source": str(source), "steps": int(steps), "images_seen": int(images),
            "train_seconds": round(float(seconds), 1), "config": config}


def load_checkpoint(path: str | Path, map_location: Any = "cpu") -> dict[str, Any]:
    """A training checkpoint, loaded with ``weights_only=True`` (tensors and plain data only)."""
    try:
        state = torch.load(str(path), map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - whatever the unpickler trips on, the file is bad
        raise ValueError(f"{path}: not a readable GANime training checkpoint ({exc})") from None
    if not isinstance(state, dict) or state.get("format") != "ganime-checkpoint":
        raise ValueError(f"{path}: not a GANime training checkpoint")
    return state


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def write_config(out: Path, config: TrainConfig) -> None:
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "config.json", lambda tmp: tmp.write_text(json.dumps(config.to_dict(), indent=1)))
