"""Line-art segmentation for the fill tool on its own QThread: the GUI never waits for it.

:class:`RegionService` (GUI thread) watches the document. When the regions of the current
picture are wanted (the fill tool is picked, the lines change while it is the tool, the
pointer hovers, a click) it hands copies of the picture and the barrier mask
(:class:`regionfill.PageSource`) to :class:`RegionWorker`. Requests coalesce: the worker skips
any that a newer one has overtaken, and a result is kept only if its key, (document
generation, ``seg_rev``, gap), is still the current one; a new gap or a barrier stroke asks again.

The worker cuts the regions with :func:`regionfill.segment_page`: those the API cuts at full
size for the flats and locked modes, through the process-wide segmentation cache
(``ganime_core.regions.cache.SHARED``), so a picture the colorize worker has cut is not cut
again here, and the other way round. While the "Close gaps" slider is dragged,
:meth:`RegionService.preview` segments at the slider's gap instead and the worker draws the
regions in distinct translucent colours (``preview_ready``) for the canvas to lay over the picture.

The hover highlight asks :meth:`RegionService.hover` for the region under the pointer;
its picture (cropped to the region's box) is drawn on the worker too, newest request only.

A bucket click becomes a :class:`FillRequest` queued behind the segmentation; the worker
turns the region into hint strokes and the service hands them on (``fill_ready``) only if
the lines are still those the user clicked on. A click whose lines change (an undo, an
import) or whose document is replaced before its strokes arrive is dropped
(``fill_dropped``): the region it pointed at may no longer exist.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from ganime_core.errors import GanimeError
from ganime_core.regions.segment import Regions

from .document import SEGMENTATION_KINDS, Document
from .qt_util import to_qimage
from .regionfill import RGB, Key, PageSource, RegionCache, region_fill, segment_page
from .worker_thread import WorkerThread

log = logging.getLogger(__name__)

PREFETCH_DELAY_MS = 200  # debounce: undo/redo bursts segment once, for the newest lines
HIGHLIGHT_ALPHA = 90
PREVIEW_ALPHA = 110
HoverKey = tuple[Key, int, RGB]  # lines revision, region label, colour


@dataclass(frozen=True)
class FillRequest:
    serial: int
    key: Key
    x: int
    y: int
    color: RGB


@dataclass(frozen=True)
class Highlight:
    key: HoverKey
    image: QImage  # RGBA, the region's bounding box
    x: int
    y: int


def highlight_image(labels: np.ndarray, label: int, color: RGB) -> tuple[QImage, int, int]:
    """Region ``label`` tinted with ``color``, cropped to its box: (image, left, top)."""
    mask = labels == label
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return QImage(), 0, 0
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    crop = mask[y0:y1, x0:x1]
    rgba = np.zeros((*crop.shape, 4), np.uint8)
    rgba[crop] = (*color, HIGHLIGHT_ALPHA)
    return to_qimage(rgba), x0, y0


@dataclass(frozen=True)
class RegionPreview:
    key: Key
    image: QImage  # RGBA, the whole picture: each region a distinct translucent colour


def region_colours(labels: np.ndarray, alpha: int = PREVIEW_ALPHA) -> np.ndarray:
    """RGBA HxW: each region label a distinct colour (golden-angle hues), lines clear."""
    n = int(labels.max()) + 1
    hue = (np.arange(n) * 137.508) % 360
    lut = np.zeros((n, 4), np.uint8)
    hsv = np.stack([hue / 2, np.full(n, 170), np.full(n, 235)], axis=1).astype(np.uint8)
    import cv2

    lut[:, :3] = cv2.cvtColor(hsv[None], cv2.COLOR_HSV2RGB)[0]
    lut[1:, 3] = alpha
    return lut[labels]


class RegionWorker(QObject):
    """Lives on the region thread; keeps the regions of the newest revision it segmented."""

    segmented = Signal(object, object)  # key, Regions
    seg_failed = Signal(object, str)  # key, message
    filled = Signal(object, object, str)  # FillRequest, strokes (None = stale), error
    highlighted = Signal(object)  # Highlight
    previewed = Signal(object)  # RegionPreview

    def __init__(self) -> None:
        super().__init__()
        self.latest = 0  # written by the GUI thread; an int store is atomic under the GIL
        self.latest_highlight = 0
        self._key: Key | None = None
        self._regions: Regions | None = None

    def skip_all(self) -> None:
        self.latest = self.latest_highlight = 1 << 62

    @Slot(int, object, object, bool)
    def run_segment(self, serial: int, key: Key, src: PageSource, preview: bool) -> None:
        if serial < self.latest:
            log.debug("skipping stale segmentation %s", key)
            return
        try:
            regions = segment_page(src, key[2])
        except Exception as exc:  # reported, never raised into Qt
            log.exception("segmenting the line art failed")
            self.seg_failed.emit(key, f"{type(exc).__name__}: {exc}")
            return
        self._key, self._regions = key, regions
        self.segmented.emit(key, regions)
        if preview and serial >= self.latest:
            self.run_preview(key)

    @Slot(object)
    def run_preview(self, key: Key) -> None:
        if key == self._key and self._regions is not None:
            self.previewed.emit(RegionPreview(key, to_qimage(region_colours(self._regions.labels))))

    @Slot(object)
    def run_fill(self, req: FillRequest) -> None:
        if req.key != self._key or self._regions is None:
            self.filled.emit(req, None, "")  # its segmentation was overtaken: stale
            return
        try:
            strokes = region_fill(self._regions, req.x, req.y, req.color)
        except (GanimeError, ValueError) as exc:
            self.filled.emit(req, None, f"Cannot fill this region: {exc}")
            return
        except Exception as exc:  # a click must always get an answer (or the cursor stays busy)
            log.exception("region fill failed")
            self.filled.emit(req, None, f"Cannot fill this region: {type(exc).__name__}: {exc}")
            return
        self.filled.emit(req, strokes, "")

    @Slot(int, object)
    def run_highlight(self, serial: int, key: HoverKey) -> None:
        if serial < self.latest_highlight or key[0] != self._key or self._regions is None:
            return  # the pointer has moved on, or the lines have changed
        try:
            image, x, y = highlight_image(self._regions.labels, key[1], key[2])
        except Exception:  # highlighting is a nicety: never let it break anything
            log.exception("region highlight failed")
            return
        self.highlighted.emit(Highlight(key, image, x, y))


class RegionService(QObject):
    """GUI-thread side: owns the thread, the cache for hover, and the queued fill clicks."""

    ready = Signal()  # the regions of the current lines arrived
    fill_ready = Signal(object)  # tuple[Stroke, ...] for the current lines
    fill_failed = Signal(str)
    highlight_ready = Signal(object)  # Highlight for the current lines
    fill_dropped = Signal(int)  # how many queued clicks the new lines made void
    busy_changed = Signal(bool)  # a click is waiting for its strokes
    preview_ready = Signal(object)  # QImage of the regions at the previewed gap (None: hide)

    _segment = Signal(int, object, object, bool)
    _fill = Signal(object)
    _highlight = Signal(int, object)
    _preview = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache = RegionCache()
        self.prefetch = False  # segment as soon as the lines settle (while filling)
        self.dropped = 0  # results and clicks thrown away as stale
        self._doc: Document | None = None
        self._generation = 0
        self._serial = 0
        self._fill_serials = itertools.count(1)
        self._requested: Key | None = None
        self._failed: Key | None = None
        self._pending: dict[int, Key] = {}
        self._hover: HoverKey | None = None
        self._hover_serial = 0
        self._preview_gap: int | None = None  # the "Close gaps" slider is being dragged
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREFETCH_DELAY_MS)
        self.timer.timeout.connect(self.ensure)
        self.worker = RegionWorker()
        self._segment.connect(self.worker.run_segment)
        self._fill.connect(self.worker.run_fill)
        self._highlight.connect(self.worker.run_highlight)
        self._preview.connect(self.worker.run_preview)
        self.worker.segmented.connect(self._on_segmented)
        self.worker.seg_failed.connect(self._on_seg_failed)
        self.worker.filled.connect(self._on_filled)
        self.worker.highlighted.connect(self._on_highlighted)
        self.worker.previewed.connect(self._on_previewed)
        self._shell = WorkerThread("ganime-regions", self.worker, self)
        self.worker_thread = self._shell.thread

    # -- state -------------------------------------------------------------------------------

    def set_document(self, doc: Document) -> None:
        if self._doc is not None:
            self._doc.unsubscribe(self._on_doc)
        self._doc = doc
        self._generation += 1
        self.cache.clear()
        self._requested = self._failed = None
        doc.subscribe(self._on_doc)
        self._drop_stale()
        self.schedule()

    def key(self) -> Key | None:
        if self._doc is None:
            return None
        gap = self._doc.gap if self._preview_gap is None else self._preview_gap
        return self._generation, self._doc.seg_rev, gap

    def preview(self, gap: int | None) -> None:
        """Show the regions at ``gap`` while the gap slider moves (None: stop previewing)."""
        if gap == self._preview_gap:
            return
        self._preview_gap = gap
        self._drop_stale()
        if gap is None:
            self.preview_ready.emit(None)
            self.schedule()
            return
        if self.ensure() is not None:  # already segmented at this gap: draw it on the worker
            self._preview.emit(self.key())

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def set_prefetch(self, on: bool) -> None:
        self.prefetch = on
        if on:
            self.schedule()
        else:
            self.timer.stop()

    def _on_doc(self, kind: str) -> None:
        if kind in SEGMENTATION_KINDS and self.worker_thread.isRunning():
            self._drop_stale()
            self.schedule()

    def schedule(self) -> None:
        """Segment the current lines soon (debounced) if prefetching."""
        if self.prefetch and self.cache.get(self.key()) is None:
            self.timer.start()

    # -- requests ----------------------------------------------------------------------------

    def ensure(self) -> Regions | None:
        """The current lines' regions if ready; else ask the worker for them and return None."""
        key = self.key()
        regions = self.cache.get(key)
        if regions is not None or key is None or key in (self._requested, self._failed):
            return regions
        assert self._doc is not None
        self.timer.stop()
        self._serial += 1
        self.worker.latest = self._serial
        self._requested = key
        # copies: the lines are edited in place later
        src = PageSource(self._doc.loaded_image(), self._doc.barrier_mask())
        self._segment.emit(self._serial, key, src, self._preview_gap is not None)
        return None

    def hover(self, x: int, y: int, color: RGB) -> HoverKey | None:
        """The region under the pointer (None until the regions are ready, or on a line).

        Its highlight picture comes later by ``highlight_ready``; asked once per region.
        """
        regions = self.ensure()
        if regions is None:
            return None
        label = regions.region_at(x, y)
        if label == 0:
            return None
        key = (self.key(), label, tuple(color))
        if key != self._hover:
            self._hover = key
            self._hover_serial += 1
            self.worker.latest_highlight = self._hover_serial
            self._highlight.emit(self._hover_serial, key)
        return key

    def fill(self, x: int, y: int, color: RGB) -> int:
        """Queue a bucket click on the current lines; its strokes come by ``fill_ready``."""
        key = self.key()
        if key is None:
            return 0
        if key == self._failed:
            self._failed = None  # a click retries a failed segmentation
        self.ensure()
        serial = next(self._fill_serials)
        self._pending[serial] = key
        self._fill.emit(FillRequest(serial, key, int(x), int(y), tuple(color)))
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        return serial

    # -- results ---------------------------------------------------------------------------

    def _drop_stale(self) -> None:
        key = self.key()
        stale = [s for s, k in self._pending.items() if k != key]
        for s in stale:
            del self._pending[s]
        if stale:
            self.dropped += len(stale)
            log.info("dropped %d fill click(s): the lines changed", len(stale))
            self.fill_dropped.emit(len(stale))
            if not self._pending:
                self.busy_changed.emit(False)

    def _take(self, serial: int) -> Key | None:
        key = self._pending.pop(serial, None)
        if key is not None and not self._pending:
            self.busy_changed.emit(False)
        return key

    @Slot(object, object)
    def _on_segmented(self, key: Key, regions: Regions) -> None:
        if key != self.key():
            self.dropped += 1
            log.debug("dropped stale regions %s", key)
            return
        self.cache.put(key, regions)
        self.ready.emit()

    @Slot(object)
    def _on_previewed(self, pv: RegionPreview) -> None:
        if pv.key == self.key() and self._preview_gap is not None:
            self.preview_ready.emit(pv.image)

    @Slot(object)
    def _on_highlighted(self, hl: Highlight) -> None:
        if hl.key[0] == self.key():
            self.highlight_ready.emit(hl)

    @Slot(object, str)
    def _on_seg_failed(self, key: Key, message: str) -> None:
        if key != self.key():
            return
        self._failed, self._requested = key, None
        waiting = [s for s, k in self._pending.items() if k == key]
        for s in waiting:
            self._take(s)
        if waiting:
            self.fill_failed.emit(f"Cannot find the regions of this picture: {message}")

    @Slot(object, object, str)
    def _on_filled(self, req: FillRequest, strokes, error: str) -> None:
        key = self._take(req.serial)
        if key is None or key != self.key():
            return  # already dropped when the lines changed
        if strokes is None and not error:
            log.warning("fill click %d found no regions for its lines", req.serial)
        if error:
            self.fill_failed.emit(error)
        elif strokes is not None:
            self.fill_ready.emit(strokes)

    def stop(self) -> None:
        """A clean shutdown: no more requests, the thread stopped and joined."""
        self.timer.stop()
        if self._doc is not None:
            self._doc.unsubscribe(self._on_doc)
        self._shell.stop()
