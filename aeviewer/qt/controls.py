"""Controls: the bottleneck slider, training settings, Train / Pause / Stop, progress."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt import QLabeledSlider

from aeviewer.core.config import DEVICES, LEARNING_RATES, ORDERED_SIZE

MAX_LATENT = 128
DEVICE_NAMES = {"auto": "Automatic", "cpu": "CPU", "cuda": "CUDA (GPU)"}


def compression_text(latent_dim: int, input_values: int) -> str:
    """How much of the picture the code keeps, in words."""
    ratio = input_values / latent_dim
    share = 100.0 * latent_dim / input_values
    return (
        f"The code keeps <b>{latent_dim}</b> number{'s' if latent_dim != 1 else ''} of "
        f"{input_values:,} pixel values: <b>{share:.2g}%</b> of the input, "
        f"{ratio:,.0f}× smaller."
    )


def duration_text(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "…"
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"


# A model per size is the default: with the same training, an ordered model's pictures came back with
# 17-25 % more squared error at 8 to 32 numbers on the demo (README, scripts/bench_bottleneck.py).
ORDERED_CHOICES = {
    False: ("A model trained at each size",
            "Each size is a model of its own, the sharpest at its size: moving the slider asks for Train "
            "(models trained at other sizes are kept and come back at once)."),
    True: ("One model for every size (ordered code)",
           "The model is trained so that the first k numbers of its code are a code of their own: "
           "the slider changes the size at once, without training again (pictures a little less sharp)."),
}


class Controls(QWidget):
    code_length_moved = Signal(int)  # at once, as the slider moves (an ordered model follows it)
    ordered_chosen = Signal(bool)
    train_requested = Signal()
    pause_toggled = Signal(bool)
    stop_requested = Signal()
    device_chosen = Signal(str)

    def __init__(self, latent_dim: int, input_values: int, parent=None) -> None:
        super().__init__(parent)
        self.input_values = input_values

        self.model_box = model_box = QGroupBox("Bottleneck")
        self.slider = QLabeledSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, MAX_LATENT)
        self.slider.setValue(latent_dim)
        self.slider.setToolTip("Size of the code the image is squeezed through. Smaller = more compression.")
        self.compression = QLabel()
        self.compression.setWordWrap(True)
        self.compression.setTextFormat(Qt.TextFormat.RichText)
        self.slider.valueChanged.connect(self._slider_moved)
        self.kind = QComboBox()
        for ordered, (name, tip) in ORDERED_CHOICES.items():
            self.kind.addItem(name, ordered)
            self.kind.setItemData(self.kind.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.model_note = QLabel()
        self.model_note.setWordWrap(True)
        self.model_note.setTextFormat(Qt.TextFormat.RichText)
        self._model_code: tuple[bool, int] | None = None  # the shown model: ordered?, its numbers
        self._kept: tuple[int, ...] = ()  # sizes of kept trained models
        self._fit_range()
        mv = QVBoxLayout(model_box)
        mv.addWidget(self.kind)
        mv.addWidget(self.slider)
        mv.addWidget(self.compression)
        mv.addWidget(self.model_note)
        self._show_compression(latent_dim)

        self.train_box = train_box = QGroupBox("Training")
        form = QFormLayout()
        self.device = QComboBox()
        for key in DEVICES:
            if key != "cuda":  # offered once the worker says torch sees a GPU
                self.device.addItem(DEVICE_NAMES[key], key)
        self.device.setToolTip("Automatic uses the GPU when PyTorch sees one.")
        self.device.currentIndexChanged.connect(lambda _i: self.device_chosen.emit(self.device.currentData()))
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 10_000)
        self.epochs.setValue(40)
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(5)
        self.learning_rate.setRange(1e-5, 0.1)
        self.learning_rate.setSingleStep(1e-4)
        self.learning_rate.setValue(LEARNING_RATES["bottleneck"])
        form.addRow("Device", self.device)
        form.addRow("Epochs", self.epochs)
        form.addRow("Learning rate", self.learning_rate)
        self.augment = QCheckBox("Flips and quarter turns")
        self.augment.setToolTip(
            "Also show the model flipped and turned copies of the training pictures.\n"
            "Good when orientation does not matter (fruit on a table, textures, cells):\n"
            "the model sees more variety and tells unusual pictures apart better.\n"
            "Leave it off for digits, text or anything with an up and a down."
        )
        form.addRow("Augment", self.augment)

        self.train_button = QPushButton("Train")
        self.train_button.setToolTip("Train a fresh model with these settings.")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.stop_button = QPushButton("Stop")
        self.train_button.clicked.connect(self.train_requested)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.stop_button.clicked.connect(self.stop_requested)
        buttons = QHBoxLayout()
        for b in (self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(b)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("idle")
        self.progress.setTextVisible(True)
        self.rate = QLabel(" ")

        tv = QVBoxLayout(train_box)
        tv.addLayout(form)
        tv.addLayout(buttons)
        tv.addWidget(self.progress)
        tv.addWidget(self.rate)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(model_box)
        layout.addWidget(train_box)
        self.set_running(False)

    def select_device(self, device: str) -> None:
        """Choose ``device`` without asking for a retrain (start-up settings)."""
        index = self.device.findData(device)
        if index >= 0:
            self.device.blockSignals(True)
            self.device.setCurrentIndex(index)
            self.device.blockSignals(False)

    def offer_cuda(self, available: bool) -> None:
        """The worker knows (torch loads there); add CUDA to the choices once it says so."""
        if available and self.device.findData("cuda") < 0:
            self.device.blockSignals(True)
            self.device.addItem(DEVICE_NAMES["cuda"], "cuda")
            self.device.blockSignals(False)

    # -- slider ---------------------------------------------------------------
    def _slider_moved(self, value: int) -> None:
        self._show_compression(value)
        self.code_length_moved.emit(value)

    def _kind_changed(self) -> None:
        self._fit_range()
        self.ordered_chosen.emit(self.ordered)

    def _fit_range(self) -> None:
        """An ordered model has ORDERED_SIZE numbers: the slider goes that far; a dedicated one, MAX_LATENT."""
        self.slider.blockSignals(True)
        self.slider.setMaximum(ORDERED_SIZE if self.ordered else MAX_LATENT)
        self.slider.blockSignals(False)
        self._show_compression(self.slider.value())

    @property
    def ordered(self) -> bool:
        return bool(self.kind.currentData())

    def set_ordered(self, ordered: bool) -> None:
        """Show the choice without asking for a retrain (an opened session, start-up)."""
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(self.kind.findData(ordered))
        self.kind.blockSignals(False)
        self._fit_range()

    def show_model_code(self, ordered: bool, size: int, kept: tuple[int, ...] = ()) -> None:
        """The shown model: an ordered one of ``size`` numbers, or one trained at ``size`` (and the sizes
        of the trained models kept beside it)."""
        self._model_code = (ordered, size)
        self._kept = kept
        self._show_model_note()

    def set_input_values(self, input_values: int) -> None:
        """The pictures changed shape (a grey dataset, another size): the caption counts their values."""
        self.input_values = input_values
        self._show_compression(self.slider.value())

    def _show_compression(self, value: int) -> None:
        self.compression.setText(compression_text(value, self.input_values))
        self._show_model_note()

    def _show_model_note(self) -> None:
        """Whether the pictures show the slider's size, and if not, what would."""
        k = self.slider.value()
        if self._model_code is None:
            self.model_note.setText("")
            return
        ordered, size = self._model_code
        if ordered and k <= size:
            text = f"Shown: the ordered model's first <b>{k}</b> of its {size} numbers (no retraining)."
        elif ordered:
            text = (f"<span style='color:#c26000'>The ordered model has {size} numbers: showing all of them. "
                    f"Train makes one with {k}.</span>")
        elif k == size:
            text = f"Shown: the model trained at <b>{size}</b>."
            if self._kept:
                text += f" Also kept, shown at once: {', '.join(str(n) for n in self._kept)}."
        else:
            text = (f"<span style='color:#c26000'>Shown: the model trained at {size}. Train makes one at "
                    f"{k}{', or choose one model for every size' if not self.ordered else ''}.</span>")
        self.model_note.setText(text)

    def set_latent_dim(self, value: int) -> None:
        """Show ``value`` without asking for a retrain (an opened session's model)."""
        self.slider.blockSignals(True)
        self.slider.setValue(value)
        self.slider.blockSignals(False)
        self._show_compression(value)

    def latent_dim(self) -> int:
        return int(self.slider.value())

    # -- state ------------------------------------------------------------------
    def _pause_toggled(self, checked: bool) -> None:
        self.pause_button.setText("Resume" if checked else "Pause")
        self.pause_toggled.emit(checked)

    def set_running(self, running: bool) -> None:
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.train_button.setText("Restart" if running else "Train")
        if not running:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.blockSignals(False)

    def show_progress(self, epoch: int, epochs: int, fraction: float, rate: float, seconds_left: float) -> None:
        self.progress.setValue(int(1000 * fraction))
        self.progress.setFormat(f"epoch {epoch + 1} of {epochs} · {100 * fraction:.0f}%")
        paused = " (paused)" if self.pause_button.isChecked() else ""
        self.rate.setText(f"{rate:,.0f} images/s · {duration_text(seconds_left)} left{paused}")

    def show_idle(self, text: str, done: bool | None = None) -> None:
        """``text`` on the bar between runs; ``done``: the bar full (a trained model) or empty. A bar
        never set shows no text at all (Qt's value before the first), so it is set here."""
        bar = self.progress
        if done is not None:
            bar.setValue(bar.maximum() if done else bar.minimum())
        elif bar.value() < bar.minimum():
            bar.setValue(bar.minimum())
        bar.setFormat(text)
