"""The latent plot linked to the rest of the window: hover cards, regions shown in the gallery,
and pictures decoded from places in the plot that no picture has."""

from __future__ import annotations

import html
import os

import numpy as np
from PySide6.QtCore import QModelIndex, QObject

from aeviewer.core.data import Split
from aeviewer.core.results import Decoded, ImageResults, Walked
from aeviewer.core.timeline import Timeline
from aeviewer.qt.captions import model_state_text, score_text
from aeviewer.qt.latent_maps import LatentMaps
from aeviewer.qt.messages import DecodePoint, WalkBetween


class LatentLinks(QObject):
    def __init__(self, presenter) -> None:
        super().__init__(presenter)
        self.p = presenter
        v = presenter.v
        self.v = v
        self.decoded_at: tuple[float, float] | None = None  # where the shown decoded picture is from
        self.timeline = Timeline()
        self.replaying: int | None = None  # the timeline frame on show (None: the live points)
        self._live: tuple[np.ndarray, np.ndarray] | None = None  # the latest points and flags
        v.latent_view.describe = self.describe
        v.latent_view.region_selected.connect(self.show_region)
        v.latent_view.empty_clicked.connect(self.decode_at)
        v.show_all.clicked.connect(lambda: self.show_region(None))
        v.latent_view.replay_moved.connect(self.replay)
        v.latent_view.walk_requested.connect(self.walk_to)
        self.maps = LatentMaps(self)
        v.gallery.walk_requested.connect(self.walk_to)

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
        if self.maps.shown is not None or self.replaying is not None:
            self.p.status.emit("Decoding a place needs the live PCA plot (a t-SNE or UMAP map, or an earlier "
                               "frame, has no way back to a code): choose PCA and Live.", 8000)
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

    # -- walking between two pictures ----------------------------------------------------------------
    def walk_to(self, end: int) -> None:
        """The Walk tab: from the selected picture to ``end``."""
        start, m = self.p.selected, self.p.model
        if start is None or start == end:
            self.p.status.emit("Select a picture first, then Alt-click another one to walk between them.", 8000)
            return
        if m is None or m.config.architecture != "bottleneck":
            self.p.status.emit("A U-Net has no code to walk along: choose the Bottleneck model.", 8000)
            return
        self.v.tabs.setCurrentWidget(self.v.walk)
        self.p.submit(WalkBetween(start, end))

    def draw_walk(self, w: Walked) -> None:
        if w.prefix != self.p.prefix or max(w.start, w.end) >= len(self.p.images):
            return
        names = [os.path.basename(self.p.images.paths[r]) or self.p.images.paths[r] for r in (w.start, w.end)]
        self.v.walk.show_walk(w.pictures, html.escape(names[0]), html.escape(names[1]))

    # -- the training replay ------------------------------------------------------------------------
    def show_results(self, results: ImageResults, flags: np.ndarray) -> None:
        """New points: recorded for the replay (one frame an epoch), and drawn unless a replay is on show."""
        lv = self.v.latent_view
        lv.set_values(self.p.images.labels, results.evaluation.scores, results.errors)
        self._live = (results.points, flags)
        step = self.p.last_step
        if step is not None:
            self.timeline.record(step.epoch, results.points, flags)
        if self.replaying is None and self.maps.shown is None:
            lv.set_axes(self.p.code_length, results.explained)
            lv.set_points(results.points, self.p.images.splits)
        if self.replaying is None:
            lv.set_flags(flags)
        self._show_timeline()
        self.redecode()

    def show_flags(self, flags: np.ndarray) -> None:
        """A moved threshold: the live points' flags (a replayed frame keeps its own)."""
        if self._live is not None:
            self._live = (self._live[0], flags)
        if self.replaying is None:
            self.v.latent_view.set_flags(flags)

    def map_shown(self) -> None:
        """A t-SNE or UMAP map replaces the live points (the replay's frames are PCA's)."""
        self.replaying = None
        self._show_timeline()

    def back_to_live(self) -> None:
        """PCA again: the latest points, live."""
        if self._live is not None and self.replaying is None:
            self.v.latent_view.set_points(self._live[0], self.p.images.splits)
            self.v.latent_view.set_flags(self._live[1])
            results = self.p.results
            self.v.latent_view.set_axes(self.p.code_length, results.explained if results is not None else None)

    def replay(self, index: int) -> None:
        if self.maps.shown is not None:
            self.v.latent_view.map_by.setCurrentIndex(0)  # the frames are PCA's: PCA, then the frame
        frames = len(self.timeline)
        if not frames or index >= frames - 1:
            self.replaying = None
            if self._live is not None:
                self.v.latent_view.set_points(self._live[0], self.p.images.splits)
                self.v.latent_view.set_flags(self._live[1])
        else:
            self.replaying = index
            frame = self.timeline.at(index)
            self.v.latent_view.set_points(frame.points, self.p.images.splits)
            self.v.latent_view.set_flags(frame.flags)
        self._show_timeline()

    def reset_timeline(self) -> None:
        """A new model or another code length: the old frames (and a map) are of other codes."""
        if self.maps.shown is not None or self.maps.busy:
            self.v.latent_view.map_by.setCurrentIndex(0)
        self.timeline.clear()
        self.replaying = None
        self._live = None
        self._show_timeline()

    def _show_timeline(self) -> None:
        frames = len(self.timeline)
        shown = frames - 1 if self.replaying is None else self.replaying
        if frames < 2:
            words = ""
        elif self.replaying is None:
            used, cap = self.timeline.nbytes / 2**20, self.timeline.cap_bytes // 2**20
            words = f"live · {frames} frames kept ({used:.1f} of {cap} MB)"
        else:
            last = self.timeline.at(frames - 1).epoch + 1
            words = f"epoch {self.timeline.at(shown).epoch + 1} of {last} (replay)"
        self.v.latent_view.show_timeline(frames, shown, words)
