"""CycleGAN (Zhu et al. 2017) on unpaired sketches and colour images, the paper's middle baseline.

Two ResNet generators (``resnet_9blocks`` from ``ganime_core``), two 70x70 PatchGANs, LSGAN,
cycle λ=10, identity λ=0.5 (times the cycle weight, as in the reference code), image pools of
50, Adam(2e-4, β1 0.5). Both domains are RGB: a sketch is its grey line art repeated over three
channels, exactly as the reference CycleGAN reads grey images, so both identity losses are
defined. :class:`SketchToColor` wraps the sketch->colour generator so it takes the app's
5-channel input (it reads the line channel and ignores hints) and runs in ``ganime_core.Colorizer``.

Unpaired: each batch of ``2B`` training samples gives the sketches of the first ``B`` images
and the colours of the other ``B`` (independent random draws), so no sketch is shown with its
own colour image. Data, augmentation and line extraction are the training package's own.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from ganime_core.api import Colorizer
from ganime_core.models.patchgan import PatchGANConfig, PatchGANDiscriminator
from ganime_core.models.registry import build_generator, generator_config_from_dict
from ganime_core.runtime.devices import resolve_device
from ganime_core.runtime.weights import ModelInfo, load_weights, save_weights

from .. import losses
from ..config import TrainConfig, parse_kv
from ..datasets import AugmentConfig, ColorizationDataset, EpochSampler
from ..hint_sampling import HintConfig
from ..layouts import discover, split

log = logging.getLogger(__name__)
WEIGHTS = "G_sketch2color.safetensors"


@dataclass(frozen=True)
class CycleConfig:
    lambda_cycle: float = 10.0
    lambda_identity: float = 0.5
    pool_size: int = 50


class ImagePool:
    """The CycleGAN history buffer: D sees a mix of new fakes and up to ``size`` older ones."""

    def __init__(self, size: int, seed: int = 0) -> None:
        self.size, self.images = size, []  # type: list[torch.Tensor]
        self.rng = random.Random(seed)

    def query(self, batch: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return batch
        out = []
        for img in batch.detach():
            img = img[None]
            if len(self.images) < self.size:
                self.images.append(img)
                out.append(img)
            elif self.rng.random() < 0.5:
                i = self.rng.randrange(self.size)
                out.append(self.images[i].clone())
                self.images[i] = img
            else:
                out.append(img)
        return torch.cat(out)


class SketchToColor(nn.Module):
    """5-channel app input -> the 3-channel sketch->colour generator (line channel repeated)."""

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator = generator
        self.config = generator.config
        self.stride = int(getattr(generator, "stride", 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.generator(x[:, :1].expand(-1, 3, -1, -1))


def colorizer_for(generator: nn.Module, device: str = "cpu", working_size: int = 256,
                  training: dict | None = None) -> Colorizer:
    info = ModelInfo(arch="resnet", config=generator.config, working_size=working_size,
                     in_channels=3, training=training or {})
    return Colorizer(SketchToColor(generator), info, device)


def load_colorizer(path: str | Path, device: str = "cpu") -> Colorizer:
    """A saved sketch->colour generator, ready for ``training.evaluate.evaluate``."""
    model, info = load_weights(path)
    return colorizer_for(model, device, info.working_size, info.training)


class CycleGANTrainer:
    """Trains on the data, split and augmentation of a ``TrainConfig`` (arch, gen, d_*, lr_*,
    canvas, crop, batch size, time limit, threads, device); ``cycle`` holds CycleGAN's own weights."""

    def __init__(self, config: TrainConfig, cycle: CycleConfig = CycleConfig()) -> None:
        self.config, self.cycle = config, cycle
        self.out = Path(config.out)
        self.device = resolve_device(config.device)
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        _, items = discover(config.data, config.layout)
        train_items, _ = split(items, config.val_fraction, config.seed)
        aug = AugmentConfig(canvas=config.canvas, crop=config.crop, figure_share=config.figure_share,
                            hints=HintConfig(p_none=1.0))
        self.train_set = ColorizationDataset(train_items, aug, train=True, seed=config.seed)
        self.sampler = EpochSampler(self.train_set.sample_weights(), len(train_items), seed=config.seed)
        gen_cfg = parse_kv(config.gen)
        self.G_ab = self._generator(gen_cfg, 3)  # sketch -> colour
        self.G_ba = self._generator(gen_cfg, 3)  # colour -> sketch (grey RGB)
        d_cfg = PatchGANConfig(in_channels=3, base_width=config.d_width, n_layers=config.d_layers,
                               norm=config.d_norm)
        self.D_a, self.D_b = PatchGANDiscriminator(d_cfg), PatchGANDiscriminator(d_cfg)
        for m in (self.G_ab, self.G_ba, self.D_a, self.D_b):
            m.to(self.device)
        betas = (config.beta1, config.beta2)
        self.opt_g = torch.optim.Adam([*self.G_ab.parameters(), *self.G_ba.parameters()], config.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam([*self.D_a.parameters(), *self.D_b.parameters()], config.lr_d, betas=betas)
        self.pool_a, self.pool_b = ImagePool(cycle.pool_size, config.seed), ImagePool(cycle.pool_size, config.seed + 1)
        self.step, self.images_seen, self.wall = 0, 0, 0.0
        self.history: list[dict[str, float]] = []

    def _generator(self, values: dict[str, Any], in_channels: int) -> nn.Module:
        values = {**values, "in_channels": in_channels, "out_channels": 3}
        return build_generator("resnet", generator_config_from_dict("resnet", values))

    @staticmethod
    def _d(d: nn.Module, img: torch.Tensor) -> torch.Tensor:
        return d(img[:, :0], img)  # unconditional: an empty condition

    def train_step(self, sketch: torch.Tensor, color: torch.Tensor) -> dict[str, float]:
        """One step on unpaired batches: ``sketch`` Nx1xHxW line art, ``color`` Nx3xHxW, both in [-1, 1]."""
        c, mode = self.cycle, "lsgan"
        real_a = sketch.to(self.device).expand(-1, 3, -1, -1).contiguous()
        real_b = color.to(self.device)
        for m in (self.G_ab, self.G_ba, self.D_a, self.D_b):
            m.train()
        fake_b, fake_a = self.G_ab(real_a), self.G_ba(real_b)
        rec_a, rec_b = self.G_ba(fake_b), self.G_ab(fake_a)
        self.D_a.requires_grad_(False)
        self.D_b.requires_grad_(False)
        parts: dict[str, torch.Tensor] = {
            "g_ab": losses.gan_loss(self._d(self.D_b, fake_b), True, mode),
            "g_ba": losses.gan_loss(self._d(self.D_a, fake_a), True, mode),
            "cycle_a": losses.l1_loss(rec_a, real_a), "cycle_b": losses.l1_loss(rec_b, real_b),
        }
        loss_g = parts["g_ab"] + parts["g_ba"] + c.lambda_cycle * (parts["cycle_a"] + parts["cycle_b"])
        if c.lambda_identity > 0:
            parts["idt_a"] = losses.l1_loss(self.G_ba(real_a), real_a)
            parts["idt_b"] = losses.l1_loss(self.G_ab(real_b), real_b)
            loss_g = loss_g + c.lambda_cycle * c.lambda_identity * (parts["idt_a"] + parts["idt_b"])
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.D_a.requires_grad_(True)
        self.D_b.requires_grad_(True)
        self.opt_d.zero_grad(set_to_none=True)
        loss_d = torch.zeros((), device=self.device)
        for d, real, fake in ((self.D_b, real_b, self.pool_b.query(fake_b)),
                              (self.D_a, real_a, self.pool_a.query(fake_a))):
            loss_d = loss_d + 0.5 * (losses.gan_loss(self._d(d, real), True, mode)
                                     + losses.gan_loss(self._d(d, fake.detach()), False, mode))
        loss_d.backward()
        self.opt_d.step()
        parts.update(loss_g=loss_g, loss_d=loss_d)
        self.step += 1
        self.images_seen += sketch.shape[0] + color.shape[0]
        stats = {k: float(v.detach()) for k, v in parts.items()}
        self.history.append(stats)
        return stats

    def loader(self, epoch: int) -> DataLoader:
        self.sampler.set_epoch(epoch)
        return DataLoader(self.train_set, batch_size=2 * self.config.batch_size, sampler=self.sampler,
                          num_workers=self.config.workers, drop_last=True)

    def fit(self, progress: Callable[[int, dict[str, float]], None] | None = None) -> dict[str, Any]:
        """Train until ``max_steps`` or ``time_limit_minutes`` (whichever comes first)."""
        c = self.config
        limit = c.time_limit_minutes * 60 or float("inf")
        max_steps = c.max_steps or c.epochs * max(1, len(self.train_set) // (2 * c.batch_size))
        self.out.mkdir(parents=True, exist_ok=True)
        bar = None
        if c.progress:
            from tqdm import tqdm

            bar = tqdm(total=max_steps, unit="step", desc="cyclegan", dynamic_ncols=True, mininterval=2.0)
        started, epoch = time.monotonic(), 0
        with open(self.out / "stats.jsonl", "a", encoding="utf-8") as stats_file:
            while self.step < max_steps and time.monotonic() - started < limit:
                for batch in self.loader(epoch):
                    n = batch["x"].shape[0] // 2
                    t0 = time.perf_counter()
                    stats = self.train_step(batch["x"][:n, :1], batch["y"][n:])
                    self.wall += time.perf_counter() - t0
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix(cyc=f"{stats['cycle_a'] + stats['cycle_b']:.3f}",
                                        d=f"{stats['loss_d']:.3f}", refresh=False)
                    if self.step % c.log_every == 0:
                        row = {"step": self.step, "images_seen": self.images_seen,
                               "train_seconds": round(self.wall, 1), **{k: round(v, 5) for k, v in stats.items()}}
                        stats_file.write(json.dumps(row) + "\n")
                    if progress:
                        progress(self.step, stats)
                    if self.step >= max_steps or time.monotonic() - started >= limit:
                        break
                epoch += 1
        if bar is not None:
            bar.close()
        path = self.save()
        return {"step": self.step, "images_seen": self.images_seen, "train_seconds": round(self.wall, 1),
                "wall_seconds": round(time.monotonic() - started, 1), "weights": str(path),
                "last": self.history[-1] if self.history else {}}

    def save(self) -> Path:
        training = {"method": "cyclegan", "data": self.config.data, "steps": self.step,
                    "images_seen": self.images_seen, "train_seconds": round(self.wall, 1)}
        return save_weights(self.out / WEIGHTS, self.G_ab, working_size=self.config.canvas,
                            training=training)

    def colorizer(self, device: str = "cpu") -> Colorizer:
        return colorizer_for(self.G_ab, device, self.config.canvas)
