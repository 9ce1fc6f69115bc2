"""Anomaly scores: which score, a histogram with a threshold you drag, and how good it is.

The histogram shows training images against the rest. The threshold starts at
the 99th percentile of the training scores and follows it while the model
trains, until the user drags it; Reset hands it back. When the images carry
labels (the demo, MVTec or normal/anomaly folders), the panel also shows the
ROC curve, AUROC, precision, recall and confusion counts at the threshold,
recomputed as the line moves.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from aeviewer.core.data import Split
from aeviewer.core.metrics import auroc, counts_at, default_threshold, roc_curve
from aeviewer.core.scoring import DEFAULT_SCORE, SCORES
from aeviewer.qt.images import SPLIT_COLOURS

BINS = 40
DEFAULT_PERCENTILE = 99.0


def _share(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}"


class AnomalyPanel(QWidget):
    score_kind_chosen = Signal(str)
    threshold_changed = Signal(float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        for key, s in SCORES.items():
            self.kind.addItem(s.label, key)
            self.kind.setItemData(self.kind.count() - 1, s.explanation, Qt.ItemDataRole.ToolTipRole)
        self.kind.setCurrentIndex(self.kind.findData(DEFAULT_SCORE))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Put the threshold back at the 99th percentile of the training scores.")
        self.reset.clicked.connect(self.reset_threshold)
        top = QHBoxLayout()
        top.addWidget(QLabel("Score"))
        top.addWidget(self.kind, 1)
        top.addWidget(self.reset)

        self.histogram = pg.PlotWidget(background="w")
        self.histogram.setMenuEnabled(False)
        self.histogram.setMouseEnabled(x=False, y=False)
        self.histogram.setLabel("bottom", "anomaly score")
        self.histogram.setLabel("left", "images")
        self.histogram.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self._train_curve = self._histogram_curve("train", SPLIT_COLOURS[Split.TRAIN])
        self._rest_curve = self._histogram_curve("test + dropped", SPLIT_COLOURS[Split.TEST])
        self.line = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen((220, 30, 30), width=2),
                                    label="threshold", labelOpts={"position": 0.9, "color": (220, 30, 30)})
        self.line.setToolTip("Drag me. Images scoring above the threshold are flagged as unusual.\n"
                             "Default: the 99th percentile of the training images' scores, so about\n"
                             "1 in 100 normal training images would be flagged.")
        self.line.sigPositionChanged.connect(self._line_moved)
        self.histogram.addItem(self.line)
        self.histogram.setMinimumHeight(150)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.roc = pg.PlotWidget(background="w")
        self.roc.setMenuEnabled(False)
        self.roc.setMouseEnabled(x=False, y=False)
        self.roc.setLabel("bottom", "false-positive rate")
        self.roc.setLabel("left", "true-positive rate")
        self.roc.setXRange(0, 1, padding=0.02)
        self.roc.setYRange(0, 1, padding=0.02)
        self.roc.plot([0, 1], [0, 1], pen=pg.mkPen((180, 180, 180), style=Qt.PenStyle.DashLine))
        self._roc_curve = self.roc.plot([], [], pen=pg.mkPen((66, 133, 244), width=2))
        self._roc_point = pg.ScatterPlotItem(size=10, brush=pg.mkBrush(220, 30, 30), pen=None)
        self.roc.addItem(self._roc_point)
        self.roc.setMinimumHeight(150)

        self.mode_note = QLabel(
            "This model denoises: scores compare each clean picture with what the model makes of it. "
            "Anomaly detection works best in Reconstruct mode with the bottleneck model."
        )
        self.mode_note.setWordWrap(True)
        self.mode_note.setStyleSheet("color: #c26000;")
        self.mode_note.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mode_note)
        layout.addLayout(top)
        layout.addWidget(self.histogram, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.roc, 1)

        self.threshold = math.inf
        self.user_threshold = False
        self._scores = np.zeros(0, np.float32)
        self._splits = np.zeros(0, np.int8)
        self._labels = np.zeros(0, np.int8)
        self._moving = False
        self.pixel_auroc: float | None = None
        self._show_summary()

    def _histogram_curve(self, name: str, colour) -> pg.PlotCurveItem:
        fill = pg.mkColor(colour)
        fill.setAlpha(110)
        curve = pg.PlotCurveItem(x=np.zeros(1), y=np.zeros(0), stepMode="center", fillLevel=0, brush=fill,
                                 pen=pg.mkPen(colour), name=name)
        self.histogram.addItem(curve)
        return curve

    # -- data -------------------------------------------------------------------
    def set_scores(self, scores: np.ndarray, splits: np.ndarray, labels: np.ndarray) -> None:
        n = min(len(scores), len(splits), len(labels))
        if n != len(self._scores):  # new images: a pixel AUROC measured before no longer applies
            self.pixel_auroc = None
        self._scores, self._splits, self._labels = scores[:n], splits[:n], labels[:n]
        known = np.isfinite(self._scores)
        train = known & (self._splits == Split.TRAIN)
        if not self.user_threshold:
            self.threshold = default_threshold(self._scores[train], DEFAULT_PERCENTILE)
        if self.isVisible():
            self._draw_histogram()
        if math.isfinite(self.threshold):
            self._moving = True
            self.line.setValue(self.threshold)
            self._moving = False
        self._show_summary(roc=self.isVisible())

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Hidden (another tab), the panel keeps its numbers but skips drawing them."""
        super().showEvent(event)
        self._draw_histogram()
        self._show_summary()

    def _draw_histogram(self) -> None:
        known = np.isfinite(self._scores)
        train = known & (self._splits == Split.TRAIN)
        if known.any():
            lo, hi = float(np.min(self._scores[known])), float(np.percentile(self._scores[known], 99.5))
            top = max(hi, self.threshold if math.isfinite(self.threshold) else hi)
            edges = np.linspace(lo, top * 1.05 + 1e-12, BINS + 1)
            clipped = np.minimum(self._scores, edges[-1] - 1e-12)
            self._train_curve.setData(edges, np.histogram(clipped[train], edges)[0])
            rest = known & (self._splits != Split.TRAIN)
            self._rest_curve.setData(edges, np.histogram(clipped[rest], edges)[0])
        if math.isfinite(self.threshold):
            self._moving = True
            self.line.setValue(self.threshold)
            self._moving = False
        self.pixel_auroc: float | None = None
        self._show_summary()

    def _kind_changed(self, _index: int) -> None:
        self.user_threshold = False  # a threshold in the old score's units means nothing now
        self.score_kind_chosen.emit(self.kind.currentData())

    def set_denoising(self, denoising: bool) -> None:
        """Say so when the scores come from a denoiser rather than a reconstructing model."""
        self.mode_note.setVisible(denoising)

    def new_model(self) -> None:
        """Scores of a new model live on a new scale: back to the default threshold."""
        self.user_threshold = False
        self.pixel_auroc = None

    def set_pixel_auroc(self, value: float | None) -> None:
        self.pixel_auroc = value
        self._show_summary(roc=False)

    def flags(self) -> np.ndarray:
        """True for every image scoring above the threshold."""
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(self._scores, nan=-np.inf) > self.threshold

    def _line_moved(self) -> None:
        if self._moving:
            return
        self.user_threshold = True
        self.threshold = float(self.line.value())
        self._show_summary(roc=False)
        self.threshold_changed.emit(self.threshold)

    def reset_threshold(self) -> None:
        self.user_threshold = False
        self.set_scores(self._scores, self._splits, self._labels)
        self.threshold_changed.emit(self.threshold)

    def labelled_rows(self) -> np.ndarray:
        return np.flatnonzero(
            (self._splits != Split.TRAIN) & np.isin(self._labels, (0, 1)) & np.isfinite(self._scores)
        )

    def _show_summary(self, roc: bool = True) -> None:
        flagged = int(self.flags().sum())
        how = "dragged by you" if self.user_threshold else "99th percentile of training scores"
        lines = [f"Threshold <b>{self.threshold:.4g}</b> ({how}) · <b>{flagged}</b> image(s) flagged"]
        rows = self.labelled_rows()
        labels = self._labels[rows]
        if len(rows) and (labels == 0).any() and (labels == 1).any():
            scores = self._scores[rows]
            c = counts_at(scores, labels, self.threshold)
            lines.append(
                f"Labelled test images: AUROC <b>{auroc(scores, labels):.3f}</b> · precision {_share(c.precision)}"
                f" · recall {_share(c.recall)}<br>flagged: {c.true_positive} anomalous, {c.false_positive} normal"
                f" · passed: {c.true_negative} normal, {c.false_negative} anomalous"
            )
            if self.pixel_auroc is not None:
                lines.append(f"Defect masks: pixel AUROC <b>{self.pixel_auroc:.3f}</b> (where in the image)")
            if roc:
                fpr, tpr, _ = roc_curve(scores, labels)
                self._roc_curve.setData(fpr, tpr)
            n_neg, n_pos = max((labels == 0).sum(), 1), max((labels == 1).sum(), 1)
            self._roc_point.setData([c.false_positive / n_neg], [c.true_positive / n_pos])
            self.roc.setVisible(True)
        else:
            lines.append("No labelled test images: open the demo, an MVTec folder or normal/anomaly "
                         "folders to see ROC and AUROC.")
            self._roc_curve.setData([], [])
            self._roc_point.setData([], [])
            self.roc.setVisible(False)
        self.summary.setText("<br>".join(lines))
