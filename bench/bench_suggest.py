"""Colour suggestions: 6 previews (``ganime_core.suggest.suggest``) against one plain colorize.

Goal (issue 24): the ~6 suggestion thumbnails at preview size in <= 1 s for all on 2 cores.
The baseline, measured in the same rounds on the same sketch, is one plain ``colorize`` at the
same working size (what one thumbnail would cost done the ordinary way); also the batched
network pass against the same passes one at a time, and one full-size variant (a click).

    python -m bench.run bench.bench_suggest     # this section only, into docs/benchmarks.md
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from ganime_core.runtime.calibration import cpu_name

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "data" / "samples"
SKETCHES = ("lineart_1.png", "lineart_3.png", "lineart_4.png")
N, SIZE, ROUNDS, GOAL_S = 6, 256, 7, 1.0
HEADING = "## Colour suggestions (`bench/bench_suggest.py`)"


def _sketches() -> list[tuple[str, np.ndarray]]:
    from ganime_core.io.imageio import load_image

    found = [(name, load_image(SAMPLES / name).rgb) for name in SKETCHES if (SAMPLES / name).is_file()]
    if found:
        return found
    from bench.pages import shapes_page  # no shared data: a synthetic page of shapes

    return [("synthetic page of shapes", shapes_page(512)[0])]


def _p(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def measure() -> dict:
    import torch

    from ganime_core.api import Colorizer
    from ganime_core.inputs.encoding import encode_palette
    from ganime_core.inputs.page import make_page
    from ganime_core.io.imageio import from_array
    from ganime_core.runtime.weights import DEFAULT_WEIGHTS
    from ganime_core.suggest import colour_families, forward_batch, suggest

    colorizer = Colorizer.load(device="cpu")
    families = colour_families()[:N]
    rows = []
    for name, rgb in _sketches():
        suggest(colorizer, rgb, N, size=SIZE)  # warm-up (and the segmentation cache, as in the app)
        colorizer.colorize(rgb, working_size=SIZE)
        digest, full = colorizer._line_art(from_array(rgb))
        page = make_page(full, digest, SIZE, None, 4)
        x, _ = colorizer.model_input(page.small, None, None, gap=page.gap_ws, dense=None)
        codes = np.stack([encode_palette(f.palette()) for f in families])
        sug, plain, batch, loop, click = [], [], [], [], []
        for _ in range(ROUNDS):  # in turn, so a busy moment of the shared machine hits all
            t0 = time.perf_counter()
            suggest(colorizer, rgb, N, size=SIZE)
            t1 = time.perf_counter()
            colorizer.colorize(rgb, working_size=SIZE)
            t2 = time.perf_counter()
            forward_batch(colorizer, x, codes)
            t3 = time.perf_counter()
            for code in codes:
                colorizer.predict(x, code)
            t4 = time.perf_counter()
            sug.append(t1 - t0)
            plain.append(t2 - t1)
            batch.append(t3 - t2)
            loop.append(t4 - t3)
        for family in families[:2]:
            t0 = time.perf_counter()
            colorizer.colorize(rgb, palette=family.palette())
            click.append(time.perf_counter() - t0)
        rows.append({"name": name, "size": (rgb.shape[1], rgb.shape[0]), "work": (page.w, page.h),
                     "suggest": sug, "plain": plain, "batch": batch, "loop": loop,
                     "click": statistics.median(click)})
    return {"rows": rows, "model": DEFAULT_WEIGHTS.name if DEFAULT_WEIGHTS.is_file() else "?",
            "calibration": f"{colorizer.precision}, {colorizer.memory_format}",
            "threads": torch.get_num_threads(), "cores": os.cpu_count(), "load": os.getloadavg()[0],
            "working": colorizer.info.working_size}


def run() -> str:
    r = measure()
    lines = [HEADING, "",
             f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on **{cpu_name()}**, "
             f"{r['cores']} cores, {r['threads']} torch threads, load average {r['load']:.1f} at "
             f"the start (other work shares the machine); model `{r['model']}`, forward "
             f"{r['calibration']} (the calibration's choice). `suggest(colorizer, sketch, {N}, "
             f"size={SIZE})`: {N} previews, one per colour family, at working size {SIZE}: one "
             f"network pass with a batch of {N} on one page and one segmentation, then the steps "
             f"after the network for each. Baseline: one plain `colorize` at working size {SIZE} "
             f"(the ordinary way to make one thumbnail), timed in turn with it over {ROUNDS} "
             f"rounds after a warm-up; p50 / p90.", "",
             f"| sketch | size → working | {N} suggestions (s) | one plain colorize at {SIZE} (s) | "
             f"{N} suggestions ÷ one colorize | network: batch of {N} / {N} passes one by one (s) | "
             f"one variant at full size, working size {r['working']} (s) | goal ≤ {GOAL_S:.0f} s "
             f"for all |",
             "|---|---|---|---|---|---|---|---|"]
    for row in r["rows"]:
        s50, s90 = statistics.median(row["suggest"]), _p(row["suggest"], 0.9)
        p50, p90 = statistics.median(row["plain"]), _p(row["plain"], 0.9)
        w, h = row["size"]
        ww, wh = row["work"]
        lines.append(f"| {row['name']} | {w}×{h} → {ww}×{wh} | {s50:.3f} / {s90:.3f} | "
                     f"{p50:.3f} / {p90:.3f} | {s50 / p50:.2f}x | {statistics.median(row['batch']):.3f} / "
                     f"{statistics.median(row['loop']):.3f} | {row['click']:.2f} | "
                     f"{'meets' if s50 <= GOAL_S else 'misses'} |")
    lines += ["", "A click on a suggestion is `colorize(sketch, palette=family.palette())` at full "
              "size (the last column; `ganime colorize --variants N` runs it once per family)."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(run())
