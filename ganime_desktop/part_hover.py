"""The hint brush's hover highlight: the part a stroke at the pointer would colour.

While the hint brush rests over the picture (no button down, the result view), the canvas
shows, tinted and outlined like the fill tool's region, what a stroke there would colour:
with *Hint: whole part* its part, with *Hint: its region* (or Alt held) the regions under
the brush. The answer is the core's (``ganime_core.parts.query.hint_reach`` with the document's
hints plus a dot of the brush's size and colour at the pointer); it needs the model, so it
runs on the colorize worker's thread (``WorkerHost.reach``, one network pass, no torch here).

The rules: asked :data:`REST_MS` after the pointer rests; never queued behind itself (one in
flight, the newest point asked when it comes back); never before a colorize (while one is in
flight it waits, and the worker skips a hover asked before a colorize that came after it); an
answer shows only while its key — the document's revision, the options, the brush and the
closed regions under the dot (the pointer's point in a region open to the page) — is still
what the pointer asks, so moving within the same regions keeps the highlight and a late
answer never flashes. It goes while painting, when the pointer leaves or a menu opens, when
the document or a setting changes (until the pointer moves), and with another tool.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer

from ganime_core.inputs.hints import HintSet, Stroke
from ganime_core.options import OptionsError
from ganime_core.regions.queries import open_regions

from .canvas import Canvas, ViewMode
from .colorize_ctl import ColorizeController, colorize_options, model_choice
from .document import Document
from .messages import Reach, ReachJob
from .region_worker import RegionService
from .session import DocumentSession
from .tools import Tool

log = logging.getLogger(__name__)

REST_MS = 120  # the pointer rests this long: ask
_PRESSES = (QEvent.Type.MouseButtonPress, QEvent.Type.TabletPress, QEvent.Type.MouseButtonDblClick)


@dataclass(frozen=True)
class Timing:
    """One highlight shown: from the pointer's rest (its last move) and from the request to the
    picture on the canvas, and the worker's query (``hint_reach`` and the picture)."""

    rest_to_shown: float
    ask_to_shown: float
    worker: float
    pixels: int


class PartHover(QObject):
    def __init__(self, session: DocumentSession, colorizer: ColorizeController,
                 regions: RegionService, canvas: Canvas, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.colorizer, self.regions, self.canvas = session, colorizer, regions, canvas
        self.brush = canvas.controller.brush
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._ask)
        self.point: tuple[int, int, bool] | None = None  # image x, y, Alt held
        self.shown: tuple | None = None  # the key of the highlight on the canvas
        self.mask: np.ndarray | None = None  # its part, bool, at (x, y) of the overlay
        self.in_flight: tuple | None = None
        self._pos = (0, 0)
        self.timings: list[Timing] = []
        self._rested = self._asked = 0.0
        host = colorizer.host
        host.reach_ready.connect(self._arrived)
        host.busy_changed.connect(lambda busy: None if busy else self._resume())
        colorizer.invalidated.connect(self._stale)  # the mode or the spread
        canvas.hover_cleared.connect(self.forget)
        canvas.installEventFilter(self)
        self._doc: Document | None = None
        session.replaced.connect(self._watch)
        self._watch(session.doc)

    # -- what the pointer does ------------------------------------------------------------------

    def eventFilter(self, obj: QObject, e: QEvent) -> bool:  # noqa: N802 (Qt API)
        t = e.type()
        if t == QEvent.Type.MouseMove:
            if e.buttons() == Qt.MouseButton.NoButton:  # type: ignore[attr-defined]
                pos = e.position()  # type: ignore[attr-defined]
                alt = bool(e.modifiers() & Qt.KeyboardModifier.AltModifier)  # type: ignore[attr-defined]
                self.moved(*self.canvas.image_pos(pos.x(), pos.y()), alt)
            else:
                self.forget()
        elif t in _PRESSES:
            self.forget()  # painting: no highlight until the pointer moves again
        elif t in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and \
                e.key() == Qt.Key.Key_Alt and self.point is not None:  # type: ignore[attr-defined]
            x, y, _ = self.point
            self.moved(x, y, t == QEvent.Type.KeyPress)
        return False

    def moved(self, fx: float, fy: float, alt: bool = False) -> None:
        """The pointer rests at image point (fx, fy) with the hint brush (Alt: region spread)."""
        x, y = int(fx), int(fy)
        key = self._key(x, y, alt)
        if key is None:
            self.forget()
            return
        self.point, self._rested = (x, y, alt), time.perf_counter()
        if key != self.shown:
            self._hide()
            if key != self.in_flight:
                self.timer.start(REST_MS)
        else:
            self.timer.stop()

    def forget(self) -> None:
        """No pointer to highlight for (it left, a menu opened, a button went down)."""
        self.point = None
        self.timer.stop()
        self._hide()

    def _stale(self, *_args: object) -> None:
        """What the highlight shows may have changed: gone, and asked again after a rest."""
        self._hide()
        if self.point is not None:
            self.timer.start(REST_MS)

    def _watch(self, doc: Document) -> None:
        if self._doc is not None:
            self._doc.unsubscribe(self._on_doc)
        self._doc = doc
        doc.subscribe(self._on_doc)
        self.forget()

    def _on_doc(self, kind: str) -> None:
        if kind != "result":
            self._stale()

    # -- asking -----------------------------------------------------------------------------------

    def _key(self, x: int, y: int, alt: bool) -> tuple | None:
        """What the highlight at (x, y) depends on; None where there is none to show."""
        doc, s, canvas = self.session.doc, self.colorizer.settings(), self.canvas
        w, h = doc.size
        if (self.brush.tool != Tool.HINT or canvas.controller.active or canvas.mode != ViewMode.RESULT
                or not (0 <= x < w and 0 <= y < h) or s.model_file() is None or self.colorizer.model_failed):
            return None
        try:
            options = colorize_options(doc, s)
        except OptionsError:
            return None
        options = options.replace(spread="region" if alt or s.spread == "region" else "part")
        width = float(self.brush.sizes[Tool.HINT])
        return (id(doc), doc.revision, options, model_choice(s), tuple(self.brush.color), width,
                self._under(x, y, width))

    def _under(self, x: int, y: int, width: float) -> tuple:
        """The closed regions under a dot at (x, y), and the point itself when they are not known
        yet or one is open to the page (there a hint colours only its neighbourhood)."""
        regions = self.regions.ensure()
        if regions is None:
            return (x, y)
        r = max(1, int(np.ceil(width / 2)))
        y0, x0 = max(0, y - r), max(0, x - r)
        patch = regions.labels[y0:y + r + 1, x0:x + r + 1]
        yy, xx = np.ogrid[y0:y0 + patch.shape[0], x0:x0 + patch.shape[1]]
        labels = np.unique(patch[(yy - y) ** 2 + (xx - x) ** 2 <= (width / 2) ** 2])
        if open_regions(regions)[labels].any():
            return (x, y, *labels.tolist())
        return tuple(labels.tolist())

    def _resume(self) -> None:
        """A colorize finished: ask for the pointer's highlight if it is still wanted."""
        if self.point is not None and not self.timer.isActive():
            self._ask()

    def _ask(self) -> None:
        if self.point is None:
            return
        x, y, alt = self.point
        key = self._key(x, y, alt)
        if key is None or key in (self.shown, self.in_flight):
            return
        host = self.colorizer.host
        if host.busy or self.in_flight is not None:
            return  # a colorize goes first / one at a time: asked again when it is done
        doc = self.session.doc
        dot = Stroke(points=((x + 0.5, y + 0.5),), color=self.brush.color, width=key[5])
        job = ReachJob(doc.loaded_image(), HintSet(doc.hints + (dot,), doc.size), tuple(self.brush.color),
                       key, key[2], key[3], doc.guide.model_palette(), doc.barrier_mask())
        self.in_flight, self._asked = key, time.perf_counter()
        host.reach(job)

    def _arrived(self, r: Reach) -> None:
        if r.key != self.in_flight:
            return
        self.in_flight = None
        want = None if self.point is None else self._key(*self.point)
        if not r.skipped and r.key == want:
            now = time.perf_counter()
            self.timings.append(Timing(now - self._rested, now - self._asked, r.seconds, r.pixels))
            log.debug("part highlight: %d px, %.3f s after the rest", r.pixels, now - self._rested)
            self.shown, self.mask = r.key, r.mask
            self.canvas.hover_overlay = None if r.image is None else (QPointF(r.x, r.y), r.image)
            self._pos = (r.x, r.y)
            self.canvas.update()
        elif self.point is not None and not self.timer.isActive():
            self._ask()  # the pointer moved on meanwhile (or a colorize overtook it)

    def _hide(self) -> None:
        if self.shown is not None or self.canvas.hover_overlay is not None:
            self.shown, self.mask = None, None
            self.canvas.hover_overlay = None
            self.canvas.update()

    # -- for tests and benchmarks ----------------------------------------------------------------

    def shown_mask(self) -> np.ndarray | None:
        """bool HxW at the picture's size: the part the canvas highlights now (None: nothing)."""
        if self.shown is None:
            return None
        w, h = self.session.doc.size
        out = np.zeros((h, w), bool)
        if self.mask is not None:
            x, y = self._pos
            out[y:y + self.mask.shape[0], x:x + self.mask.shape[1]] = self.mask
        return out
