"""The docker's form parts: the colorize controls, built from the options schema, and the
service settings panel.

The controls are made once from the built-in schema (``options.FALLBACK``), so the docker has
them before it reaches a service; each answer of the service then sets their choices, ranges,
defaults and tooltips (:meth:`OptionControls.apply`) and turns off what it does not take.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from krita import Krita
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .client import DEFAULT_URL
from .options import (
    CHECKBOX_TEXT,
    FALLBACK,
    LABELS,
    UNITS,
    UNSET_TEXT,
    OptionSpec,
    Schema,
    SchemaError,
    controls_of,
)

log = logging.getLogger(__name__)

SETTINGS_GROUP = "ganime"


class OptionControls:
    """One widget per option the docker offers (``widgets``, by option name) in a form."""

    def __init__(self, form: QFormLayout) -> None:
        self.widgets: dict[str, QWidget] = {}
        self.schema: Schema = FALLBACK
        self.offered: set[str] = set()  # the controls the service takes: those sent
        self._specs: dict[str, OptionSpec] = {}
        self._touched: set[str] = set()  # changed by the artist: a new schema keeps the value
        for spec in controls_of(FALLBACK):
            self._specs[spec.name] = spec
            self.widgets[spec.name] = self._make(spec)
            form.addRow(LABELS.get(spec.name, spec.name.replace("_", " ").capitalize()),
                        self.widgets[spec.name])
        self.apply(FALLBACK, None)

    def _make(self, spec: OptionSpec) -> QWidget:
        def touched(*_args: Any, name: str = spec.name) -> None:
            self._touched.add(name)

        if spec.kind == "choice":
            combo = QComboBox()
            combo.currentIndexChanged.connect(touched)
            return combo
        if spec.kind == "int":
            spin = QSpinBox()
            spin.setSuffix(UNITS.get(spec.name, ""))
            spin.valueChanged.connect(touched)
            return spin
        box = QCheckBox(CHECKBOX_TEXT.get(spec.name, spec.name))
        box.toggled.connect(touched)
        return box

    def apply(self, schema: Schema, health: dict | None) -> None:
        """Set each control from ``schema``; ``health``: the service's (None: not known yet)."""
        self.schema = schema
        supported = schema.supported(health)
        if schema.published:
            extra = [s.name for s in schema.offered() if s.name not in self.widgets]
            if extra:
                log.info("GANime options without a control in this plugin: %s", ", ".join(extra))
        for name, widget in self.widgets.items():
            spec = schema.get(name)
            offered = spec is not None and not spec.advanced and name in supported
            spec = spec if offered and spec is not None else self._specs[name]
            widget.blockSignals(True)
            try:
                self._configure(widget, spec, reset=name not in self._touched)
            finally:
                widget.blockSignals(False)
            self._specs[name] = spec
            widget.setEnabled(offered)
            if offered:
                self.offered.add(name)
                widget.setToolTip(spec.help)
                continue
            self.offered.discard(name)
            widget.setToolTip(f"{spec.help} (needs a service that offers '{spec.form_field}')"
                              if health is None else
                              f"This GANime service does not offer '{spec.form_field}' yet")

    def _configure(self, widget: QWidget, spec: OptionSpec, reset: bool) -> None:
        value = spec.docker_default() if reset else self.value(spec.name)
        try:
            value = spec.check(value)
        except SchemaError:
            value = spec.docker_default()
        if isinstance(widget, QComboBox):
            widget.clear()
            for label, key in spec.choice_items():
                widget.addItem(label, key)
            widget.setCurrentIndex(max(widget.findData(value), 0))
        elif isinstance(widget, QSpinBox):
            widget.setRange(*spec.spin_range())
            widget.setSpecialValueText(UNSET_TEXT if spec.optional else "")
            widget.setValue(spec.to_spin(value))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))

    def value(self, name: str) -> Any:
        widget, spec = self.widgets[name], self._specs[name]
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QSpinBox):
            return spec.from_spin(widget.value())
        return widget.isChecked()

    def values(self) -> dict[str, Any]:
        """What to send: every control the service takes, at its value (0 and False included)."""
        return {name: self.value(name) for name in self.widgets if name in self.offered}


def _setting(key: str, default: str) -> str:
    return Krita.instance().readSetting(SETTINGS_GROUP, key, default) or default


class ServiceSettings(QWidget):
    """The folding *Service settings* panel: URL, token file, ``ganime`` command (kept in
    Krita's settings); ``changed`` is emitted after an edit."""

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.toggle = QToolButton()
        self.toggle.setText("Service settings")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.RightArrow)
        box.addWidget(self.toggle)
        self.panel = QWidget()
        form = QFormLayout(self.panel)
        self.url = QLineEdit(_setting("url", DEFAULT_URL))
        self.token_file = QLineEdit(_setting("token_file", ""))
        self.token_file.setPlaceholderText("~/.config/ganime/service-token")
        self.command = QLineEdit(_setting("command", ""))
        self.command.setPlaceholderText("ganime (found on PATH)")
        form.addRow("URL", self.url)
        form.addRow("Token file", self.token_file)
        form.addRow("ganime", self.command)
        for edit in (self.url, self.token_file, self.command):
            edit.editingFinished.connect(self._save)
        self.panel.hide()
        self.toggle.toggled.connect(self._show)
        box.addWidget(self.panel)

    def _show(self, on: bool) -> None:
        self.panel.setVisible(on)
        self.toggle.setArrowType(Qt.DownArrow if on else Qt.RightArrow)

    def _save(self) -> None:
        app = Krita.instance()
        app.writeSetting(SETTINGS_GROUP, "url", self.service_url())
        app.writeSetting(SETTINGS_GROUP, "token_file", self.token_file.text().strip())
        app.writeSetting(SETTINGS_GROUP, "command", self.command_text())
        self.changed.emit()

    def service_url(self) -> str:
        return self.url.text().strip() or DEFAULT_URL

    def token_path(self) -> Path | None:
        token = self.token_file.text().strip()
        return Path(token).expanduser() if token else None

    def command_text(self) -> str:
        return self.command.text().strip()
