"""Colorize latency and memory: the shipped path against plain eager fp32, in one run.

Also: the calibration's choice, the pre/post-processing share at 512², the mixed colour band
at a line on a 2048² page, and the quick preview against the full pass on a 2400² canvas.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch

from bench.pages import mixed_band_width, two_region_page
from ganime_core.api import Colorizer, _as_image
from ganime_core.inputs.hints import as_hint_raster as _hint_raster
from ganime_core.models import build_generator
from ganime_core.options import ColorizeOptions
from ganime_core.post.steps import STEPS, run_steps
from ganime_core.post.upsample import upsample_colour
from ganime_core.runtime.calibration import cpu_name
from ganime_core.runtime.weights import DEFAULT_WEIGHTS, save_weights
from training.metrics import ssim

SIZES = (256, 512, 1024, 2048)
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "samples" / "lineart_3.png"


class PeakRSS:
    """Samples this process's resident memory every 5 ms; ``peak_mb`` above the start."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.start = self.peak = self._rss()

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    def __enter__(self) -> PeakRSS:
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()

    @property
    def peak_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def _sketch(size: int) -> np.ndarray:
    if SAMPLE.is_file():
        grey = cv2.imread(str(SAMPLE), cv2.IMREAD_GRAYSCALE)
    else:
        grey = np.full((512, 512), 255, np.uint8)
        cv2.circle(grey, (256, 256), 180, 0, 2)
    return cv2.resize(grey, (size, size), interpolation=cv2.INTER_CUBIC)


def _time(fn, repeats: int) -> tuple[float, float, float]:
    times = []
    with PeakRSS() as mem:  # includes the warm-up, where the buffers are allocated
        fn()
        for _ in range(repeats):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    times.sort()
    p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
    return statistics.median(times), p90, mem.peak_mb


def _interleaved(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, tuple[float, float]]:
    """p50 and p90 (s) of each function, timed round by round in turn after one warm-up each, so
    a burst of load from elsewhere on the machine hits all of them alike."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()
    for _ in range(repeats):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    out = {}
    for k, ts in times.items():
        ts.sort()
        out[k] = statistics.median(ts), ts[min(len(ts) - 1, int(round(0.9 * (len(ts) - 1))))]
    return out


def _shipped_weights(tmp: Path) -> tuple[Path, str]:
    if DEFAULT_WEIGHTS.is_file():
        return DEFAULT_WEIGHTS, "the shipped default model"
    torch.manual_seed(0)
    path = save_weights(tmp / "w32.safetensors", build_generator("unet", {"base_width": 32, "depth": 8}))
    return path, "a random-init width-32 U-Net (no default model installed)"


def _hinted(col: Colorizer, repeats: int) -> str:
    """512² with 5 hint dots: dense hints and the hint scope (a cached unhinted pass)."""
    from ganime_core.inputs.hints import Stroke

    sk = _sketch(512)
    strokes = [Stroke(points=((100.0 + 70 * i, 200.0 + 30 * i),), color=(200, 60 + 30 * i, 80), width=8.0)
               for i in range(5)]
    none50, _, _ = _time(lambda: _new_sketch(col).colorize(sk), repeats)
    warm50, _, _ = _time(lambda: col.colorize(sk, hints=strokes), repeats)

    def fresh() -> None:
        col._unhinted = None  # as after a change of sketch or colour guide
        col.colorize(sk, hints=strokes)

    cold50, _, _ = _time(fresh, repeats)
    spreads = _interleaved({s: (lambda s=s: col.colorize(sk, hints=strokes, spread=s)) for s in ("region", "part")},
                           repeats)
    region50, part50 = spreads["region"][0], spreads["part"][0]
    return (f"With 5 hint dots at 512² (dense hints + hint scope + parts): **{warm50 * 1000:.0f} ms** p50 while "
            f"only hints change (the unhinted pass is cached), {cold50 * 1000:.0f} ms after a new sketch "
            f"or colour guide (two network passes); no hints {none50 * 1000:.0f} ms. Each hint's whole part "
            f"(`spread=\"part\"`, the default) {part50 * 1000:.0f} ms against its regions only "
            f"{region50 * 1000:.0f} ms, measured in turn: **{part50 / region50:.2f}x** (goal ≤ 1.25x).")


def _new_sketch(col: Colorizer) -> Colorizer:
    """``col`` without its unhinted pass, which a colorize without hints reuses while the sketch
    stays: the rows time a colorize of a sketch as if it were new (its forward included)."""
    col._unhinted = None
    return col


def _prepost(col: Colorizer, repeats: int) -> str:
    """512²: end to end minus the network's forward passes, with and without hints."""
    from ganime_core.inputs.hints import Stroke

    forward: list[float] = []
    real = col.predict

    def timed(x: np.ndarray, code: np.ndarray | None = None, **kw) -> np.ndarray:
        t = time.perf_counter()
        y = real(x, code, **kw)
        forward.append(time.perf_counter() - t)
        return y

    col.predict = timed  # type: ignore[method-assign]
    sk = _sketch(512)
    strokes = [Stroke(points=((100.0 + 70 * i, 200.0 + 30 * i),), color=(200, 60 + 30 * i, 80), width=8.0)
               for i in range(5)]
    parts = []
    try:
        for name, hints in (("no hints", None), ("5 hint dots", strokes)):
            col.colorize(sk, hints=hints)
            rest = []
            for _ in range(max(5, repeats)):
                forward.clear()
                t = time.perf_counter()
                _new_sketch(col).colorize(sk, hints=hints)
                rest.append(time.perf_counter() - t - sum(forward))
            parts.append(f"{name} **{statistics.median(rest) * 1000:.1f} ms** (best {min(rest) * 1000:.1f})")
    finally:
        del col.predict
    return ("Pre/post-processing at 512² (everything but the forward: line art, hints, dense hints, "
            "hint scope, paper, enlarging, line overlay; p50 of end to end minus forward, same sketch): "
            + "; ".join(parts) + ". Goal ≤ 20 ms.")


def _band(col: Colorizer) -> str:
    """The mixed band at the line between a red- and a blue-hinted half of a 2048² page."""
    page = two_region_page(2048)
    result = col.colorize(page.sketch, hints=page.hints)
    geo = col._page(_as_image(page.sketch), col.info.working_size, None, 6)
    pic = col._network_pass(ColorizeOptions(), geo, _hint_raster(page.hints, 2048, 2048, to=(geo.w, geo.h)), None)
    run_steps(pic, [s for s in STEPS if s.name not in ("upsample", "region modes", "lines")])
    plain = upsample_colour(pic.colour, geo.seg_full, band=0)
    rows = []
    for de in (15.0, 10.0):
        now, before = mixed_band_width(result.color, page, delta_e=de), mixed_band_width(plain, page, delta_e=de)
        rows.append(f"| ΔE76 > {de:.0f} | {before[0]:.0f} / {before[1]:.0f} | {now[0]:.0f} / {now[1]:.0f} |")
    return "\n".join([
        "Mixed colour band at 2048² (`bench.pages.two_region_page`: a box cut by a wavy line, "
        "red hint left, blue right; per row, the pixels within 4 % of the page from the line whose colour "
        "is farther than ΔE76 from both sides' local colour, the line's own pixels excluded; median / p90 "
        "px over the middle rows). Goal ≤ 8 px.", "",
        "| mixed = | plain bicubic resize | edge-aware enlarging (shipped) |", "|---|---|---|", *rows])


def _preview(col: Colorizer, repeats: int) -> str:
    sk = _sketch(2400)
    n = max(3, repeats // 2)
    prev50, _, _ = _time(lambda: _new_sketch(col).colorize(sk, working_size=256), n)
    full50, _, _ = _time(lambda: _new_sketch(col).colorize(sk), n)
    verdict = "quicker" if prev50 < full50 else "NOT quicker"
    return (f"Quick preview on a 2400² canvas (working size 256): **{prev50 * 1000:.0f} ms** p50 against "
            f"{full50 * 1000:.0f} ms for the full pass (working size 512): the preview is {verdict}.")


def run(repeats: int = 10) -> str:
    torch.manual_seed(0)
    cpu = cpu_name()
    out = ["## Colorize latency (ganime_core)", "", f"CPU: **{cpu}**, {torch.get_num_threads()} torch threads.", ""]
    # the baseline: the paper's unet_256 (width 64), plain eager fp32 forward at 512², timed in
    # the same rounds as each input size below
    base = build_generator("unet", {"base_width": 64, "depth": 8}).eval()
    base.fused_inference = False  # layer by layer, as pix2pix runs it
    x = torch.randn(1, 5, 512, 512)

    def base_forward() -> None:
        with torch.inference_mode():
            base(x)

    with PeakRSS() as mem:
        base_forward()
    base_mem = mem.peak_mb

    with tempfile.TemporaryDirectory() as d:
        path, what = _shipped_weights(Path(d))
        fast = Colorizer.load(path, device="cpu")
        plain = Colorizer.load(path, device="cpu", precision="fp32", memory_format="contiguous")
        out += [f"Shipped path: {what}, `Colorizer.colorize` end to end (line-art normalisation, "
                f"resize, padding, hints, forward, edge-aware enlarging, line overlay; load excluded), "
                f"working size 512. Forward chosen by the calibration on this CPU: "
                f"**{fast.calibration.describe()}**; the U-Net's fused inference forward "
                f"(`ganime_core.models.unet_infer`).", "",
                f"Baseline: the standard pix2pix unet_256 (width 64, 54.4 M parameters), plain eager "
                f"fp32 forward only at 512² (layer by layer, no autograd), timed in the "
                f"same rounds as each row, in turn with the two colorize calls (peak +{base_mem:.0f} MB).", "",
                "| input | unet_256 fp32 p50 (ms) | eager fp32 contiguous p50 / p90 (ms) | shipped p50 / p90 (ms) "
                "| speed-up | vs unet_256 fp32 (goal ≥ 4x at 512² and 1024²) | peak mem shipped (MB) "
                "| max abs diff | SSIM vs fp32 |",
                "|---|---|---|---|---|---|---|---|---|"]
        for size in SIZES:
            sk = _sketch(size)
            with PeakRSS() as mem:
                fast.colorize(sk)
            fmem = mem.peak_mb
            t = _interleaved({"base": base_forward, "plain": lambda sk=sk: _new_sketch(plain).colorize(sk),
                              "fast": lambda sk=sk: _new_sketch(fast).colorize(sk)}, repeats)
            (b50, _), (e50, e90), (f50, f90) = t["base"], t["plain"], t["fast"]
            a, b = plain.colorize(sk).color, fast.colorize(sk).color
            diff = int(np.abs(a.astype(int) - b.astype(int)).max())
            out.append(f"| {size}² | {b50 * 1000:.0f} | {e50 * 1000:.0f} / {e90 * 1000:.0f} "
                       f"| {f50 * 1000:.0f} / {f90 * 1000:.0f} | {e50 / f50:.2f}x | {b50 / f50:.2f}x "
                       f"| {fmem:.0f} | {diff}/255 | {ssim(a, b):.4f} |")
        out += ["", _prepost(fast, repeats), "", _hinted(fast, repeats), "", _band(fast), "",
                _preview(fast, repeats)]
    out += ["", "Goals (all on the CPU above): 512² and 1024² end to end ≥ 4x faster than the unet_256 eager "
            "fp32 forward; 2048² ≤ 1 s p50; pre/post-processing ≤ 20 ms at 512²; mixed band ≤ 8 px at 2048²; "
            "preview quicker than the full pass at 2400²."]
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
