"""Application settings (persisted with QSettings) and torch-free model file facts."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from ganime_core.constants import (
    COLOR_MODES,
    DEFAULT_COLOR_MODE,
    DEFAULT_SPREAD,
    DEVICES,
    MEMORY_FORMATS,
    PRECISIONS,
    SPREADS,
)
from ganime_core.io.jsonsafe import is_number
from ganime_core.runtime.modelfile import DEFAULT_WEIGHTS, ModelFacts, read_facts

log = logging.getLogger(__name__)

__all__ = ["COLOR_MODES", "DEVICES", "MEMORY_FORMATS", "PRECISIONS", "AppSettings", "ModelFacts",
           "load_settings", "model_summary", "read_model_facts", "save_settings"]
MAX_RECENT_FILES = 10
DEFAULT_MODEL = DEFAULT_WEIGHTS  # ganime_core.runtime.modelfile is torch-free


@dataclass
class AppSettings:
    device: str = "auto"
    precision: str = "auto"  # auto = measured per CPU (ganime_core), or fp32 / bf16
    memory_format: str = "auto"  # auto = measured per CPU, or contiguous / channels_last
    model_path: str = ""  # "" = the installed default model
    working_size: int = 0  # 0 = the model's own working size
    preview_size: int = 256
    autosave_s: int = 60
    regen_delay_ms: int = 120
    auto_regen: bool = True
    show_hints: bool = True
    color_mode: str = DEFAULT_COLOR_MODE
    spread: str = DEFAULT_SPREAD  # what one hint colours: its part, or its regions
    cpu_threads: int = 0  # 0 = all cores but one; read when the model first loads
    recent_files: list[str] = field(default_factory=list)

    def model_file(self) -> Path | None:
        """The model to load, or None when none is installed or configured."""
        if self.model_path:
            return Path(self.model_path)
        return DEFAULT_MODEL if DEFAULT_MODEL.is_file() else None

    def add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        if path in self.recent_files:
            self.recent_files.remove(path)
        self.recent_files.insert(0, path)
        del self.recent_files[MAX_RECENT_FILES:]


MAX_PATH_CHARS = 4096


def _int(qs: QSettings, key: str, default: int, lo: int, hi: int) -> int:
    try:
        v = int(qs.value(key, default))
    except (TypeError, ValueError, OverflowError):
        return default
    return min(hi, max(lo, v))


def _path(value: object) -> str:
    """A file path from the settings file, or "" when it cannot be one (a list, a NUL, huge)."""
    if not isinstance(value, str) or "\x00" in value or len(value) > MAX_PATH_CHARS:
        return ""
    return value


def _recent(value: object) -> list[str]:
    if not isinstance(value, str) or len(value) > MAX_RECENT_FILES * (MAX_PATH_CHARS + 8):
        return []
    try:
        recent = json.loads(value)
    except (ValueError, RecursionError):
        return []
    if not isinstance(recent, list):
        return []
    return [p for p in (_path(v) for v in recent) if p][:MAX_RECENT_FILES]


def _bool(qs: QSettings, key: str, default: bool) -> bool:
    v = qs.value(key, default)
    if isinstance(v, str):
        return v.lower() in ("1", "true", "yes")
    return bool(v)


def _choice(qs: QSettings, key: str, choices: tuple[str, ...], default: str) -> str:
    value = qs.value(key, default)
    return value if isinstance(value, str) and value in choices else default


def load_settings(qs: QSettings) -> AppSettings:
    s = AppSettings()
    s.device = _choice(qs, "device", DEVICES, "auto")
    s.precision = _choice(qs, "precision", PRECISIONS, "auto")
    s.memory_format = _choice(qs, "memory_format", MEMORY_FORMATS, "auto")
    s.model_path = _path(qs.value("model_path", "") or "")
    s.working_size = _int(qs, "working_size", 0, 0, 4096)
    s.preview_size = _int(qs, "preview_size", s.preview_size, 64, 1024)
    s.cpu_threads = _int(qs, "cpu_threads", 0, 0, 256)
    s.autosave_s = _int(qs, "autosave_s", s.autosave_s, 5, 3600)
    s.regen_delay_ms = _int(qs, "regen_delay_ms", s.regen_delay_ms, 0, 10_000)
    s.auto_regen = _bool(qs, "auto_regen", s.auto_regen)
    s.show_hints = _bool(qs, "show_hints", s.show_hints)
    s.color_mode = _choice(qs, "color_mode", COLOR_MODES, DEFAULT_COLOR_MODE)
    s.spread = _choice(qs, "spread", SPREADS, DEFAULT_SPREAD)
    s.recent_files = _recent(qs.value("recent_files", "[]"))
    return s


def save_settings(qs: QSettings, s: AppSettings) -> None:
    for key in ("device", "precision", "memory_format", "model_path", "working_size", "preview_size", "autosave_s",
                "regen_delay_ms", "auto_regen", "show_hints", "color_mode", "spread", "cpu_threads"):
        qs.setValue(key, getattr(s, key))
    qs.setValue("recent_files", json.dumps(s.recent_files))
    qs.sync()


def default_recovery_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".ganime") / "recovery"


def model_summary(facts: ModelFacts) -> str:
    """A few readable lines about a model file (not the whole provenance JSON)."""
    cfg = ", ".join(f"{k}={v}" for k, v in facts.config.items())
    rows = [f"file: {facts.path}", f"architecture: {facts.arch}" + (f" ({cfg})" if cfg else ""),
            f"working size: {facts.working_size} px"]
    t = facts.training
    items = [f"{k.replace('_', ' ')} {t[k]}" for k in ("steps", "epochs", "images_seen") if is_number(t.get(k))]
    if is_number(t.get("train_seconds")):
        items.append(f"{float(t['train_seconds']) / 3600:.1f} h")
    if isinstance(t.get("data"), str) and t["data"]:
        items.append(f"data {Path(str(t['data'])).name}")
    if items:
        rows.append("training: " + ", ".join(items))
    if facts.metrics:
        rows.append("metrics: " + metrics_line(facts.metrics))
    return "\n".join(rows)


def metrics_line(metrics: dict) -> str:
    """``training.evaluate`` results as one line (model, then each baseline); other dicts as k v."""
    methods = metrics.get("methods")
    if isinstance(methods, dict) and methods:
        names = {"model": "model", "sketch": "bare sketch", "mean_color": "mean-colour fill"}
        parts = []
        for name, m in sorted(methods.items(), key=lambda kv: kv[0] != "model"):  # the model first
            if isinstance(m, dict):
                vals = [f"{k.upper()} {m[k]:.4g}" for k in ("ssim", "fid") if is_number(m.get(k))]
                parts.append(f"{names.get(name, str(name)[:40])} " + " / ".join(vals))
        n = metrics.get("n_images")
        return "; ".join(parts) + (f" ({n:.0f} validation images)" if is_number(n) and n else "")
    shown = [(str(k)[:40], v) for k, v in list(metrics.items())[:6]]
    return ", ".join(f"{k} {v:.4g}" if is_number(v) else f"{k} {v[:40]}" if isinstance(v, str) else k
                     for k, v in shown)


def read_model_facts(path: str | Path) -> ModelFacts:
    """A GANime model file's checked metadata, read without torch (``ganime_core.runtime.modelfile``).

    Raises :class:`WeightsError` naming the file for anything that is not a sound GANime model;
    full validation (checksums, tensor shapes) happens when the worker loads it.
    """
    return read_facts(path)
