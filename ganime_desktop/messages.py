"""Typed messages between the GUI thread and the colorize worker (Qt- and torch-free).

A request is a :class:`Job`, a result an :class:`Output`, a failure a :class:`Failure` whose
kind is an :class:`ErrorKind`: the worker classifies an exception once, and the window reads
the kind's fields instead of matching strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from ganime_core.errors import DeviceError, GanimeError, NoDefaultModelError, WeightsError
from ganime_core.inputs.hints import HintSet
from ganime_core.io.imageio import LoadedImage
from ganime_core.options import ColorizeOptions

PREVIEW = "preview"
FULL = "full"


class ErrorKind(StrEnum):
    NO_MODEL = "no_model"
    WEIGHTS = "weights"
    DEVICE = "device"
    MEMORY = "memory"
    INPUT = "input"
    INTERNAL = "internal"

    @property
    def model_unusable(self) -> bool:
        """The model cannot run at all (until the settings change)."""
        return self in (ErrorKind.NO_MODEL, ErrorKind.WEIGHTS, ErrorKind.DEVICE)

    @property
    def per_edit(self) -> bool:
        """Caused by this request's input: an automatic regenerate shows it quietly."""
        return self in (ErrorKind.INPUT, ErrorKind.INTERNAL)

    @property
    def heading(self) -> str:
        """The error dialog's title."""
        return _TITLES.get(self, "Colorize failed")


_TITLES = {ErrorKind.NO_MODEL: "No model installed", ErrorKind.WEIGHTS: "Cannot load the model",
           ErrorKind.DEVICE: "Device not available", ErrorKind.MEMORY: "Out of memory"}


def error_kind(exc: BaseException) -> ErrorKind:
    if isinstance(exc, NoDefaultModelError):
        return ErrorKind.NO_MODEL
    if isinstance(exc, WeightsError):
        return ErrorKind.WEIGHTS
    if isinstance(exc, DeviceError):
        return ErrorKind.DEVICE
    if isinstance(exc, MemoryError):
        return ErrorKind.MEMORY
    if isinstance(exc, GanimeError):
        return ErrorKind.INPUT
    return ErrorKind.INTERNAL


@dataclass(frozen=True)
class ModelChoice:
    """Which model to load and how: the worker reloads when any of it changes."""

    path: str = ""  # "" = the installed default model
    device: str = "auto"
    precision: str = "auto"
    memory_format: str = "auto"


@dataclass(frozen=True)
class Job:
    """One colorize request; ``serial`` is stamped by :class:`workers.WorkerHost`.

    ``options`` say how (mode, gap, working size, ...: ``ganime_core.options``, validated when
    built); ``palette`` and ``barriers`` are what the picture is colorized with.
    """

    image: LoadedImage
    hints: HintSet
    options: ColorizeOptions = ColorizeOptions()
    model: ModelChoice = ModelChoice()
    revision: int = 0
    preview_size: int | None = None  # a fast first pass at this working size (None: none)
    palette: np.ndarray | None = None  # the colour guide: (k, 4) Lab+weight rows, or None
    barriers: np.ndarray | None = None  # bool HxW: strokes only the segmentation sees
    marks: frozenset[int] = frozenset()  # hint strokes painted with Alt: only their regions
    serial: int = 0


@dataclass(frozen=True)
class Output:
    serial: int
    stage: str  # PREVIEW or FULL
    revision: int
    image: np.ndarray
    color: np.ndarray
    working_size: tuple[int, int]
    seconds: float
    device: str
    flats: np.ndarray | None = None  # one exact colour per region (flats and locked modes)
    shading: np.ndarray | None = None  # uint8 grey overlay, 128 = neutral (locked mode)


@dataclass(frozen=True)
class SuggestJob:
    """Colour suggestions for a picture: ``n`` previews at working size ``size``
    (``ganime_core.suggest.suggest``); ``serial`` is stamped by the host."""

    image: LoadedImage
    options: ColorizeOptions = ColorizeOptions()
    model: ModelChoice = ModelChoice()
    n: int = 6
    size: int = 256
    serial: int = 0


@dataclass(frozen=True)
class Suggestions:
    """The answer to a :class:`SuggestJob`: ``(ganime_core.suggest.ColourFamily, uint8 HxWx3
    preview)`` pairs, in the families' display order; ``seconds`` they took together."""

    serial: int
    previews: tuple[tuple[Any, np.ndarray], ...]
    seconds: float = 0.0


@dataclass(frozen=True)
class Failure:
    serial: int  # 0: not a request's failure (loading the model)
    kind: ErrorKind
    message: str


@dataclass(frozen=True)
class ModelLoaded:
    summary: str  # readable lines: the model's, "forward: <precision>, <memory format>", "device: X"
    working_size: int
    takes_guide: bool  # the model has a colour-guide input


@dataclass(frozen=True)
class ReachJob:
    """Where a stroke would go: ``ganime_core.parts.query.hint_reach`` of ``hints`` (the
    document's strokes plus a dot of ``color`` at the pointer) with ``options`` (their
    ``spread`` says part or region); the answer's pixels of ``color`` are the highlight.
    ``key`` comes back with the answer; ``after`` is the colorize serial when it was asked
    (a colorize asked since goes first: the worker then skips this); ``serial`` is the host's."""

    image: LoadedImage
    hints: HintSet
    color: tuple[int, int, int]
    key: tuple
    options: ColorizeOptions = ColorizeOptions()
    model: ModelChoice = ModelChoice()
    palette: np.ndarray | None = None
    barriers: np.ndarray | None = None
    after: int = 0
    serial: int = 0


@dataclass(frozen=True)
class Reach:
    """The answer to a :class:`ReachJob`: ``image`` (a ``QImage``, RGBA: the part tinted and
    outlined, cropped to its box at ``x, y``; None when the stroke would colour nothing),
    ``pixels`` it covers, ``seconds`` the query took on the worker. ``skipped``: not run (a
    colorize was asked meanwhile)."""

    serial: int
    key: tuple
    image: Any
    x: int = 0
    y: int = 0
    pixels: int = 0
    seconds: float = 0.0
    skipped: bool = False
    mask: np.ndarray | None = None  # bool, the part within the image's box
