"""The latent plot linked to the rest of the window: hover cards, regions shown in the gallery,
and pictures decoded from places in the plot that no picture has."""

from __future__ import annotations

import html
import os

import numpy as np
from PySide6.QtCore import QModelIndex, QObject

from aeviewer.core.data import Split
from aeviewer.core.results import Decoded
from aeviewer.qt.captions import model_state_text, score_text
from aeviewer.qt.messages import DecodePoint


class LatentLinks(QObject):
    def __init__(self, presenter) -> None:
        super().__init__(presenter)
        self.p = presenter
        v = presenter.v
        self.v = v
        self.decoded_at: tuple[float, float] | None = None  # where the shown decoded picture is from
        v.latent_view.describe = self.describe
        v.latent_view.region_selected.connect(self.show_region)
        v.latent_view.empty_clicked.connect(self.decode_at)
        v.show_all.clicked.connect(lambda: self.show_region(None))

    def describe(self, row: int):
        """The hover card for picture ``row``: its thumbnail, and name, split and score."""
        images = self.p.images
        if not 0 <= row < len(images):
            return None, ""
        name = html.escape(os.path.basename(images.paths[row]) or images.paths[row])
        split = Split(int(images.splits[row])).label
        label = {0: " · labelled normal", 1: " · labelled anomalous"}.get(int(images.labels[row]), "")
        ev = self.p.evaluation
        return self.v.gallery.thumbnail(row), f"<b>{name}</b><br>{split}{label}{score_text(ev, row)}"

    def show_region(self, rows: np.ndarray | None) -> None:
        """The gallery shows just the pictures in a region of the latent plot (None: all again)."""
        self.v.gallery.show_only(rows)
        self.v.region_bar.setVisible(rows is not None)
        if rows is None:
            return
        n = len(rows)
        self.v.region_note.setText(f"Showing {n:,} picture{'s' if n != 1 else ''} chosen in the latent plot")
        if n and (self.p.selected is None or self.p.selected not in set(rows.tolist())):
            self.p.select(int(rows[0]))

    def decode_at(self, x: float, y: float) -> None:
        """A click where no picture lies: the decoder's picture for that place, in the compare panel."""
        m = self.p.model
        if m is None or m.config.architecture != "bottleneck" or not len(self.p.images):
            return
        self.decoded_at = (x, y)
        self.p.selected = None
        self.v.gallery.setCurrentIndex(QModelIndex())  # so that clicking the same picture selects it again
        self.v.latent_view.select(None)
        self.v.latent_view.mark_decoded(x, y)
        self.p.submit(DecodePoint(x, y))

    def redecode(self) -> None:
        """While the model trains, the decoded place is drawn again by the newer decoder."""
        if self.decoded_at is not None and self.p.selected is None:
            self.p.submit(DecodePoint(*self.decoded_at))

    def forget(self) -> None:
        self.decoded_at = None
        self.v.latent_view.mark_decoded(None)

    def draw_decoded(self, d: Decoded) -> None:
        if self.decoded_at != (d.x, d.y) or self.p.selected is not None or d.prefix != self.p.prefix:
            return  # the person has moved on
        self.v.compare.show_decoded(d.picture)
        state = model_state_text(self.p.model_state())
        self.v.compare.set_caption(
            f"<b>Decoded from the latent plot</b> at ({d.x:.3g}, {d.y:.3g}): no picture has this code; "
            f"{html.escape(d.how)}.<br>{state[0].upper()}{state[1:]}")
