"""Help commands (About, Quick guide, Keyboard shortcuts) and the saved hint opacity.

:class:`HelpOperations` reaches the window only through :class:`HelpHost`.
"""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenuBar, QWidget

from ganime_core.errors import GanimeError

from .settings import AppSettings, ModelFacts, read_model_facts
from .widgets.help_dialogs import AboutDialog, QuickGuideDialog, ShortcutsDialog, about_text

log = logging.getLogger(__name__)

HINT_OPACITY_KEY = "view/hint_opacity"  # percent


def saved_hint_opacity(store: QSettings) -> int:
    """The hint layer's opacity in percent, as last set (60 the first time)."""
    try:
        return max(10, min(100, int(store.value(HINT_OPACITY_KEY, 60))))
    except (TypeError, ValueError):
        return 60


class HelpHost(Protocol):
    @property
    def settings(self) -> AppSettings: ...

    def model_summary(self) -> str: ...

    def dialog_parent(self) -> QWidget: ...

    def menu_bar(self) -> QMenuBar: ...


class HelpOperations:
    def __init__(self, host: HelpHost) -> None:
        self.host = host

    def model_facts(self) -> tuple[ModelFacts | None, str]:
        """The current model's facts (read without torch), or None and why not."""
        model = self.host.settings.model_file()
        if model is None:
            return None, "No model installed yet: choose one in Edit → Settings (Ctrl+,)."
        try:
            return read_model_facts(model), ""
        except GanimeError as exc:
            return None, f"The model file cannot be used: {exc}"

    def about_html(self) -> str:
        facts, problem = self.model_facts()
        device = ""
        for line in self.host.model_summary().splitlines():  # the summary ends "device: X"
            if line.startswith("device:"):
                device = line.partition(":")[2].strip()
        return about_text(facts, device, problem)

    def about(self) -> None:
        AboutDialog(self.about_html(), self.host.dialog_parent()).exec()

    def quick_guide(self) -> None:
        QuickGuideDialog(self.host.dialog_parent()).exec()

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.host.menu_bar(), self.host.dialog_parent()).exec()
