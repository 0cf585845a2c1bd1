"""The hint layer as RGBA pixels for display, updated incrementally. Qt-free.

A full re-rasterise of a big canvas takes far too long for the GUI thread (a bucket fill
alone is hundreds of strokes), so the layer is only ever redrawn where it changes:

* strokes added on top (a brush stroke, a whole fill) are drawn together, in one pass over
  their combined bounding box;
* before that, the pixels of that box are kept in a journal, so taking those strokes away
  again (undo, clear, any change to earlier strokes) puts the saved pixels back and
  draws only what followed them. The journal is bounded (:data:`JOURNAL_BYTES`); a change
  that reaches past what it still holds starts again from an empty layer.

Only a new picture size allocates a new array. The result always equals
``rasterize(strokes, w, h).to_rgba()`` pixel for pixel: a batch is drawn with that same
rasteriser on a canvas of its box, its points rounded to the same whole pixels and then
shifted by whole pixels; where a stroke reaches past the picture, the box side lies on the
picture's edge, so OpenCV clips it at the same place (the tests check all of this against
full redraws, strokes crossing the edges and half-pixel points included).
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from collections.abc import Iterable, Sequence

import cv2
import numpy as np

from ganime_core.inputs.hints import Stroke, rasterize

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (end-exclusive)
JOURNAL_BYTES = 256 << 20  # pixels kept for undo; the oldest go first past this


def stroke_box(s: Stroke) -> Box:
    """The stroke's bounding box, not clipped to the picture."""
    xs, ys = zip(*s.points, strict=True)
    pad = s.width / 2 + 3
    return (math.floor(min(xs) - pad), math.floor(min(ys) - pad),
            math.ceil(max(xs) + pad) + 1, math.ceil(max(ys) + pad) + 1)


@dataclasses.dataclass(frozen=True)
class _Saved:
    """The layer's pixels in ``box`` before strokes ``start:`` were drawn (None: empty)."""

    start: int
    box: Box
    pixels: np.ndarray | None

    @property
    def nbytes(self) -> int:
        return 0 if self.pixels is None else self.pixels.nbytes


@dataclasses.dataclass(frozen=True)
class _Cleared:
    strokes: tuple[Stroke, ...]
    pixels: np.ndarray
    journal: deque[_Saved]
    journal_bytes: int


class HintOverlay:
    def __init__(self) -> None:
        self.rgba = np.zeros((1, 1, 4), np.uint8)
        self.strokes: tuple[Stroke, ...] = ()
        self._journal: deque[_Saved] = deque()  # one entry per drawn batch, oldest first
        self._journal_bytes = 0
        self._cleared: _Cleared | None = None  # the layer before the last clear, for its undo

    def update(self, strokes: Sequence[Stroke], w: int, h: int) -> bool:
        """Bring the layer up to date.

        Returns False when it only drew new strokes on top of the layer, True otherwise
        (``rgba`` may then be a new array: re-read it).
        """
        strokes = tuple(strokes)
        if self._restore_cleared(strokes, w, h):
            return True
        if self.rgba.shape[:2] != (h, w):
            self.rgba = np.zeros((h, w, 4), np.uint8)
            self.strokes = ()
            self._forget()
            start, changed = 0, True
        else:
            keep = _common_prefix(self.strokes, strokes)
            changed = keep < len(self.strokes)
            start = self._rewind(keep)
        self._draw(strokes, start)
        self.strokes = strokes
        return changed

    def _rewind(self, keep: int) -> int:
        """Undo drawn batches until the layer shows at most ``strokes[:keep]``; returns
        how many strokes it shows then."""
        shown = len(self.strokes)
        if keep == 0 and shown:  # cleared, or everything changed
            self._cleared = _Cleared(self.strokes, self.rgba.copy(), self._journal, self._journal_bytes)
            self._journal = deque()
            self.rgba.fill(0)
            self._forget()
            return 0
        while shown > keep:
            if not self._journal:
                self.rgba.fill(0)
                return 0
            saved = self._journal.pop()
            self._journal_bytes -= saved.nbytes
            _paste(self.rgba, saved)
            shown = saved.start
        return shown

    def _restore_cleared(self, strokes: tuple[Stroke, ...], w: int, h: int) -> bool:
        """Undoing a clear brings back the very strokes shown before it: paste that layer
        (and its journal) back instead of redrawing every stroke. The layer is a function of
        (strokes, size), so equal strokes on an equal size mean equal pixels."""
        cleared, self._cleared = self._cleared, None
        if cleared is None or self.strokes or not strokes:
            self._cleared = cleared if not strokes else None  # drawing anew forgets it
            return False
        if cleared.strokes != strokes or cleared.pixels.shape[:2] != (h, w) or self.rgba.shape[:2] != (h, w):
            return False
        np.copyto(self.rgba, cleared.pixels)
        self.strokes = strokes
        self._journal, self._journal_bytes = cleared.journal, cleared.journal_bytes
        return True

    def _draw(self, strokes: tuple[Stroke, ...], start: int) -> None:
        """Draw ``strokes[start:]`` onto a layer showing ``strokes[:start]``."""
        batch = strokes[start:]
        if not batch:
            return
        h, w = self.rgba.shape[:2]
        box = _clip(_union(stroke_box(s) for s in batch), w, h)
        x0, y0, x1, y1 = box
        patch = self.rgba[y0:y1, x0:x1]
        self._remember(_Saved(start, box, patch.copy() if start else None))
        if patch.size:
            _composite(patch, batch, x0, y0)

    def _remember(self, saved: _Saved) -> None:
        self._journal.append(saved)
        self._journal_bytes += saved.nbytes
        while self._journal_bytes > JOURNAL_BYTES:
            self._journal_bytes -= self._journal.popleft().nbytes

    def _forget(self) -> None:
        self._journal.clear()
        self._journal_bytes = 0


def _common_prefix(a: tuple[Stroke, ...], b: tuple[Stroke, ...]) -> int:
    n = min(len(a), len(b))
    if a[:n] == b[:n]:  # the usual case (strokes added or taken away), in one compare
        return n
    return next(i for i in range(n) if a[i] != b[i])


def _union(boxes: Iterable[Box]) -> Box:
    xs0, ys0, xs1, ys1 = zip(*boxes, strict=True)
    return min(xs0), min(ys0), max(xs1), max(ys1)


def _clip(box: Box, w: int, h: int) -> Box:
    x0, y0 = min(max(box[0], 0), w), min(max(box[1], 0), h)
    return x0, y0, min(max(box[2], x0), w), min(max(box[3], y0), h)


def _paste(rgba: np.ndarray, saved: _Saved) -> None:
    x0, y0, x1, y1 = saved.box
    rgba[y0:y1, x0:x1] = 0 if saved.pixels is None else saved.pixels


def _shifted(s: Stroke, dx: int, dy: int, erase: bool) -> Stroke:
    """``s`` moved by (-dx, -dy) whole pixels. The points are rounded first, exactly as
    :func:`rasterize` rounds them, so every mark lands on the same pixel as in the picture
    (rounding *after* the shift could move a .5 coordinate by one pixel)."""
    pts = tuple((float(round(x) - dx), float(round(y) - dy)) for x, y in s.points)
    return dataclasses.replace(s, points=pts, erase=erase)


def _composite(patch: np.ndarray, batch: tuple[Stroke, ...], x0: int, y0: int) -> None:
    """Draw ``batch`` over ``patch`` (the layer at x0, y0) as one pass of :func:`rasterize`.

    On its own canvas the batch gives each pixel its last stroke's colour, or clears it
    when that stroke erases; the pixels no stroke touches keep what the layer had.
    """
    ph, pw = patch.shape[:2]
    final = rasterize([_shifted(s, x0, y0, s.erase) for s in batch], pw, ph)
    touched = final.mask
    pixels = cv2.cvtColor(final.rgb, cv2.COLOR_RGB2RGBA)  # opaque
    if any(s.erase for s in batch):  # erasing leaves no mark of its own: draw it as paint
        touched = rasterize([_shifted(s, x0, y0, False) for s in batch], pw, ph).mask
        pixels[..., 3] = final.mask.view(np.uint8) * np.uint8(255)
    np.copyto(_words(patch), _words(pixels), where=touched)


def _words(rgba: np.ndarray) -> np.ndarray:
    """An HxWx4 uint8 array seen as HxW uint32, one word a pixel: one compare-and-copy
    per pixel instead of four strided ones."""
    return rgba.view(np.uint32)[..., 0]
