"""The fast preview after an edit, made so that it never shows colours the full result lacks. Qt-free.

A preview at a lower working size is a different answer of the network: over the whole figure
its colours differ from the full result's (brown eyes, a pinker body for half a second). Two
rules keep that off the screen:

* **No preview when the full result is due soon.** :class:`FullTimes` keeps the measured time
  of the full colorize per picture and setting; :meth:`FullTimes.wants_preview` asks for a
  preview only when the last ones took longer than :data:`FULL_DUE_S`. Measured here (Intel
  Xeon, 2 cores, one inference thread, the shipped model at 512 px, a 500 px sketch): preview
  0.08-0.11 s, full 0.18-0.20 s, so the full result alone arrives sooner than the preview and the
  full result together did (0.3 s) and nothing flashes.
* **A preview changes only what the edit changes.** When one is shown (a big working size, a
  slow machine), :func:`local_preview` compares the new preview with the preview of the state
  before the edit (the same working size, so the network's low-size look cancels out) and takes
  the new colours only where they differ, by more than :data:`CHANGED_DE` (CIE76), from it; everywhere else
  it shows the last full result. Without such a pair (the first colorize, another mode, new
  lines) there is no preview: the full result comes when it comes.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import cv2
import numpy as np

FULL_DUE_S = 0.3  # a full result due within this long after the edit needs no preview
CHANGED_DE = 8.0  # CIE76: a preview pixel this far from the last preview is the edit's doing
DIFF_SIDE = 256  # the comparison runs at this long side (previews are low-resolution anyway)
GROW_PX = 2  # the changed area grows by this much at DIFF_SIDE (the edges of the change)
MEMORY = 0.5  # the weight of the newest measurement in the running estimate


class FullTimes:
    """Measured seconds of the full colorize, per key (the picture's size and the settings)."""

    def __init__(self) -> None:
        self._seconds: dict[Hashable, float] = {}

    def record(self, key: Hashable, seconds: float) -> None:
        old = self._seconds.get(key)
        self._seconds[key] = seconds if old is None else MEMORY * seconds + (1 - MEMORY) * old

    def estimate(self, key: Hashable) -> float | None:
        return self._seconds.get(key)

    def wants_preview(self, key: Hashable) -> bool:
        """A preview pays only when the full result is known to take longer than FULL_DUE_S."""
        seconds = self._seconds.get(key)
        return seconds is not None and seconds > FULL_DUE_S


@dataclass(frozen=True)
class Pictures:
    """One result as the canvas shows it: ``image`` (lines multiplied, maybe RGBA), ``color``."""

    image: np.ndarray
    color: np.ndarray


def _lab_small(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    small = cv2.resize(np.ascontiguousarray(rgb[..., :3]), size, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def changed_area(new: np.ndarray, old: np.ndarray, threshold: float = CHANGED_DE) -> np.ndarray:
    """bool HxW: where two previews' colours (HxWx3 uint8) differ by more than ``threshold``
    (CIE76), compared at DIFF_SIDE and grown by GROW_PX there."""
    h, w = new.shape[:2]
    scale = min(1.0, DIFF_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    de = np.linalg.norm(_lab_small(new, size) - _lab_small(old, size), axis=2)
    mask = (de > threshold).astype(np.uint8)
    if GROW_PX:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * GROW_PX + 1, 2 * GROW_PX + 1))
        mask = cv2.dilate(mask, k)
    return cv2.resize(mask, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)


def local_preview(new_low: Pictures, old_low: Pictures, old_full: Pictures) -> Pictures | None:
    """The last full result with the new preview's colours where the edit changed them; None
    when the three do not belong to one picture (another size: no preview)."""
    shapes = {new_low.color.shape, old_low.color.shape, old_full.color.shape}
    if len(shapes) != 1 or new_low.image.shape != old_full.image.shape:
        return None
    changed = changed_area(new_low.color, old_low.color)
    color = np.where(changed[..., None], new_low.color, old_full.color)
    image = np.where(changed[..., None], new_low.image, old_full.image)
    return Pictures(image, color)


def context_key(*parts: object) -> Hashable:
    """What a preview pair must share besides the hints: arrays by content, the rest as is."""
    from ganime_core.regions.cache import content_key

    return tuple(content_key(p) if isinstance(p, np.ndarray) else p for p in parts)


class PreviewMemory:
    """The worker's last (preview, full result) pair of one context (picture, options, guide),
    for the next edit's :func:`local_preview`."""

    def __init__(self) -> None:
        self._context: Hashable = None
        self._low: Pictures | None = None
        self._full: Pictures | None = None

    def compose(self, context: Hashable, low: Pictures) -> Pictures | None:
        """The local preview of ``low`` over the last pair; None when there is none to lean on."""
        if context != self._context or self._low is None or self._full is None:
            return None
        return local_preview(low, self._low, self._full)

    def remember(self, context: Hashable, low: Pictures | None, full: Pictures) -> None:
        """The pair of a finished request (``low`` None: it had no preview, so no pair)."""
        self._context, self._low, self._full = context, low, full
