"""Choose the CPU forward's precision and memory layout by measuring, once per CPU.

Whether bf16 autocast or the channels-last layout makes the generator faster depends on the
CPU (bf16 is ~2x slower without native bf16, contiguous bf16 can be 10x slower), on the torch
build and on the architecture, so no CPU-flag rule holds everywhere. On the first load of a
model :func:`calibrate` times a few forwards of each candidate (fp32 / bf16 x contiguous /
channels-last) at a small size and keeps the fastest. The measurements are cached as JSON in
the user's cache folder (``$XDG_CACHE_HOME/ganime/calibration.json``, else
``~/.cache/ganime/calibration.json``; ``$GANIME_CALIBRATION_CACHE`` names another file), keyed
by CPU model name, torch version and architecture signature, so later loads measure nothing.

An explicit precision or memory format wins over the cache and is never measured; only the
"auto" parts are chosen (from the cache when it has them, else measured and added to it). A
candidate that cannot beat the best so far is abandoned mid-forward, so the measurement stays
well under ~2 s even where one candidate is pathologically slow. A cache file that cannot be
read or parsed is ignored with a warning (and rewritten); one that cannot be written is a
warning too: calibration never stops a model from loading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ganime_core.constants import MEMORY_FORMATS, PRECISIONS

log = logging.getLogger(__name__)

CACHE_ENV = "GANIME_CALIBRATION_CACHE"
CACHE_FORMAT = "ganime-calibration"
CACHE_VERSION = 1
#: Concrete choices (the constants' lists without ``auto``).
PRECISION_CHOICES: tuple[str, ...] = tuple(p for p in PRECISIONS if p != "auto")
FORMAT_CHOICES: tuple[str, ...] = tuple(m for m in MEMORY_FORMATS if m != "auto")
#: Used off the CPU and wherever nothing was measured: the layout the shipped path always had.
DEFAULT_CHOICE = ("fp32", "channels_last")
MEASURE_SIZE = 256  # px, rounded up to the model's stride (at 128 px the ranking can differ from 512)
#: Bumped whenever the forward's implementation changes its speed (2: instance norms computed as
#: group norms; 3: the U-Net's fused inference forward), so choices measured on the old code are
#: measured again.
FORWARD_REVISION = 3
ROUNDS = 2  # timed forwards per candidate after one warm-up
BUDGET_S = 1.5  # the whole measurement stops here (the best measured so far wins)
SLOWER = 1.6  # a candidate is abandoned once a forward takes this many times the best one


@dataclass
class Calibration:
    """The resolved choice and where it came from.

    ``source``: ``explicit`` (both given), ``device`` (not a CPU: the default), ``cache``
    (all needed measurements found) or ``measured`` (some measured now). ``ms``: the forward
    time of each candidate at ``size`` (None = abandoned as slower), keyed ``precision/format``.
    """

    precision: str
    memory_format: str
    source: str
    ms: dict[str, float | None] = field(default_factory=dict)
    key: str = ""

    def describe(self) -> str:
        """One line for logs and the benchmark table."""
        times = ", ".join(f"{k} {'abandoned' if v is None else f'{v:.1f} ms'}" for k, v in self.ms.items())
        return f"{self.precision}, {self.memory_format} ({self.source}{'; ' + times if times else ''})"


class _TooSlow(Exception):
    """Raised inside a forward once it cannot beat the best candidate any more."""


def cache_path() -> Path:
    """The calibration cache file (``$GANIME_CALIBRATION_CACHE`` overrides the XDG location)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ganime" / "calibration.json"


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``, else what ``platform`` knows)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def model_signature(model: nn.Module) -> str:
    """A short hash of the architecture (class, config, parameter shapes), not of the weights."""
    config = getattr(model, "config", None)
    shapes = [(name, tuple(p.shape)) for name, p in model.named_parameters()]
    text = json.dumps([type(model).__name__, repr(config), shapes], default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def calibration_key(cpu: str, torch_version: str, signature: str) -> str:
    """The cache key of one CPU model, torch version and architecture (and ``FORWARD_REVISION``)."""
    return f"{cpu} | torch {torch_version} | {signature} | r{FORWARD_REVISION}"


def candidate_name(precision: str, memory_format: str) -> str:
    return f"{precision}/{memory_format}"


def _torch_format(memory_format: str) -> torch.memory_format:
    return torch.channels_last if memory_format == "channels_last" else torch.contiguous_format


def check_choice(precision: str, memory_format: str) -> None:
    """Raise ``ValueError`` naming the bad value and the valid ones."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if memory_format not in MEMORY_FORMATS:
        raise ValueError(f"memory format must be one of {', '.join(MEMORY_FORMATS)}, got {memory_format!r}")


class InstanceNormAsGroupNorm(nn.Module):
    """An ``nn.InstanceNorm2d`` without running statistics, computed as ``group_norm`` with one
    group per channel: the same numbers (to float rounding) and parameter names, but 4-7x
    faster on the CPU, where torch's instance-norm kernel dominates a U-Net's forward."""

    weight: nn.Parameter | None
    bias: nn.Parameter | None

    def __init__(self, norm: nn.InstanceNorm2d) -> None:
        super().__init__()
        self.num_channels = int(norm.num_features)
        self.eps = float(norm.eps)
        self.register_parameter("weight", norm.weight)
        self.register_parameter("bias", norm.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.group_norm(x, self.num_channels, self.weight, self.bias, self.eps)


def fast_norms(model: nn.Module) -> int:
    """Swap every running-stats-free ``InstanceNorm2d`` of ``model`` for :class:`InstanceNormAsGroupNorm`
    (in place, for inference); returns how many were swapped."""
    swaps = [(parent, name, child) for parent in model.modules() for name, child in parent.named_children()
             if isinstance(child, nn.InstanceNorm2d) and not child.track_running_stats]
    for parent, name, child in swaps:
        setattr(parent, name, InstanceNormAsGroupNorm(child))
    return len(swaps)


# -- the cache -----------------------------------------------------------------------------------

def read_cache(path: Path) -> dict[str, Any]:
    """The cache's entries; ``{}`` (with a warning) for a missing, unreadable or corrupt file."""
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not (isinstance(doc, dict) and doc.get("format") == CACHE_FORMAT
                and isinstance(doc.get("entries"), dict)):
            raise ValueError("not a GANime calibration file")
        entries = doc["entries"]
    except (OSError, ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        log.warning("ignoring the calibration cache %s (%s); measuring again", path, str(exc)[:120])
        return {}
    return {k: v for k, v in entries.items() if isinstance(v, dict)}


def _cached_ms(entry: dict[str, Any] | None) -> dict[str, float | None]:
    """The valid per-candidate times of one cache entry."""
    raw = entry.get("ms") if isinstance(entry, dict) else None
    if not isinstance(raw, dict):
        return {}
    valid = {candidate_name(p, m) for p in PRECISION_CHOICES for m in FORMAT_CHOICES}
    out: dict[str, float | None] = {}
    for name, value in raw.items():
        if name in valid and (value is None or (isinstance(value, int | float) and value > 0)):
            out[name] = None if value is None else float(value)
    return out


def write_cache(path: Path, key: str, entry: dict[str, Any]) -> None:
    """Add or replace one entry, atomically; a failure is logged, never raised."""
    from ganime_core.io.imageio import WriteError, atomic_write_bytes

    entries = read_cache(path) if path.is_file() else {}
    entries[key] = entry
    doc = {"format": CACHE_FORMAT, "version": CACHE_VERSION, "entries": entries}
    try:
        atomic_write_bytes(path, json.dumps(doc, indent=1, sort_keys=True).encode("utf-8"))
    except WriteError as exc:
        log.warning("could not save the calibration (%s); it will be measured again next time", exc)


# -- measuring -----------------------------------------------------------------------------------

@contextmanager
def _deadline(model: nn.Module, until: list[float]) -> Iterator[None]:
    """While active, every submodule's forward raises ``_TooSlow`` once ``until[0]`` has passed."""
    def check(*_: object) -> None:
        if time.perf_counter() > until[0]:
            raise _TooSlow

    handles = [m.register_forward_pre_hook(check) for m in model.modules()]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def _runner(model: nn.Module, precision: str, memory_format: str, size: int) -> Callable[[], object]:
    """A call that converts ``model`` to the candidate's layout and runs one forward."""
    fmt = _torch_format(memory_format)
    in_channels = int(getattr(getattr(model, "config", None), "in_channels", 3))
    code_dim = int(getattr(getattr(model, "config", None), "code_dim", 0))
    x = torch.zeros(1, in_channels, size, size).contiguous(memory_format=fmt)
    args = (x, torch.zeros(1, code_dim)) if code_dim else (x,)

    def run() -> object:
        with torch.inference_mode():
            if precision == "bf16":
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return model(*args)
            return model(*args)

    return run


def measure(model: nn.Module, candidates: list[tuple[str, str]], *, size: int = MEASURE_SIZE,
            rounds: int = ROUNDS, budget_s: float = BUDGET_S) -> dict[str, float | None]:
    """Forward time (ms, the best of ``rounds`` after a warm-up) of each candidate on the CPU.

    Candidates run interleaved, round by round, so a burst of load hits them alike. A forward
    is abandoned (None) once it runs ``SLOWER`` x the best time so far; the first candidate is
    always measured. After ``budget_s`` no new forward starts (a warm-up time then stands in). ``model`` is left in the first candidate's memory format.
    """
    stride = int(getattr(model, "stride", 1)) or 1
    size = max(stride, -(-size // stride) * stride)
    runners = {candidate_name(*c): (_torch_format(c[1]), _runner(model, *c, size)) for c in candidates}
    best: dict[str, float] = {}  # timed rounds only
    seen: dict[str, float] = {}  # warm-ups included: the bound while nothing is timed yet
    dropped: set[str] = set()
    start = time.perf_counter()
    until = [float("inf")]
    with _deadline(model, until):
        for rnd in range(rounds + 1):
            for name, (fmt, run) in runners.items():
                if name in dropped or (seen and time.perf_counter() - start > budget_s):
                    continue
                model.to(memory_format=fmt)
                fastest = min((best or seen).values(), default=None)
                t0 = time.perf_counter()
                until[0] = float("inf") if fastest is None else t0 + max(SLOWER * fastest, 0.002)
                try:
                    run()
                except _TooSlow:
                    dropped.add(name)  # keeps a time measured in an earlier round
                    continue
                took = time.perf_counter() - t0
                seen[name] = min(seen.get(name, float("inf")), took)
                if rnd > 0:
                    best[name] = min(best.get(name, float("inf")), took)
    model.to(memory_format=_torch_format(candidates[0][1]))
    log.debug("calibration at %d px took %.2f s", size, time.perf_counter() - start)
    times = {**seen, **best}  # a warm-up time stands in where the budget ran out before a timed round
    return {name: (times[name] * 1000.0 if name in times else None) for name in runners}


def _fastest(ms: dict[str, float | None], candidates: list[tuple[str, str]]) -> tuple[str, str]:
    timed = [(ms[candidate_name(*c)], c) for c in candidates if ms.get(candidate_name(*c)) is not None]
    return min(timed)[1] if timed else candidates[0]


def calibrate(model: nn.Module, device: torch.device, precision: str = "auto",
              memory_format: str = "auto", *, cache: Path | None = None) -> Calibration:
    """Resolve ``auto`` precision / memory format for ``model`` on ``device`` (see the module doc)."""
    check_choice(precision, memory_format)
    if precision != "auto" and memory_format != "auto":
        return Calibration(precision, memory_format, "explicit")
    if device.type != "cpu":
        return Calibration(precision if precision != "auto" else DEFAULT_CHOICE[0],
                           memory_format if memory_format != "auto" else DEFAULT_CHOICE[1], "device")
    precisions = PRECISION_CHOICES if precision == "auto" else (precision,)
    formats = FORMAT_CHOICES if memory_format == "auto" else (memory_format,)
    candidates = sorted(((p, m) for p in precisions for m in formats),
                        key=lambda c: (c[0] != DEFAULT_CHOICE[0], c[1] != DEFAULT_CHOICE[1]))
    path = cache if cache is not None else cache_path()
    key = calibration_key(cpu_name(), torch.__version__, model_signature(model))
    ms = _cached_ms(read_cache(path).get(key))
    missing = [c for c in candidates if candidate_name(*c) not in ms]
    source = "cache"
    if missing:
        log.info("measuring the forward on this CPU (%s): %s", cpu_name(),
                 ", ".join(candidate_name(*c) for c in missing))
        ms.update(measure(model, missing))
        source = "measured"
        write_cache(path, key, {"cpu": cpu_name(), "torch": torch.__version__, "model": model_signature(model),
                                "threads": torch.get_num_threads(), "size": MEASURE_SIZE, "ms": ms,
                                "measured": f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M:%SZ}"})
    chosen = _fastest(ms, candidates)
    wanted = {candidate_name(*c) for c in candidates}
    result = Calibration(chosen[0], chosen[1], source, {k: v for k, v in ms.items() if k in wanted}, key)
    log.info("forward on %s: %s", device, result.describe())
    return result
