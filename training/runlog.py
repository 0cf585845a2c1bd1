"""What a run writes while it trains: stats.jsonl, a tqdm bar, timed checkpoints and sample grids."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .trainer import Trainer


class RunLog:
    def __init__(self, trainer: Trainer, enabled: bool = True) -> None:
        self.t, self.enabled = trainer, enabled
        c = trainer.config
        self.started = time.monotonic()
        self.last_ckpt = self.last_sample = self.last_log = self.started
        self.window: list[dict[str, float]] = []
        self.window_images = 0
        self.bar = None
        if enabled:
            trainer.out.mkdir(parents=True, exist_ok=True)
            (trainer.out / "samples").mkdir(exist_ok=True)
            if c.progress:
                from tqdm import tqdm

                self.bar = tqdm(total=trainer.total_steps, initial=trainer.step, unit="step",
                                dynamic_ncols=True, mininterval=2.0)

    def out_of_time(self) -> bool:
        limit = self.t.config.time_limit_minutes
        return bool(limit) and time.monotonic() - self.started > limit * 60

    def after_step(self, stats: dict[str, float]) -> None:
        if not self.enabled:
            return
        t, c = self.t, self.t.config
        self.window.append(stats)
        self.window_images += c.batch_size * c.accum * t.world_size
        now = time.monotonic()
        if self.bar is not None:
            self.bar.update(1)
            if t.step % 5 == 0:
                self.bar.set_postfix(l1=f"{stats['l1']:.3f}", hint=f"{stats['hint']:.3f}",
                                     d=f"{stats.get('loss_d', 0):.3f}",
                                     ips=f"{self.window_images / max(now - self.last_log, 1e-6):.1f}")
        if t.step % c.log_every == 0:
            self.write_stats(now)
        if now - self.last_ckpt > c.checkpoint_minutes * 60:
            t.save_checkpoint()
            self.last_ckpt = now
        if now - self.last_sample > c.sample_minutes * 60:
            t.sample_grid(self.sample_path(f"step{t.step:07d}"))
            self.last_sample = now

    def write_stats(self, now: float) -> None:
        t = self.t
        keys = sorted({k for s in self.window for k in s})
        row = {"step": t.step, "epoch": round(t.step / t.steps_per_epoch, 3),
               "images_seen": t.images_seen, "time": round(time.time(), 1),
               "train_seconds": round(t.wall, 1),
               "img_per_s": round(self.window_images / max(now - self.last_log, 1e-6), 2),
               "lr_g": t.sched_g.get_last_lr()[0]}
        row.update({k: round(sum(s.get(k, 0.0) for s in self.window) / len(self.window), 5) for k in keys})
        with open(t.out / "stats.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        self.window, self.window_images, self.last_log = [], 0, now

    def sample_path(self, name: str) -> Path:
        return self.t.out / "samples" / f"{name}.png"

    def end_of_epoch(self, epoch: int) -> None:
        if self.enabled:
            self.t.sample_grid(self.sample_path(f"epoch{epoch:04d}"))
            self.last_sample = time.monotonic()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def finish(self) -> None:
        if self.enabled:
            if self.window:
                self.write_stats(time.monotonic())
            self.t.sample_grid(self.sample_path("final"))
        self.close()
