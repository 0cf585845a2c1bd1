"""The main window's colour-guide commands: pick or clear a reference picture, use the palette."""

from __future__ import annotations

import logging
from pathlib import Path

from ganime_core.encoding import PALETTE_SIZE
from ganime_core.imageio import load_image

from .commands import SetGuideCommand
from .guide import ColourGuide, Reference
from .prompts import IMAGE_FILTER

log = logging.getLogger(__name__)


class GuideOpsMixin:
    """Mixed into MainWindow; relies on its doc, stack, prompter, palette widget and guide panel."""

    def choose_reference(self) -> None:
        path = self.prompter.open_file("Colour reference picture", IMAGE_FILTER, self._folder())
        if path:
            self.set_reference_path(path)

    def set_reference_path(self, path: str | Path) -> bool:
        """Use a picture's colours as the colour guide (undoable); a bad file is a message."""
        path = Path(path)
        with self.guard("Cannot use this reference picture"):
            ref = Reference.from_image(load_image(path), path.name)
            self.stack.push(SetGuideCommand(self.doc, self.doc.guide.with_reference(ref),
                                            f"Reference {ref.name}"))
            note = " (the palette guide is on and wins)" if self.doc.guide.source == "palette" else ""
            self.show_status(f"Colour reference: {ref.name}, {len(ref.palette)} colours{note}")
            return True
        return False

    def clear_reference(self) -> None:
        if self.doc.guide.reference is not None:
            self.stack.push(SetGuideCommand(self.doc, self.doc.guide.with_reference(None),
                                            "Clear reference"))

    def guide_colors(self) -> list[tuple[int, int, int]]:
        """The current palette's first swatches: what "Use palette as colour guide" sends."""
        return [rgb for _, rgb in self.palette_widget.palette_model.swatches[:PALETTE_SIZE]]

    def set_palette_guide(self, on: bool) -> None:
        """The checkable action "Use palette as colour guide" (undoable)."""
        guide = self.doc.guide
        if bool(on) == guide.use_palette:
            return
        colors = self.guide_colors()
        if on and not colors:
            self.prompter.error("Use palette as colour guide", "The palette has no colours: "
                                "load a .gpl palette first.")
            self._sync_guide_ui()
            return
        name = self.palette_widget.palette_model.name
        text = "Use palette as colour guide" if on else "Stop using the palette as colour guide"
        self.stack.push(SetGuideCommand(self.doc, guide.with_palette(on, name, colors), text))

    def palette_replaced(self) -> None:
        """A new palette was loaded: a palette guide follows it (one undoable step)."""
        guide = self.doc.guide
        colors = tuple(self.guide_colors())
        if guide.use_palette and colors and colors != guide.palette_colors:
            name = self.palette_widget.palette_model.name
            self.stack.push(SetGuideCommand(self.doc, guide.with_palette(True, name, colors),
                                            "Palette guide colours"))

    def _sync_guide_ui(self) -> None:
        """Panel and checkable action show the document's guide (after undo, open, ...)."""
        guide: ColourGuide = self.doc.guide
        act = self.actions_by_name["palette_guide"]
        act.blockSignals(True)
        act.setChecked(guide.use_palette)
        act.blockSignals(False)
        self.actions_by_name["clear_reference"].setEnabled(guide.reference is not None)
        self.guide_panel.show_guide(guide)

    def show_project_warnings(self, name: str, warnings: list[str]) -> None:
        for w in warnings:
            log.warning("%s: %s", name, w)
            self.prompter.error("Part of the project could not be read", f"{name}: {w}")
