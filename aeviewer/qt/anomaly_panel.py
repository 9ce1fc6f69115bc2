"""Anomaly scores: which score, a histogram with a threshold you drag, and how good it is.

The panel draws an ``Evaluation`` (core.evaluation) it is given and computes
nothing itself. The histogram shows training images against the rest; the
threshold line starts at the default rule and, when dragged, says so
(``threshold_dragged``); the presenter evaluates at the new threshold and hands
the result back. When the images carry labels the panel also shows the ROC
curve, AUROC, precision, recall and confusion counts; with defect masks, the
pixel AUROC.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from aeviewer.core.data import Split
from aeviewer.core.evaluation import Evaluation
from aeviewer.core.scoring import DEFAULT_SCORE, SCORES, score_label
from aeviewer.qt.captions import evaluation_summary, histogram_axis_label
from aeviewer.qt.images import SPLIT_COLOURS
from aeviewer.qt.wrapped_label import WrappedLabel


class AnomalyPanel(QWidget):
    score_kind_chosen = Signal(str)
    threshold_dragged = Signal(float)
    reset_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        for key, s in SCORES.items():
            if s.learned:
                continue  # offered when a model has a learned defect map (set_model)
            self.kind.addItem(s.label, key)
            self.kind.setItemData(self.kind.count() - 1, s.explanation, Qt.ItemDataRole.ToolTipRole)
        self.kind.setCurrentIndex(self.kind.findData(DEFAULT_SCORE))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Put the threshold back at the 99th percentile of the training scores.")
        self.reset.clicked.connect(self.reset_requested)
        top = QHBoxLayout()
        top.addWidget(QLabel("Score"))
        top.addWidget(self.kind, 1)
        top.addWidget(self.reset)

        self.histogram = pg.PlotWidget(background="w")
        self.histogram.setMenuEnabled(False)
        self.histogram.setMouseEnabled(x=False, y=False)
        self.histogram.setLabel("bottom", "anomaly score")
        # Scores are small numbers: pyqtgraph would write 0.02 as "20" with a unit prefix that a narrow
        # panel cuts off, and the axis would disagree with the threshold written below it.
        self.histogram.getAxis("bottom").enableAutoSIPrefix(False)
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
        self.histogram.setMinimumHeight(80)

        self.summary = WrappedLabel()
        self.summary.setToolTip("The threshold starts at the 99th percentile (pct.) of the training images' scores;\n"
                                "drag the red line to move it. AUROC: how well the score ranks the labelled test\n"
                                "images (1 = every anomalous one above every normal one, 0.5 = chance).")
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
        self.roc.setMinimumHeight(80)

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

        self.evaluation: Evaluation | None = None
        self._moving = False
        self._show_summary()

    def _histogram_curve(self, name: str, colour) -> pg.PlotCurveItem:
        fill = pg.mkColor(colour)
        fill.setAlpha(110)
        curve = pg.PlotCurveItem(x=np.zeros(1), y=np.zeros(0), stepMode="center", fillLevel=0, brush=fill,
                                 pen=pg.mkPen(colour), name=name)
        self.histogram.addItem(curve)
        return curve

    # -- drawing an evaluation -----------------------------------------------------------
    def show_evaluation(self, evaluation: Evaluation) -> None:
        """Draw ``evaluation``; hidden (another tab), the panel keeps it and draws when shown."""
        self.evaluation = evaluation
        self._place_line()
        if self.isVisible():
            self._draw_histogram()
        self._show_summary(roc=self.isVisible())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._draw_histogram()
        self._show_summary()

    @property
    def threshold(self) -> float:
        return self.evaluation.threshold if self.evaluation is not None else math.inf

    @property
    def user_threshold(self) -> bool:
        return self.evaluation is not None and self.evaluation.user_threshold

    def _place_line(self) -> None:
        if math.isfinite(self.threshold):
            self._moving = True
            self.line.setValue(self.threshold)
            self._moving = False

    def _draw_histogram(self) -> None:
        h = self.evaluation.histogram if self.evaluation is not None else None
        if h is None:
            self._train_curve.setData(np.zeros(1), np.zeros(0))
            self._rest_curve.setData(np.zeros(1), np.zeros(0))
            self._label_axis(("anomaly score", ""))
            return
        self._train_curve.setData(h.edges, h.train)
        self._rest_curve.setData(h.edges, h.rest)
        self._label_axis(histogram_axis_label(h))

    def _label_axis(self, words: tuple[str, str]) -> None:
        axis = self.histogram.getAxis("bottom")
        if axis.labelText != words[0]:
            self.histogram.setLabel("bottom", words[0])
            axis.resizeEvent(None)  # pyqtgraph centres a label only when the axis is resized
        axis.setToolTip(words[1])

    def _kind_changed(self, _index: int) -> None:
        self.score_kind_chosen.emit(self.kind.currentData())

    def set_model(self, denoising: bool, learned: bool, score_kind: str, surface: bool = False) -> None:
        """What a new model offers: the learned score only with a learned defect map, and which
        score it uses now; say so when the scores come from a denoiser. ``surface``: a tile model
        of a surface, whose combined score has a texture part, named in its entry."""
        self.mode_note.setVisible(denoising)
        self.kind.blockSignals(True)
        for key in (k for k, s in SCORES.items() if s.learned):
            index = self.kind.findData(key)
            if learned and index < 0:
                self.kind.addItem(score_label(key, surface), key)
                self.kind.setItemData(self.kind.count() - 1, SCORES[key].explanation, Qt.ItemDataRole.ToolTipRole)
            elif learned:
                self.kind.setItemText(index, score_label(key, surface))
            elif index >= 0:
                self.kind.removeItem(index)
        self.kind.setCurrentIndex(max(0, self.kind.findData(score_kind)))
        self.kind.blockSignals(False)

    def _line_moved(self) -> None:
        if not self._moving:
            self.threshold_dragged.emit(float(self.line.value()))

    def _show_summary(self, roc: bool = True) -> None:
        ev = self.evaluation
        self.summary.setText(evaluation_summary(ev))
        ranking = ev.ranking if ev is not None else None
        self.roc.setVisible(ranking is not None)
        if ranking is None or ev is None or ev.counts is None:
            self._roc_curve.setData([], [])
            self._roc_point.setData([], [])
            return
        if roc:
            self._roc_curve.setData(ranking.fpr, ranking.tpr)
        c = ev.counts
        n_neg, n_pos = max(c.false_positive + c.true_negative, 1), max(c.true_positive + c.false_negative, 1)
        self._roc_point.setData([c.false_positive / n_neg], [c.true_positive / n_pos])
