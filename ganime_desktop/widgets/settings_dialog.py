"""The settings dialog: device, model file (validated, model card shown), sizes, timings."""

from __future__ import annotations

import dataclasses
import logging

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ganime_core.errors import GanimeError

from ..qt_util import icon, ok_cancel
from ..settings import (
    DEFAULT_MODEL,
    DEVICES,
    MEMORY_FORMATS,
    PRECISIONS,
    AppSettings,
    model_summary,
    read_model_facts,
)

log = logging.getLogger(__name__)

DEVICE_LABELS = {"auto": "Automatic (CUDA, else Apple MPS, else CPU)", "cpu": "CPU",
                 "cuda": "CUDA (NVIDIA GPU)", "mps": "MPS (Apple GPU)"}
PRECISION_LABELS = {"auto": "Automatic (measured on this CPU)", "fp32": "fp32 (full precision)",
                    "bf16": "bf16 (faster on some CPUs)"}
FORMAT_LABELS = {"auto": "Automatic (measured on this CPU)", "contiguous": "Contiguous (NCHW)",
                 "channels_last": "Channels last (NHWC)"}


def choice_box(choices: tuple[str, ...], labels: dict[str, str], current: str) -> QComboBox:
    """A combo box of ``choices`` (shown by their labels, the choice as item data)."""
    box = QComboBox()
    for value in choices:
        box.addItem(labels.get(value, value), value)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("GANime settings")
        self.setMinimumWidth(560)
        self.original = settings
        lay = QVBoxLayout(self)
        form = QFormLayout()
        lay.addLayout(form)

        self.device = choice_box(DEVICES, DEVICE_LABELS, settings.device)
        form.addRow("Device", self.device)
        self.precision = choice_box(PRECISIONS, PRECISION_LABELS, settings.precision)
        self.precision.setToolTip("Arithmetic of the network on the CPU. Automatic measures "
                                  "fp32 against bf16 once per CPU and remembers the faster.")
        form.addRow("Precision", self.precision)
        self.memory_format = choice_box(MEMORY_FORMATS, FORMAT_LABELS, settings.memory_format)
        self.memory_format.setToolTip("Tensor layout of the network. Automatic measures both "
                                      "once per CPU and remembers the faster.")
        form.addRow("Memory format", self.memory_format)

        row = QHBoxLayout()
        self.model_edit = QLineEdit(settings.model_path)
        self.model_edit.setPlaceholderText(f"default: {DEFAULT_MODEL.name} (bundled)")
        self.model_edit.editingFinished.connect(self.refresh_card)
        browse = QPushButton(icon("fa5s.folder-open"), "Browse…")
        browse.clicked.connect(self.browse)
        reset = QPushButton("Default")
        reset.setToolTip("Use the bundled default model")
        reset.clicked.connect(lambda: (self.model_edit.setText(""), self.refresh_card()))
        row.addWidget(self.model_edit, 1)
        row.addWidget(browse)
        row.addWidget(reset)
        form.addRow("Model file", row)

        self.card = QTextBrowser()
        self.card.setMinimumHeight(120)
        self.status = QLabel()
        self.status.setWordWrap(True)
        form.addRow("Model card", self.card)
        form.addRow("", self.status)

        self.working = self._spin(0, 4096, settings.working_size, " px", 64)
        self.working.setSpecialValueText("model default")
        form.addRow("Working size", self.working)
        self.preview = self._spin(64, 1024, settings.preview_size, " px", 32)
        form.addRow("Fast preview size", self.preview)
        self.threads = self._spin(0, 256, settings.cpu_threads, "", 1)
        self.threads.setSpecialValueText("automatic (all cores but one)")
        self.threads.setToolTip("CPU threads for colorizing; takes effect at the next start")
        form.addRow("CPU threads", self.threads)
        self.autosave = self._spin(5, 3600, settings.autosave_s, " s", 5)
        form.addRow("Autosave every", self.autosave)
        self.delay = self._spin(0, 10_000, settings.regen_delay_ms, " ms", 50)
        form.addRow("Auto-regenerate delay", self.delay)
        self.auto = QCheckBox("Regenerate automatically after each edit")
        self.auto.setChecked(settings.auto_regen)
        form.addRow("", self.auto)

        lay.addWidget(ok_cancel(self))
        self.refresh_card()

    @staticmethod
    def _spin(lo: int, hi: int, value: int, suffix: str, step: int) -> QSpinBox:
        box = QSpinBox()
        box.setRange(lo, hi)
        box.setSingleStep(step)
        box.setSuffix(suffix)
        box.setValue(value)
        return box

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a GANime model", "",
                                              "GANime models (*.safetensors)")
        if path:
            self.model_edit.setText(path)
            self.refresh_card()

    def refresh_card(self) -> bool:
        """Show the chosen model's card; returns whether the model file looks valid."""
        text = self.model_edit.text().strip()
        path = text or (str(DEFAULT_MODEL) if DEFAULT_MODEL.is_file() else "")
        if not path:
            self.card.setMarkdown("")
            self.status.setText("No default model is installed yet. Choose a GANime "
                                "<code>.safetensors</code> model with <b>Browse…</b>; "
                                "everything except Colorize works without one.")
            return not text
        try:
            facts = read_model_facts(path)
        except GanimeError as exc:
            self.card.setMarkdown("")
            self.status.setText(f"<span style='color:#c0392b'>{exc}</span>")
            return False
        self.card.setMarkdown(facts.model_card or "*This model has no model card.*")
        self.status.setText(model_summary(facts).replace("\n", "<br>"))
        return True

    def accept(self) -> None:
        if not self.refresh_card():
            return  # keep the dialog open: the status line says what is wrong
        super().accept()

    def result_settings(self) -> AppSettings:
        return dataclasses.replace(
            self.original, device=self.device.currentData(),
            precision=self.precision.currentData(), memory_format=self.memory_format.currentData(),
            model_path=self.model_edit.text().strip(), working_size=self.working.value(),
            preview_size=self.preview.value(), autosave_s=self.autosave.value(),
            regen_delay_ms=self.delay.value(), auto_regen=self.auto.isChecked(),
            cpu_threads=self.threads.value(),
            recent_files=list(self.original.recent_files))
