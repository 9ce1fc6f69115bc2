"""The Compression tab: the selected picture rebuilt from 1, 2, 4, ... numbers, and bytes against
PSNR for the model's 8-bit code and for JPEG, with the slider's size marked and the comparison in words."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from aeviewer.core.rate_distortion import Point, comparison_text
from aeviewer.core.results import CompressionReport
from aeviewer.core.working_size import cut
from aeviewer.qt.images import to_qimage

LADDER_COLUMNS = 4
LADDER_SIDE = 48
MODEL_COLOUR = (66, 133, 244)
JPEG_COLOUR = (230, 120, 0)


class CompressionPanel(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.ladder_title = QLabel()
        self.ladder_title.setWordWrap(True)
        self.ladder = QGridLayout()
        self.ladder.setSpacing(4)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.setLogMode(x=True, y=False)
        self.plot.setLabel("bottom", "bytes per picture")
        self.plot.setLabel("left", "PSNR (dB)")
        self.plot.setMinimumHeight(150)
        self.plot.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.model_curve = self.plot.plot([], [], pen=pg.mkPen(MODEL_COLOUR, width=2), symbol="o", symbolSize=6,
                                          symbolBrush=MODEL_COLOUR, name="autoencoder (8 bits a number)")
        self.jpeg_curve = self.plot.plot([], [], pen=pg.mkPen(JPEG_COLOUR, width=2), symbol="s", symbolSize=5,
                                         symbolBrush=JPEG_COLOUR, name="JPEG (quality 1 to 95)")
        self.current = pg.ScatterPlotItem(size=16, pen=pg.mkPen("k", width=2), brush=None)
        self.plot.addItem(self.current)
        self.words = QLabel("The compression appears here once a model has seen its pictures.")
        self.words.setWordWrap(True)
        self.words.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.ladder_title)
        layout.addLayout(self.ladder)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.words)
        self.report: CompressionReport | None = None

    def show_report(self, report: CompressionReport, code_length: int,
                    box: tuple[int, int, int, int] | None = None) -> None:
        """``box``: where the selected picture lies in its working square (its ladder is cut to it)."""
        self.report = report
        self._draw_ladder(report, code_length, box)
        if report.reason:
            self.model_curve.setData([], [])
            self.jpeg_curve.setData([], [])
            self.current.setData([], [])
            self.words.setText(report.reason)
            return
        model = list(report.model_points)
        jpeg = list(report.jpeg_points)
        self.model_curve.setData([p.bytes for p in model], [_finite(p.psnr) for p in model])
        self.jpeg_curve.setData([p.bytes for p in jpeg], [_finite(p.psnr) for p in jpeg])
        shown = _point_at(model, code_length)
        self.current.setData([math.log10(max(shown.bytes, 1e-3))], [shown.psnr])  # log mode: x in log10
        self.words.setText(
            f"{comparison_text(shown, jpeg, report.input_values)}<br>"
            f"<span style='color:#666'>{report.pictures} {report.which}. The autoencoder only knows pictures "
            "like its training pictures; JPEG works on any.</span>")
        self.words.setToolTip("Each code number is kept as 8 bits (its range from the training pictures); a "
                              "JPEG file's size includes its headers (about 600 bytes of tables).")

    def _draw_ladder(self, report: CompressionReport, code_length: int, box: tuple[int, int, int, int] | None) -> None:
        while self.ladder.count():
            item = self.ladder.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if not report.ladder:
            self.ladder_title.setText(
                "" if report.reason else "<b>Ladder</b>: with one model for every size (Bottleneck group), the "
                "selected picture is shown rebuilt from 1, 2, 4, … numbers.")
            return
        self.ladder_title.setText("<b>The selected picture from 1, 2, 4, … numbers</b> (PSNR under each)")
        for i, (k, picture, value) in enumerate(report.ladder):
            pixels = (np.clip(picture if box is None else cut(picture, box), 0, 1) * 255 + 0.5).astype(np.uint8)
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(to_qimage(pixels)).scaled(
                LADDER_SIDE, LADDER_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            mark = "font-weight:bold; color:#1a5fd0" if k == code_length else "color:#333"
            caption = QLabel(f"<span style='{mark}'>k={k}<br>{value:.1f} dB</span>")
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cell = QWidget()
            v = QVBoxLayout(cell)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(0)
            v.addWidget(label)
            v.addWidget(caption)
            self.ladder.addWidget(cell, i // LADDER_COLUMNS, i % LADDER_COLUMNS)


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 99.0


def _point_at(points: list[Point], k: int) -> Point:
    """The point of the shown code length (the closest one the curve has)."""
    return min(points, key=lambda p: abs(p.setting - k))
