"""The study's numbers: the fool rate of each method with a 95 % Wilson interval, and a bar plot.

Only blind trials count (practice trials gave feedback). *single* mode: the fool rate of a
generated folder is the share of its pictures judged real; the ``real`` row is the share of
real pictures judged real, the ceiling a perfect generator would reach. *pair* mode: the
fool rate is the share of trials in which the generated picture was picked as the real one
(chance: 50 %). The interval treats answers as independent; answers of one participant are
not quite, so with few participants read it as a lower bound on the uncertainty.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganime_core.io.imageio import atomic_write

from .pictures import REAL

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``k`` successes in ``n`` trials (``(0, 1)`` when n = 0)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Rate:
    mode: str
    method: str
    n: int  # blind answers
    k: int  # judged real (single) / picked as real (pair)
    participants: int
    median_ms: float

    @property
    def rate(self) -> float:
        return self.k / self.n if self.n else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.k, self.n)


def rates(rows: list[dict[str, Any]]) -> list[Rate]:
    """One :class:`Rate` per (mode, method) of the blind answers, generated methods first, by name."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["phase"] == "blind":
            groups[(r["mode"], r["method"])].append(r)
    out = []
    for (mode, method), rs in groups.items():
        # a generated picture fooled the participant when the answer was wrong; a real one
        # was "judged real" when it was right
        k = sum(bool(r["correct"]) if method == REAL else not r["correct"] for r in rs)
        out.append(Rate(mode, method, len(rs), k, len({r["participant"] for r in rs}),
                        float(statistics.median(r["ms"] for r in rs))))
    return sorted(out, key=lambda r: (r.mode, r.method == REAL, r.method))


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def table(rs: list[Rate]) -> str:
    """The rates as plain text, one block per mode."""
    if not rs:
        return "no blind answers yet"
    lines: list[str] = []
    for mode in sorted({r.mode for r in rs}):
        block = [r for r in rs if r.mode == mode]
        n = sum(r.n for r in block)
        people = max(r.participants for r in block)
        if mode == "single":
            lines += [f"single mode (one picture: real or generated?): {n} blind answers, "
                      f"up to {people} participant(s) per method",
                      "fool rate = share of a method's pictures judged real; the 'real' row is how often "
                      "real pictures were judged real"]
        else:
            lines += [f"pair mode (which of two is real?): {n} blind answers, up to {people} participant(s) "
                      "per method", "fool rate = share of trials where the generated picture was picked as "
                      "real (chance 50 %)"]
        lines.append(f"{'method':<24} {'answers':>7} {'judged real':>11} {'rate':>8}  {'95 % Wilson':<19} "
                     f"{'people':>6} {'median ms':>9}")
        for r in block:
            lo, hi = r.interval
            lines.append(f"{r.method[:24]:<24} {r.n:>7} {r.k:>11} {_pct(r.rate):>8}  "
                         f"{'[' + _pct(lo) + ', ' + _pct(hi) + ']':<19} {r.participants:>6} {r.median_ms:>9.0f}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def plot(rs: list[Rate], path: Path) -> Path:
    """A horizontal bar per (mode, method) with its 95 % interval, as PNG (matplotlib when installed)."""
    if not rs:
        raise ValueError("no blind answers to plot")
    try:
        import matplotlib
    except ImportError:
        return atomic_write(path, lambda tmp: _plot_pil(rs, tmp))
    matplotlib.use("Agg")
    return atomic_write(path, lambda tmp: _plot_mpl(rs, tmp))


def _label(r: Rate, modes: int) -> str:
    name = "real (judged real)" if r.method == REAL else r.method
    return f"{name} [{r.mode}]" if modes > 1 else name


def _plot_mpl(rs: list[Rate], tmp: Path) -> None:
    import matplotlib.pyplot as plt

    modes = len({r.mode for r in rs})
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.5 * len(rs)), dpi=120)
    ys = list(range(len(rs)))[::-1]
    err = [[r.rate - r.interval[0] for r in rs], [r.interval[1] - r.rate for r in rs]]
    ax.barh(ys, [r.rate for r in rs], xerr=err, capsize=4,
            color=["#9aa3ad" if r.method == REAL else "#2f6fde" for r in rs])
    ax.set_yticks(ys, [f"{_label(r, modes)} (n={r.n})" for r in rs])
    if any(r.mode == "pair" for r in rs):
        ax.axvline(0.5, color="#b3261e", ls="--", lw=1, label="chance (pair mode)")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("fool rate (share judged real), 95 % Wilson interval")
    fig.tight_layout()
    fig.savefig(tmp, format="png")
    plt.close(fig)


def _font(size: int) -> Any:
    from PIL import ImageFont

    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _plot_pil(rs: list[Rate], tmp: Path) -> None:
    from PIL import Image, ImageDraw

    modes = len({r.mode for r in rs})
    font, small = _font(14), _font(12)
    labels = [f"{_label(r, modes)} (n={r.n})" for r in rs]
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left = 24 + max(int(probe.textlength(t, font=font)) for t in labels)
    width, bar_w, row = left + 520, 460, 40
    height = 70 + row * len(rs) + 50
    im = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(im)
    x0, top = left + 10, 50
    d.text((12, 14), "Fool rate (share judged real) with 95 % Wilson intervals", fill="#1d232b", font=font)
    for tick in range(0, 101, 25):
        x = x0 + bar_w * tick / 100
        d.line([(x, top - 6), (x, top + row * len(rs))], fill="#e3e6ea")
        d.text((x, top + row * len(rs) + 6), f"{tick} %", fill="#5b6573", font=small, anchor="ma")
    if any(r.mode == "pair" for r in rs):
        x = x0 + bar_w / 2
        for y in range(top - 6, top + row * len(rs), 8):
            d.line([(x, y), (x, y + 4)], fill="#b3261e", width=1)
        d.text((x + 4, top - 20), "chance (pair)", fill="#b3261e", font=small)
    for i, (r, text) in enumerate(zip(rs, labels, strict=True)):
        y = top + row * i + row // 2
        d.text((left, y), text, fill="#1d232b", font=font, anchor="rm")
        d.rectangle([x0, y - 11, x0 + bar_w * r.rate, y + 11], fill="#9aa3ad" if r.method == REAL else "#2f6fde")
        lo, hi = (x0 + bar_w * v for v in r.interval)
        d.line([(lo, y), (hi, y)], fill="#1d232b", width=2)
        for x in (lo, hi):
            d.line([(x, y - 7), (x, y + 7)], fill="#1d232b", width=2)
    d.text((x0 + bar_w / 2, height - 18), "fool rate", fill="#5b6573", font=small, anchor="ma")
    im.save(tmp, format="PNG")
