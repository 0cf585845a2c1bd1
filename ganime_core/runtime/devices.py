"""Compute-device selection: ``auto`` = CUDA, else Apple MPS, else CPU."""

from __future__ import annotations

import logging

import torch

from ganime_core.constants import DEVICES
from ganime_core.errors import DeviceError

log = logging.getLogger(__name__)

DEVICE_CHOICES = DEVICES  # the old name, kept for callers


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(name: str = "auto") -> torch.device:
    """Turn a device name into a ``torch.device``; raise :class:`DeviceError` if unavailable."""
    name = (name or "auto").lower()
    if name not in DEVICE_CHOICES and not name.startswith("cuda:"):
        raise DeviceError(f"Unknown device {name!r}; choose one of {', '.join(DEVICE_CHOICES)}.")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError("CUDA was requested but no CUDA GPU is available; use --device cpu.")
    if name == "mps" and not mps_available():
        raise DeviceError("Apple MPS was requested but is not available on this machine.")
    return torch.device(name)


def is_out_of_memory(exc: BaseException) -> bool:
    """True for CUDA/MPS out-of-memory errors (which are worth a CPU fallback)."""
    if isinstance(exc, torch.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()
