"""Colour-guide commands: pick or clear a reference picture, use the palette as the guide.

:class:`GuideOperations` edits the session's document through its undo stack and reaches the
window only through :class:`GuideHost`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from PySide6.QtGui import QAction

from ganime_core.inputs.encoding import PALETTE_SIZE
from ganime_core.io.imageio import load_image

from .commands import SetGuideCommand
from .document import Document
from .guide import ColourGuide, Reference
from .prompts import IMAGE_FILTER, ErrorGuard, Prompter
from .session import DocumentSession
from .widgets.guide_panel import GuidePanel
from .widgets.palette_dock import PaletteWidget

log = logging.getLogger(__name__)


class GuideHost(Protocol):
    """What the colour-guide commands need from the window."""

    prompter: Prompter
    palette_widget: PaletteWidget
    guide_panel: GuidePanel

    def guard(self, title: str) -> ErrorGuard: ...

    def show_status(self, text: str, ms: int = 6000) -> None: ...

    def start_folder(self) -> str: ...

    def action(self, name: str) -> QAction: ...


class GuideOperations:
    def __init__(self, session: DocumentSession, host: GuideHost) -> None:
        self.session = session
        self.host = host

    @property
    def doc(self) -> Document:
        return self.session.doc

    def choose_reference(self) -> None:
        path = self.host.prompter.open_file("Colour reference picture", IMAGE_FILTER, self.host.start_folder())
        if path:
            self.set_reference_path(path)

    def set_reference_path(self, path: str | Path) -> bool:
        """Use a picture's colours as the colour guide (undoable); a bad file is a message."""
        path = Path(path)
        with self.host.guard("Cannot use this reference picture"):
            ref = Reference.from_image(load_image(path), path.name)
            self.session.stack.push(SetGuideCommand(self.doc, self.doc.guide.with_reference(ref),
                                            f"Reference {ref.name}"))
            note = " (the palette guide is on and wins)" if self.doc.guide.source == "palette" else ""
            self.host.show_status(f"Colour reference: {ref.name}, {len(ref.palette)} colours{note}")
            return True
        return False

    def clear_reference(self) -> None:
        if self.doc.guide.reference is not None:
            self.session.stack.push(SetGuideCommand(self.doc, self.doc.guide.with_reference(None),
                                            "Clear reference"))

    def guide_colors(self) -> list[tuple[int, int, int]]:
        """The current palette's first swatches: what "Use palette as colour guide" sends."""
        return [rgb for _, rgb in self.host.palette_widget.palette_model.swatches[:PALETTE_SIZE]]

    def set_palette_guide(self, on: bool) -> None:
        """The checkable action "Use palette as colour guide" (undoable)."""
        guide = self.doc.guide
        if bool(on) == guide.use_palette:
            return
        colors = self.guide_colors()
        if on and not colors:
            self.host.prompter.error("Use palette as colour guide", "The palette has no colours: "
                                "load a .gpl palette first.")
            self.sync_ui()
            return
        name = self.host.palette_widget.palette_model.name
        text = "Use palette as colour guide" if on else "Stop using the palette as colour guide"
        self.session.stack.push(SetGuideCommand(self.doc, guide.with_palette(on, name, colors), text))

    def palette_replaced(self) -> None:
        """A new palette was loaded: a palette guide follows it (one undoable step)."""
        guide = self.doc.guide
        colors = tuple(self.guide_colors())
        if guide.use_palette and colors and colors != guide.palette_colors:
            name = self.host.palette_widget.palette_model.name
            self.session.stack.push(SetGuideCommand(self.doc, guide.with_palette(True, name, colors),
                                            "Palette guide colours"))

    def sync_ui(self) -> None:
        """Panel and checkable action show the document's guide (after undo, open, ...)."""
        guide: ColourGuide = self.doc.guide
        act = self.host.action("palette_guide")
        act.blockSignals(True)
        act.setChecked(guide.use_palette)
        act.blockSignals(False)
        self.host.action("clear_reference").setEnabled(guide.reference is not None)
        self.host.guide_panel.show_guide(guide)
