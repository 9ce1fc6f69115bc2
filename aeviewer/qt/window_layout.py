"""The rooms of the main window and where they sit: gallery | latent + compare | settings + tabs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from aeviewer.core.config import ModelConfig
from aeviewer.qt.anomaly_panel import AnomalyPanel
from aeviewer.qt.compare_panel import ComparePanel
from aeviewer.qt.compression_panel import CompressionPanel
from aeviewer.qt.gallery import GalleryView
from aeviewer.qt.latent_view import LatentView
from aeviewer.qt.pages import PageBar
from aeviewer.qt.plots import LossPlot
from aeviewer.qt.settings import SettingsPanel
from aeviewer.qt.walk_panel import WalkPanel

ORDERS = ("in the order loaded", "most anomalous first")


def _titled(title: QLabel, *rows) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(title)
    for row in rows:
        if isinstance(row, QHBoxLayout):
            layout.addLayout(row)
        else:
            layout.addWidget(row, 1 if row is rows[-1] else 0)  # the last one (a view) takes the room
    return box


def _rich_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


class Views:
    """Every view of the window, built and laid out; ``central`` holds them all."""

    def __init__(self, model_config: ModelConfig, device: str, epochs: int | None) -> None:
        self.gallery = GalleryView()
        self.gallery.setMinimumWidth(260)
        self.gallery_title = _rich_label("<b>Images</b>")
        self.sort_order = QComboBox()
        self.sort_order.addItems(ORDERS)
        self.sort_order.setToolTip("Most anomalous first re-sorts live as the scores change.")
        self.sort_order.currentIndexChanged.connect(lambda i: self.gallery.sort_by_score(i == 1))
        self.region_note = QLabel()
        self.show_all = QPushButton("Show all")
        self.show_all.setToolTip("Every picture in the gallery again")
        self.region_bar = QWidget()
        bar = QHBoxLayout(self.region_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.region_note, 1)
        bar.addWidget(self.show_all)
        self.region_bar.setVisible(False)
        self.page_bar = PageBar()  # a folder too large for memory, a page at a time (qt.pages)
        self.latent_view = LatentView()
        self.latent_title = _rich_label()
        self.compare = ComparePanel()
        self.compare_title = _rich_label("<b>Compare</b>")
        self.settings = SettingsPanel(model_config, device, epochs)
        self.loss_plot = LossPlot()
        self.anomalies = AnomalyPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.loss_plot, "Loss")
        self.tabs.addTab(self.anomalies, "Anomalies")
        self.compression = CompressionPanel()
        self.tabs.addTab(self.compression, "Compression")
        self.walk = WalkPanel()
        self.tabs.addTab(self.walk, "Walk")
        self.load_bar = QProgressBar()
        self.load_bar.setMaximumWidth(220)
        self.load_bar.setVisible(False)
        self.load_cancel = QPushButton("Cancel")
        self.load_cancel.setToolTip("Stop loading: nothing of this load is added")
        self.load_cancel.setVisible(False)
        self.counts_label = QLabel()
        self.device_status = QLabel()
        self.central = self._lay_out()

    @property
    def controls(self):
        return self.settings.controls

    @property
    def task(self):
        return self.settings.task

    def _lay_out(self) -> QWidget:
        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(_titled(self.latent_title, self.latent_view))
        centre.addWidget(_titled(self.compare_title, self.compare))
        centre.setSizes([430, 330])

        self.settings_scroll = scroll = QScrollArea()  # the settings scroll rather than make the window taller
        scroll.setWidget(self.settings)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(scroll)
        right.addWidget(self.tabs)
        right.setStretchFactor(0, 0)
        right.setStretchFactor(1, 1)
        right.setSizes([self.settings.sizeHint().height() + 8, 400])  # the settings in full, the tabs get the rest
        # Room for the settings beside their scroll bar, so nothing is cut off at the right.
        scroll.setMinimumWidth(self.settings.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        right.setMaximumWidth(420)

        order = QHBoxLayout()
        order.addWidget(QLabel("Show"))
        order.addWidget(self.sort_order, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(_titled(self.gallery_title, order, self.page_bar, self.region_bar, self.gallery))
        split.addWidget(centre)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 700, 310])
        self.splitters = {"main": split, "centre": centre, "right": right}  # their sizes are remembered
        return split
