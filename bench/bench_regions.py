"""Region segmentation + composition speed at 1024² and 2048² (goal: ≤ 0.2 s and ≤ 1 s), and
segmentation time with gap closing (gap 0/6/12/24 px at 768² and 2048²) with the check that a
9 px gap holds with ``gap_close=12`` on a 768² page.

Run alone with ``python bench/bench_regions.py`` (``--quick``: one timed run each); ``make bench``
collects ``run()``.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from ganime_core.regions import RegionConfig, compose, segment

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "samples"
GOALS = {1024: 0.2, 2048: 1.0}
RUNS = {1024: 7, 2048: 3}
GAP_SIZES = (768, 2048)
GAPS = (0, 6, 12, 24)
GAP_RUNS = {768: 5, 2048: 3}


def _grey(name: str) -> np.ndarray | None:
    path = SAMPLES / name
    if not path.exists():
        return None
    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    return None if img is None else img.astype(np.float32) / 255.0


def _synthetic(size: int, seed: int = 0) -> np.ndarray:
    """Random closed shapes and strokes, 2 px lines: a stand-in when the samples are absent."""
    rng = np.random.default_rng(seed)
    img = np.full((size, size), 255, np.uint8)
    for _ in range(size // 8):
        c = tuple(int(v) for v in rng.integers(0, size, 2))
        if rng.random() < 0.6:
            cv2.circle(img, c, int(rng.integers(8, size // 10)), 0, 2, cv2.LINE_AA)
        else:
            d = tuple(int(v) for v in rng.integers(0, size, 2))
            cv2.line(img, c, d, 0, 2, cv2.LINE_AA)
    return img.astype(np.float32) / 255.0


def inputs(size: int) -> list[tuple[str, np.ndarray]]:
    """(description, float line art size x size) cases."""
    cases = []
    one = _grey("lineart_1.png")
    if one is not None:
        up = cv2.resize(one, (size, size), interpolation=cv2.INTER_CUBIC)
        cases.append(("lineart_1 upscaled (thick lines)", np.clip(up, 0, 1)))
        tiles = [t for t in (_grey(f"lineart_{i}.png") for i in range(1, 5)) if t is not None]
        canvas = np.ones((size, size), np.float32)
        step = 512
        k = 0
        for y in range(0, size, step):
            for x in range(0, size, step):
                t = tiles[k % len(tiles)][:step, :step]
                canvas[y:y + t.shape[0], x:x + t.shape[1]] = t[: size - y, : size - x]
                k += 1
        cases.append(("lineart_1-4 tiled at native size (thin lines, many regions)", canvas))
    else:
        cases.append(("synthetic shapes (samples absent)", _synthetic(size)))
    return cases


def _colour(size: int, seed: int = 1) -> np.ndarray:
    """A smooth random colour field standing in for the network output."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (12, 12, 3)).astype(np.uint8)
    return cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)


def _time(fn, runs: int) -> tuple[list[float], object]:
    out = fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def _load() -> str:
    try:
        return ", ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "?"


def cpu_name() -> str:
    """The CPU model, as ``lscpu`` names it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def open_circle(size: int, gap: int) -> np.ndarray:
    """A circle outline (3 px, anti-aliased) with a ``gap`` px opening on its right."""
    img = np.full((size, size), 255, np.uint8)
    c, r = size // 2, size // 3
    cv2.circle(img, (c, c), r, 0, 3, cv2.LINE_AA)
    img[c - gap // 2:c - gap // 2 + gap, c + r - 6:c + r + 7] = 255
    return img.astype(np.float32) / 255.0


def gap_holds(size: int = 768, gap: int = 9, gap_close: int = 12) -> bool:
    """True when the inside of a circle with a ``gap`` px opening is not the page's region."""
    regions = segment(open_circle(size, gap), RegionConfig(gap_close=gap_close))
    return regions.region_at(size // 2, size // 2) != regions.region_at(2, 2)


def gap_section(runs: dict[int, int] = GAP_RUNS) -> list[str]:
    """Segmentation time per gap-closing size, and the 9-px-gap check."""
    rows = ["### Segmentation with gap closing", "",
            f"`segment` on {cpu_name()} ({os.cpu_count()} cores); median of several runs after a "
            f"warm-up. Load average when started: {_load()}.", "",
            "| input | size | " + " | ".join(f"gap {g} (s)" for g in GAPS) + " |",
            "|---|---|" + "---|" * len(GAPS)]
    for size in GAP_SIZES:
        for name, lines in inputs(size)[:1]:
            cells = []
            for gap in GAPS:
                config = RegionConfig(gap_close=gap)
                times, regions = _time(lambda lines=lines, config=config: segment(lines, config),
                                       runs[size])
                cells.append(f"{statistics.median(times):.3f} ({regions.n} regions)")
            rows.append(f"| {name} | {size}² | " + " | ".join(cells) + " |")
    rows += ["", f"- a 9 px gap in a circle on a 768² page holds with `gap_close=12`: "
             f"**{'yes' if gap_holds(768, 9, 12) else 'NO'}** (with `gap_close=6` it "
             f"{'leaks, as it should' if not gap_holds(768, 9, 6) else 'holds too'})"]
    return rows


def run(quick: bool = False) -> str:
    config = RegionConfig()
    rows = ["## Regions: segment + compose", "",
            f"`ganime_core.regions` on {cpu_name()}, {os.cpu_count()} CPU cores (OpenCV threads "
            f"{cv2.getNumThreads()}), default `RegionConfig` (gap_close {config.gap_close}, "
            f"min_area {config.min_area}); median (and best) of several runs after a warm-up; "
            "compose in `locked` mode (the costliest: palette, shading, composite). "
            f"Load average when started: {_load()}.", "",
            "| input | size | regions | segment (s) | compose (s) | total, median (s) | "
            "total, best (s) | goal (s) | met (median) |",
            "|---|---|---|---|---|---|---|---|---|"]
    runs = {size: 1 if quick else n for size, n in RUNS.items()}
    for size in (1024, 2048):
        colour = _colour(size)
        for name, lines in inputs(size):
            seg, regions = _time(lambda lines=lines: segment(lines, config), runs[size])
            comp, _ = _time(lambda lines=lines, regions=regions, colour=colour: compose(
                lines, colour, mode="locked", regions=regions, config=config), runs[size])
            totals = [a + b for a, b in zip(seg, comp, strict=True)]
            total = statistics.median(totals)
            goal = GOALS[size]
            rows.append(f"| {name} | {size}² | {regions.n} | {statistics.median(seg):.3f} | "
                        f"{statistics.median(comp):.3f} | {total:.3f} | {min(totals):.3f} | "
                        f"{goal:.1f} | {'yes' if total <= goal else 'no'} |")
    rows += [""] + gap_section({size: 1 if quick else n for size, n in GAP_RUNS.items()})
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv[1:]))
