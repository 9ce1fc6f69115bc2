"""What the model is for: reconstruct or denoise, which architecture, which noise.

Reconstruct trains the model to give back its input (compression, anomalies).
Denoise corrupts every training batch afresh and asks for the clean picture.
The "test noise" is separate: it is what the compare panel adds before cleaning
the selected picture, so one can try a kind or strength the model never saw, or
choose none to clean a picture that is noisy already.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QLabel
from superqt import QLabeledDoubleRangeSlider, QLabeledDoubleSlider

from aeviewer.core.noise_kinds import NOISES, NoiseSpec

SETTLE_MS = 400
DEFECTS = "defects"  # the mode that trains the synthetic method (core.synthetic)
MIX = "mix"
ALREADY_NOISY = "none"

ARCH_EXPLANATION = {
    "bottleneck": "Everything passes through the code: it shows what a bottleneck keeps, but fine detail is lost.",
    "skip": "Detail flows around the code: the best denoising, but no compression, and anomalies get rebuilt too.",
}
ARCH_TOOLTIP = (
    "Bottleneck: the picture is rebuilt from the code alone. That is what makes compression and\n"
    "anomaly detection work, and why denoised pictures come out soft.\n\n"
    "Skip connections (U-Net): each decoder stage also sees the encoder's features at its own\n"
    "resolution, and the output is the input plus a correction. It gives the sharpest denoised\n"
    "pictures, but since detail need not pass the bottleneck it compresses nothing, and it would\n"
    "rebuild an anomaly as faithfully as a normal image."
)


def _strength_slider(double_range: bool):
    s = QLabeledDoubleRangeSlider(Qt.Orientation.Horizontal) if double_range else QLabeledDoubleSlider(
        Qt.Orientation.Horizontal
    )
    if double_range:  # the handles carry their values; the range's ends need no labels of their own
        s.setEdgeLabelMode(s.EdgeLabelMode.NoLabel)
    s.setRange(0.0, 1.0)
    s.setDecimals(2)
    s.setSingleStep(0.01)
    return s


class TaskControls(QGroupBox):
    training_changed = Signal()  # mode, architecture or training noise changed (settled)
    test_noise_changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__("Task", parent)
        self.mode = QComboBox()
        self.mode.addItem("Reconstruct (compress, find anomalies)", "reconstruct")
        self.mode.addItem("Find defects (learned from synthetic ones)", DEFECTS)
        self.mode.addItem("Denoise (noisy in, clean out)", "denoise")
        self.mode.setToolTip(
            "Reconstruct: an unusual picture is one the model rebuilds badly.\n"
            "Find defects: training pastes made-up defects into the normal pictures; a second network\n"
            "learns where input and reconstruction differ in a way that matters (best on real pictures).\n"
            "Denoise: each training batch gets fresh noise, and the clean picture is the target."
        )
        self.full_resolution = QCheckBox("Full resolution (patches)")
        self.full_resolution.setToolTip(
            "Train on random crops of the pictures at their own size, and score each picture whole,\n"
            "in overlapping tiles: a defect a few pixels wide in a large picture is still there, and\n"
            "the difference and defect maps are of the picture's own size. Off: every picture is\n"
            "fitted whole into the working size (faster; enough when defects are large).")
        self.architecture = QComboBox()
        self.architecture.addItem("Bottleneck", "bottleneck")
        self.architecture.addItem("Skip connections (U-Net)", "skip")
        self.architecture.setToolTip(ARCH_TOOLTIP)
        self.arch_note = QLabel()
        self.arch_note.setWordWrap(True)
        self.arch_note.setToolTip(ARCH_TOOLTIP)
        self.arch_note.setStyleSheet("color: #555; font-size: small;")

        self.train_kind = QComboBox()
        for n in NOISES.values():
            self.train_kind.addItem(n.label, n.key)
        self.train_kind.addItem("A mix of all of them", MIX)
        self.train_strength = _strength_slider(True)
        self.train_strength.setToolTip("Each training image gets a strength drawn from this range.")
        self.test_kind = QComboBox()
        for n in NOISES.values():
            self.test_kind.addItem(n.label, n.key)
        self.test_kind.addItem("None: the picture is noisy already", ALREADY_NOISY)
        self.test_kind.setToolTip(
            "Noise added to the selected picture before the model cleans it.\n"
            "Try a kind or strength it was not trained on to see where it fails.\n"
            "None: clean a picture as it is (File > Save denoised… writes the result)."
        )
        self.test_strength = _strength_slider(False)

        for combo in (self.mode, self.architecture, self.train_kind, self.test_kind):
            # Long item texts must not widen the whole column; the open list shows them in full.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)

        form = QFormLayout(self)
        form.addRow("Mode", self.mode)
        form.addRow(self.full_resolution)
        form.addRow("Model", self.architecture)
        form.addRow(self.arch_note)
        self.train_label = QLabel("Train noise")
        self.range_label = QLabel("strengths")
        self.test_label = QLabel("Test noise")
        self.test_strength_label = QLabel("strength")
        form.addRow(self.train_label, self.train_kind)
        form.addRow(self.range_label, self.train_strength)
        form.addRow(self.test_label, self.test_kind)
        form.addRow(self.test_strength_label, self.test_strength)

        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.training_changed)
        self._test_settle = QTimer(self)
        self._test_settle.setSingleShot(True)
        self._test_settle.setInterval(SETTLE_MS // 4)
        self._test_settle.timeout.connect(self.test_noise_changed)

        self._set_train_kind_defaults("gaussian")
        self.test_strength.setValue(0.3)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.full_resolution.toggled.connect(lambda _on: self._settle.start())
        self.architecture.currentIndexChanged.connect(self._arch_changed)
        self.train_kind.currentIndexChanged.connect(self._train_kind_changed)
        self.train_strength.valueChanged.connect(lambda _v: self._settle.start())
        self.test_kind.currentIndexChanged.connect(self._test_kind_changed)
        self.test_strength.valueChanged.connect(lambda _v: self._test_settle.start())
        self._arch_changed()
        self.show_denoise_rows(False)

    # -- reading the choices ------------------------------------------------------------
    @property
    def denoising(self) -> bool:
        return self.mode.currentData() == "denoise"

    def chosen_architecture(self) -> str:
        return "bottleneck" if self.mode.currentData() == DEFECTS else str(self.architecture.currentData())

    def chosen_method(self) -> str:
        return "synthetic" if self.mode.currentData() == DEFECTS else "reconstruct"

    def chosen_patches(self) -> bool:
        """Full resolution (core.patches): for finding anomalies, not for denoising."""
        return self.full_resolution.isChecked() and not self.denoising

    def set_patches(self, on: bool) -> None:
        """Full resolution on or off, without asking for a retrain."""
        self.full_resolution.blockSignals(True)
        self.full_resolution.setChecked(on)
        self.full_resolution.blockSignals(False)

    def train_noise(self) -> tuple[NoiseSpec, ...]:
        """What training corrupts inputs with: () in Reconstruct mode."""
        if not self.denoising:
            return ()
        low, high = (float(v) for v in self.train_strength.value())
        kind = self.train_kind.currentData()
        kinds = list(NOISES) if kind == MIX else [kind]
        return tuple(NoiseSpec(k, low, high) for k in kinds)

    def test_noise(self) -> NoiseSpec | None:
        kind = self.test_kind.currentData()
        if kind == ALREADY_NOISY:
            return None
        s = float(self.test_strength.value())
        return NoiseSpec(kind, s, s)

    # -- setting them (tests, command line) ------------------------------------------------
    def set_mode(self, denoise: bool) -> None:
        self.mode.setCurrentIndex(self.mode.findData("denoise" if denoise else "reconstruct"))

    def set_method(self, method: str) -> None:
        """Reconstruct or find defects (the synthetic method), without asking for a retrain."""
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(self.mode.findData(DEFECTS if method == "synthetic" else "reconstruct"))
        self.mode.blockSignals(False)
        self._mode_changed(settle=False)

    def set_architecture(self, name: str) -> None:
        self.architecture.setCurrentIndex(self.architecture.findData(name))

    def set_test_noise(self, spec: NoiseSpec | None) -> None:
        self.test_kind.setCurrentIndex(self.test_kind.findData(ALREADY_NOISY if spec is None else spec.kind))
        if spec is not None:
            self.test_strength.setValue(spec.low)

    def configure(self, denoise: NoiseSpec | None, architecture: str) -> None:
        """Set mode, model and training noise without asking for a retrain (start-up settings)."""
        self.blockSignals(True)
        try:
            self.set_architecture(architecture)
            if denoise is not None:
                self.train_kind.setCurrentIndex(self.train_kind.findData(denoise.kind))
                self.train_strength.setValue((denoise.low, denoise.high))
            self.set_mode(denoise is not None)
        finally:
            self._settle.stop()
            self._test_settle.stop()
            self.blockSignals(False)

    # -- reactions -----------------------------------------------------------------------
    def _mode_changed(self, _index: int = 0, settle: bool = True) -> None:
        self.show_denoise_rows(self.denoising)
        self.architecture.setEnabled(self.mode.currentData() != DEFECTS)  # defects: through the bottleneck
        if settle:
            self._settle.start()

    def _arch_changed(self) -> None:
        self.arch_note.setText(ARCH_EXPLANATION[self.chosen_architecture()])
        self._show_note()
        if self.sender() is self.architecture:
            self._settle.start()

    def _train_kind_changed(self) -> None:
        kind = self.train_kind.currentData()
        self._set_train_kind_defaults(kind)
        if kind != MIX and self.test_kind.currentData() != ALREADY_NOISY:
            self.test_kind.setCurrentIndex(self.test_kind.findData(kind))  # try what it learns, first
        self._settle.start()

    def _set_train_kind_defaults(self, kind: str) -> None:
        """The kind's usual training range (a mix takes Gaussian's) and the name of its strength."""
        n = NOISES["gaussian" if kind == MIX else kind]
        self.train_strength.blockSignals(True)
        self.train_strength.setRange(0.0, n.maximum)
        self.train_strength.setValue(n.default)
        self.train_strength.blockSignals(False)
        self.range_label.setText(f"{n.strength_name}s" if kind != MIX else "strengths")

    def _test_kind_changed(self) -> None:
        kind = self.test_kind.currentData()
        none = kind == ALREADY_NOISY
        self.test_strength.setEnabled(not none)
        if not none:
            n = NOISES[kind]
            self.test_strength_label.setText(n.strength_name)
            self.test_strength.blockSignals(True)
            self.test_strength.setValue(sum(n.default) / 2)
            self.test_strength.blockSignals(False)
        self.test_noise_changed.emit()

    def _show_note(self) -> None:
        """The trade-off matters once there is a choice to weigh: denoising, or the U-Net picked."""
        self.arch_note.setVisible(self.denoising or self.chosen_architecture() == "skip")

    def show_denoise_rows(self, visible: bool) -> None:
        self.full_resolution.setVisible(not visible)
        for w in (self.train_label, self.train_kind, self.range_label, self.train_strength,
                  self.test_label, self.test_kind, self.test_strength_label, self.test_strength):
            w.setVisible(visible)
        self._show_note()
