"""The window's settings, help and view-option commands (mixed into MainWindow)."""

from __future__ import annotations

import logging

from ganime_core.errors import GanimeError

from .settings import AppSettings, ModelFacts, read_model_facts, save_settings
from .widgets.help_dialogs import AboutDialog, QuickGuideDialog, ShortcutsDialog, about_text
from .widgets.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)

HINT_OPACITY_KEY = "view/hint_opacity"  # percent


class HelpOpsMixin:
    """Relies on MainWindow's settings, store, canvas and model state."""

    # -- settings ---------------------------------------------------------------------------------

    def open_settings(self) -> None:
        dlg = SettingsDialog(self.settings, self)
        if dlg.exec():
            self.apply_settings(dlg.result_settings())

    def apply_settings(self, new: AppSettings) -> None:
        old = self.settings
        self.settings = new
        save_settings(self.store, new)
        self.autosave_timer.start(new.autosave_s * 1000)
        self.actions_by_name["auto"].setChecked(new.auto_regen)
        if (old.model_path, old.device) != (new.model_path, new.device) or self._model_failed:
            self._start_model()

    # -- view options -------------------------------------------------------------------------------

    def set_hint_opacity(self, percent: int) -> None:
        self.canvas.set_hint_opacity(percent / 100)
        self.store.setValue(HINT_OPACITY_KEY, int(percent))

    def saved_hint_opacity(self) -> int:
        try:
            return max(10, min(100, int(self.store.value(HINT_OPACITY_KEY, 60))))
        except (TypeError, ValueError):
            return 60

    # -- help -----------------------------------------------------------------------------------------

    def model_facts(self) -> tuple[ModelFacts | None, str]:
        """The current model's facts (read without torch), or None and why not."""
        model = self.settings.model_file()
        if model is None:
            return None, "No model installed yet: choose one in Edit → Settings (Ctrl+,)."
        try:
            return read_model_facts(model), ""
        except GanimeError as exc:
            return None, f"The model file cannot be used: {exc}"

    def about_html(self) -> str:
        facts, problem = self.model_facts()
        device = ""
        for line in self._model_summary.splitlines():  # the worker's summary ends "device: X"
            if line.startswith("device:"):
                device = line.partition(":")[2].strip()
        return about_text(facts, device, problem)

    def about(self) -> None:
        AboutDialog(self.about_html(), self).exec()

    def quick_guide(self) -> None:
        QuickGuideDialog(self).exec()

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.menuBar(), self).exec()
