"""Colour suggestions: the sketch coloured in a few colour families; a click makes one the guide.

:class:`SuggestionsController` owns the *Colour suggestions* dock (:mod:`.widgets.suggestions_panel`).
While the dock shows, it asks the colorize worker (``WorkerHost.suggest``: the loaded model,
on the worker's thread, ``ganime_core.suggest.suggest`` at 256 px) for ~6 previews; the GUI never
waits. A change of the sketch (lines, a new picture, barriers, the gap) or of the colour mode
cancels what is queued and asks again after a short pause; a request waits while a colorize is
in flight, so strokes stay quick. A click sets the colour guide to that family (one undo step,
saved in the project, named in the exports' metadata: :mod:`.guide`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow

from ganime_core.options import OptionsError
from ganime_core.suggest import ColourFamily

from .colorize_ctl import ColorizeController, colorize_options, model_choice
from .commands import SetGuideCommand
from .document import Document
from .messages import Failure, Suggestions, SuggestJob
from .session import DocumentSession
from .widgets.suggestions_panel import SHOWN, SuggestionsPanel

log = logging.getLogger(__name__)

SETTLE_MS = 700  # after an edit of the sketch, ask again once the edits pause this long
BUSY_RETRY_MS = 250  # a colorize is in flight: ask again this much later
SIZE = 256
SKETCH_KINDS = ("lines", "image", "barriers", "gap")
WORKING = "Colouring the sketch in {n} colour families…"


class SuggestionsController(QObject):
    def __init__(self, session: DocumentSession, colorizer: ColorizeController,
                 show_status: Callable[[str, int], None], window: QMainWindow) -> None:
        super().__init__(window)
        self.session, self.colorizer, self.show_status = session, colorizer, show_status
        self.panel = SuggestionsPanel()
        self.dock = QDockWidget("Colour suggestions", window)
        self.dock.setObjectName("suggest_dock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.refresh)
        self._shown_key: tuple | None = None  # what the thumbnails show
        self._asked_key: tuple | None = None  # what is being computed
        self.last: Suggestions | None = None
        host = colorizer.host
        host.suggestions_ready.connect(self._on_ready)
        host.suggest_failed.connect(self._on_failed)
        self.panel.chosen.connect(self.choose)
        self.panel.cleared.connect(lambda: self.choose(None))
        self.panel.refresh_requested.connect(lambda: self.refresh(force=True))
        self.dock.visibilityChanged.connect(lambda _v: self.timer.start(0))
        colorizer.invalidated.connect(lambda: self.timer.start(SETTLE_MS))  # the colour mode
        self._doc: Document | None = None
        session.replaced.connect(self._watch)
        self._watch(session.doc)

    # -- the document -------------------------------------------------------------------------

    def _watch(self, doc: Document) -> None:
        if self._doc is not None:
            self._doc.unsubscribe(self._on_doc)
        self._doc = doc
        doc.subscribe(self._on_doc)
        self._shown_key = self._asked_key = None
        self.colorizer.host.cancel_suggestions()
        self.panel.clear_previews("Shows the sketch in a few colour families.")
        self.panel.set_chosen(doc.guide.family)
        self.timer.start(SETTLE_MS)

    def _on_doc(self, kind: str) -> None:
        if kind == "guide" and self._doc is not None:
            self.panel.set_chosen(self._doc.guide.family)
        elif kind in SKETCH_KINDS:
            self.colorizer.host.cancel_suggestions()  # what is under way shows the old sketch
            self._asked_key = None
            self.timer.start(SETTLE_MS)

    def key(self) -> tuple | None:
        """What the suggestions depend on: the picture (its revision), the options and model."""
        doc, s = self.session.doc, self.colorizer.settings()
        try:
            options = colorize_options(doc, s)
        except OptionsError:
            return None
        return id(doc), doc.lines_rev, doc.seg_rev, options, model_choice(s)

    @property
    def wanted(self) -> bool:
        """The panel is on screen (its dock open and, when tabbed, in front: a tab behind
        another counts as visible to Qt, with nothing of it on screen)."""
        return self.panel.isVisible() and not self.panel.visibleRegion().isEmpty()

    # -- asking ---------------------------------------------------------------------------------

    def show(self) -> None:
        """The *Suggest colours* action: bring the dock to the front and fill it."""
        self.dock.show()
        self.dock.raise_()
        self.refresh(force=self._shown_key is None)

    def refresh(self, force: bool = False) -> None:
        """Ask for the current sketch's suggestions if they are wanted and not already shown
        or under way (``force``: ask again anyway)."""
        if not (self.wanted or force):
            return
        doc, s = self.session.doc, self.colorizer.settings()
        key = self.key()
        if not force and key is not None and key in (self._shown_key, self._asked_key):
            return
        if s.model_file() is None or self.colorizer.model_failed:
            self.panel.clear_previews("Colour suggestions need a model: choose one in "
                                      "Edit → Settings (Ctrl+,).")
            return
        if key is None:
            self.panel.show_message("Cannot suggest colours with the current settings.")
            return
        if doc.is_blank():
            self.panel.clear_previews("Draw or open a sketch first: the suggestions colour it.")
            return
        if self.colorizer.host.busy:  # a colorize goes first: strokes stay quick
            self.timer.start(BUSY_RETRY_MS)
            return
        self._asked_key = key
        self.panel.set_busy(WORKING.format(n=SHOWN))
        self.colorizer.host.suggest(SuggestJob(doc.loaded_image(), key[3], key[4], SHOWN, SIZE))

    def _on_ready(self, out: Suggestions) -> None:
        if self._asked_key is None or self._asked_key != self.key():
            return  # the sketch changed meanwhile: a new request follows
        self.last = out
        self._shown_key, self._asked_key = self._asked_key, None
        log.info("%d colour suggestions in %.2f s", len(out.previews), out.seconds)
        self.panel.show_previews(list(out.previews),
                                 "Click one: its colours become the colour guide.")
        self.panel.set_chosen(self.session.doc.guide.family)

    def _on_failed(self, failure: Failure) -> None:
        self._asked_key = None
        self.panel.clear_previews(f"No suggestions: {failure.message}")

    # -- choosing -----------------------------------------------------------------------------

    def choose(self, family: ColourFamily | None) -> None:
        """A thumbnail was clicked (None: "No suggestion"): the colour guide, one undo step."""
        doc = self.session.doc
        current = doc.guide.family
        if family is None and current is None:
            return
        if family is not None and current is not None and current.name == family.name:
            return
        text = "No colour suggestion" if family is None else f"Colour suggestion: {family.name}"
        self.session.stack.push(SetGuideCommand(doc, doc.guide.with_family(family), text))
        if family is not None:
            self.show_status(f"Colour guide: the {family.name} colours", 6000)
