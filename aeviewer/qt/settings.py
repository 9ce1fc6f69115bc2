"""The settings column: bottleneck, training and task, handed out as configs.

The window never reads these widgets' children: it asks for a ``TrainConfig``,
a ``ModelConfig`` or the device, and hears ``retrain_requested`` when a change
calls for a fresh model. The rules about settings live here too: each
architecture trains at its own learning rate; the demo trains with its recipe;
an unknown dataset trains without flips and turns.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from aeviewer.core.choices import batch_size
from aeviewer.core.config import ORDERED_SIZE, ModelConfig, TrainConfig, learning_rate
from aeviewer.core.demos import DEMO_AUGMENT, DEMO_EPOCHS
from aeviewer.core.noise_kinds import NoiseSpec
from aeviewer.qt.controls import Controls
from aeviewer.qt.task_controls import TaskControls


class SettingsPanel(QWidget):
    retrain_requested = Signal()  # Train pressed, or the device or task changed
    pause_toggled = Signal(bool)
    stop_requested = Signal()
    test_noise_changed = Signal(object)  # NoiseSpec | None

    def __init__(self, model_config: ModelConfig, device: str, epochs: int | None, parent=None) -> None:
        super().__init__(parent)
        self.controls = Controls(model_config.latent_dim, model_config.input_values)
        self.task = TaskControls()
        self.epochs_given = epochs is not None
        # the scale a tile model cuts its tiles at, chosen with the pictures (core.choices) or the session's
        self.patch_scale = model_config.patch_scale
        if epochs is not None:
            self.controls.epochs.setValue(epochs)
        self.controls.select_device(device)
        self.controls.train_requested.connect(self.retrain_requested)
        self.controls.pause_toggled.connect(self.pause_toggled)
        self.controls.stop_requested.connect(self.stop_requested)
        self.controls.device_chosen.connect(lambda _d: self.retrain_requested.emit())
        self.controls.ordered_chosen.connect(lambda _o: self.retrain_requested.emit())
        self.task.training_changed.connect(self._task_changed)
        self.task.test_noise_changed.connect(lambda: self.test_noise_changed.emit(self.task.test_noise()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.controls)
        layout.addWidget(self.task)
        layout.addStretch(1)

    # -- what they say ------------------------------------------------------------------
    def train_config(self, pictures: int | None = None) -> TrainConfig:
        """The training settings, for ``pictures`` training pictures (an ordered model's batch follows them)."""
        return TrainConfig(
            epochs=self.controls.epochs.value(),
            batch_size=batch_size(self.task.chosen_method(), self._ordered(), pictures),
            learning_rate=self.controls.learning_rate.value(),
            denoise=self.task.train_noise(),
            augment=self.controls.augment.isChecked(),
        )

    def model_config(self, base: ModelConfig) -> ModelConfig:
        """``base`` (the picture size) with the chosen code size and architecture: an ordered model
        of ORDERED_SIZE numbers when that is chosen and the model is one that reconstructs through
        the bottleneck, else one trained at the slider's size."""
        arch, method = self.task.chosen_architecture(), self.task.chosen_method()
        ordered = self._ordered()
        latent = ORDERED_SIZE if ordered else self.controls.latent_dim()
        patches = self.task.chosen_patches() and not ordered
        return replace(base, latent_dim=latent, architecture=arch, method=method, ordered=ordered, patches=patches,
                       patch_scale=self.patch_scale if patches else 1.0)

    def _ordered(self) -> bool:
        """One ordered model is trained when chosen, for a model that reconstructs through the bottleneck."""
        reconstructs = self.task.chosen_architecture() == "bottleneck" and self.task.chosen_method() == "reconstruct"
        return self.controls.ordered and reconstructs

    def code_length(self) -> int:
        return self.controls.latent_dim()

    def device(self) -> str:
        return str(self.controls.device.currentData())

    def test_noise(self) -> NoiseSpec | None:
        return self.task.test_noise()

    # -- rules ----------------------------------------------------------------------------
    def _task_changed(self) -> None:
        self._use_own_rate()
        self.retrain_requested.emit()

    def _use_own_rate(self) -> None:
        """Each architecture and method trains best at its own rate (core.config.learning_rate)."""
        rate = learning_rate(self.task.chosen_architecture(), self.task.chosen_method())
        if self.controls.learning_rate.value() != rate:
            self.controls.learning_rate.setValue(rate)

    def set_task(self, denoise: NoiseSpec | None, architecture: str) -> None:
        """Start-up choice of mode and model (command line); the next training run uses them."""
        self.task.configure(denoise, architecture)
        self._use_own_rate()

    def apply_demo_recipe(self) -> None:
        """What the demo is measured with (README): bananas may lie any way round."""
        self.controls.augment.setChecked(DEMO_AUGMENT)
        self.patch_scale = 1.0
        if not self.epochs_given:
            self.controls.epochs.setValue(DEMO_EPOCHS)

    def apply_dataset_recipe(self, settings) -> None:
        """Unknown pictures may be digits or text: no flips or turns; the method, full resolution
        and epochs chosen from the pictures (core.choices.Settings) unless epochs came from the command line."""
        self.controls.augment.setChecked(False)
        self.task.set_method(settings.method)
        self.task.set_patches(settings.patches)
        self.patch_scale = settings.patch_scale
        self._use_own_rate()
        if not self.epochs_given:
            self.controls.epochs.setValue(settings.epochs)

    def apply_session(self, model, epochs: int | None = None) -> None:
        """An opened session's model (a ModelReady): the controls show its code size, mode, training
        noise and the epochs it was trained for (unless epochs came from the command line), so Train
        goes on as it was, without a retrain being asked for."""
        if epochs is not None and not self.epochs_given:
            self.controls.epochs.setValue(epochs)
        c = model.config
        self.controls.set_ordered(c.ordered)
        self.controls.set_latent_dim(model.code_length)
        noise = model.train_noise[0] if model.train_noise else None
        self.task.configure(noise, c.architecture)
        if not model.train_noise:
            self.task.set_method(c.method)
        self.task.set_patches(c.patches)
        self.patch_scale = c.patch_scale
        self._use_own_rate()

    def offer_cuda(self, available: bool) -> None:
        self.controls.offer_cuda(available)

    def set_running(self, running: bool) -> None:
        self.controls.set_running(running)

    @property
    def paused(self) -> bool:
        return self.controls.pause_button.isChecked()
