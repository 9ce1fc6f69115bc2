"""The guided first run: three chapters that drive the real window while the demo model trains.

On the first launch (remembered in the app's settings) and from Help > Tour, a card
floats over the latent plot and outlines the widgets it talks about. Each chapter
puts the window where it needs it (a model, a tab, a sort order, a selection) and
then waits, saying for what, until the model shows what the chapter claims
(``core.tour_script``). The person can take over at any moment: a click or a key
anywhere outside the card stops the tour, and it touches nothing after that.

What the tour changes is not the person's work: it trains with ``window.retrain``
(not the Train button's path) and moves the slider quietly, so the demo stays
"pristine" and closing asks nothing.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from aeviewer.core import tour_script as script
from aeviewer.core.data import Split
from aeviewer.core.demos import is_demo
from aeviewer.core.noise_kinds import NoiseSpec
from aeviewer.qt.tour_panel import Highlighter, TourCard

SEEN_KEY = "tour/seen"
TICK_MS = 300  # how often a waiting chapter looks again
SLIDE_MS = 1100  # one code size to the next while chapter 1 plays the slider
REPORT_EVERY = 3  # ticks between Compression tab refreshes while chapter 1 waits on them
REST_SIZE = 16  # where the slider rests outside chapter 1
TOUR_NOISE = NoiseSpec.parse("gaussian:0.1-0.5")
TAKE_OVER_EVENTS = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick, QEvent.Type.KeyPress,
                    QEvent.Type.Drop)


class Tour(QObject):
    ended = Signal(str)  # "finished", "skipped", "taken over"

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.card = TourCard(window)
        self.card.hide()
        self.highlighter = Highlighter(window)
        self.highlighter.hide()
        self.card.next_clicked.connect(self.next)
        self.card.back_clicked.connect(self.back)
        self.card.skip_clicked.connect(lambda: self.stop("skipped"))
        self.chapter = 0
        self.active = False
        self.status = script.Status(False)
        self._ready_once = False
        self._sizes: list[int] = []
        self._ticks = 0
        self._settled_once = False
        self._ticker = QTimer(self)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self._tick)
        self._slider = QTimer(self)
        self._slider.setInterval(SLIDE_MS)
        self._slider.timeout.connect(self._slide)

    # -- starting and stopping --------------------------------------------------------------
    @staticmethod
    def first_run(settings) -> bool:
        return not bool(settings.value(SEEN_KEY, False, type=bool))

    def start(self) -> None:
        """From chapter 1 (the first launch, or Help > Tour). On pictures of the person's own the
        tour needs the demo back, and asks before replacing unsaved work."""
        if self.w.images is not None and len(self.w.images) and not is_demo(self.w.images) and not self.w.loading:
            if self.w.keeper.modified and QMessageBox.question(
                    self.w, "Tour", "The tour plays on the banana demo. Open the demo in place of your "
                    "pictures? Unsaved changes will be lost.") != QMessageBox.StandardButton.Yes:
                return
            self.w.load_demo()
        self.w.keeper.settings.setValue(SEEN_KEY, True)
        self.active = True
        QApplication.instance().installEventFilter(self)
        self.card.show()
        self.highlighter.show()
        self._ticker.start()
        self._enter(0)

    def stop(self, why: str) -> None:
        if not self.active:
            return
        self.active = False
        QApplication.instance().removeEventFilter(self)
        self._ticker.stop()
        self._slider.stop()
        self.card.hide()
        self.highlighter.hide()
        self.w.statusBar().showMessage(
            {"taken over": "The tour stopped: the window is yours. Help > Tour plays it again."}.get(
                why, "Help > Tour plays the tour again."), 10000)
        self.ended.emit(why)

    def eventFilter(self, obj, event) -> bool:
        """A click or key of the person's own, outside the card, hands the window back to them."""
        if self.active and event.type() in TAKE_OVER_EVENTS and isinstance(obj, QWidget):
            inside_card = obj is self.card or self.card.isAncestorOf(obj)
            if not inside_card and obj.window() is self.w:
                self.stop("taken over")
        return False

    # -- moving between chapters --------------------------------------------------------------
    def next(self) -> None:
        if self.chapter + 1 >= len(script.CHAPTERS):
            self.stop("finished")
        else:
            self._enter(self.chapter + 1)

    def back(self) -> None:
        if self.chapter > 0:
            self._enter(self.chapter - 1)

    @property
    def key(self) -> str:
        return script.CHAPTERS[self.chapter]

    def _enter(self, chapter: int) -> None:
        self._slider.stop()
        self.chapter = chapter
        self._ready_once = self._settled_once = False
        v = self.w.views
        if self.key == "denoising":
            self._denoiser()
            v.tabs.setCurrentWidget(v.loss_plot)
            v.sort_order.setCurrentIndex(0)  # anomaly scores mean little for a denoiser
            v.settings_scroll.ensureWidgetVisible(v.task)
            targets = [v.compare, v.task, v.controls.train_box]
        else:
            self._reconstructor()
            self._rest_slider()
            if self.key == "compression":
                v.tabs.setCurrentWidget(v.compression)
                v.settings_scroll.ensureWidgetVisible(v.controls.model_box)
                targets = [v.controls.model_box, v.compare, v.tabs]
            else:
                v.tabs.setCurrentWidget(v.anomalies)
                v.sort_order.setCurrentIndex(1)
                targets = [v.gallery, v.compare, v.tabs]
        self.highlighter.point_at(targets)
        self._tick()

    # -- putting the window where a chapter needs it -------------------------------------------
    def _reconstructor(self) -> None:
        """The demo and one ordered model (so the slider needs no retraining): trains one if needed."""
        s = self.w.views.settings
        s.controls.set_ordered(True)
        self.w.set_task(None, "bottleneck")
        s.task.set_method("reconstruct")
        m = self.w.presenter.model
        fits = m is not None and m.config.ordered and m.config.method == "reconstruct" and not m.denoising
        if not self.w.loading and not fits and is_demo(self.w.images):
            self.w.retrain()  # the demo, if it is still arriving, trains with these settings by itself

    def _denoiser(self) -> None:
        """A U-Net trained to remove Gaussian noise, shown on a ripe held-back banana."""
        m = self.w.presenter.model
        self.w.set_task(TOUR_NOISE, "skip")
        if m is None or not m.denoising:
            self.w.retrain()
        images = self.w.images
        ripe = [int(r) for r in images.indices(Split.TEST) if images.labels[r] == 0]
        if ripe:
            self.w.select(ripe[0])

    def _clearest_ripe(self) -> int | None:
        """A held-back ripe banana that stands out from its background (a pale banana on a pale table
        looks the same at every code size) among those the model rebuilds better than most."""
        p = self.w.presenter
        images = p.images
        ripe = np.array([int(r) for r in images.indices(Split.TEST) if images.labels[r] == 0], np.int64)
        if p.results is None or not len(ripe) or len(p.results.errors) != len(images):
            return None
        errors = p.results.errors[ripe]
        if not np.isfinite(errors).any():
            return None
        good = ripe[errors <= np.nanmedian(errors)]
        contrast = images.images[good].reshape(len(good), -1).std(axis=1)
        return int(good[int(np.argmax(contrast))])

    def _rest_slider(self) -> None:
        self._set_code_length(REST_SIZE)

    def _set_code_length(self, k: int) -> None:
        self.w.views.controls.set_latent_dim(k)  # quietly: the slider signal would count as the person's work
        self.w.presenter.set_code_length(k)

    def _slide(self) -> None:
        if not self._sizes:
            return
        current = self.w.views.controls.latent_dim()
        later = [k for k in self._sizes if k > current]
        self._set_code_length(later[0] if later else self._sizes[0])

    # -- watching ---------------------------------------------------------------------------------
    def _progress(self) -> script.Progress:
        p = self.w.presenter
        step = p.last_step
        if step is None:
            return script.Progress(p.phase)
        return script.Progress(p.phase, step.epoch + (step.batch + 1) / max(step.batches_per_epoch, 1), step.epochs)

    def current_status(self) -> script.Status:
        p = self.w.presenter
        m = p.model
        progress = self._progress()
        if self.key == "compression":
            report = self.w.views.compression.report
            fresh = report is not None and m is not None and report.model_id == m.model_id
            curve = [(pt.setting, pt.psnr) for pt in report.model_points] if fresh else []
            ordered = m is not None and m.config.ordered and not m.denoising
            size = m.config.latent_dim if m is not None else 0
            values = m.config.input_values if m is not None else 0
            return script.compression(ordered, values, size, progress, curve)
        if self.key == "anomalies":
            ev = p.evaluation if m is not None and not m.denoising else None
            return script.anomalies(ev, progress)
        ins = p.inspection
        q = ins.quality if ins is not None and ins.denoising and m is not None and ins.model_id == m.model_id else None
        return script.denoising(m is not None and m.denoising, q["noisy_psnr"] if q else None,
                                q["psnr"] if q else None, progress)

    def _tick(self) -> None:
        if not self.active:
            return
        self._ticks += 1
        if self.key == "compression" and not self._settled_once and self._ticks % REPORT_EVERY == 0:
            self.w.presenter.request_compression()  # sooner than the tab's own refresh: the chapter waits on it
        status = self.current_status()
        if status.ready and not self._ready_once:
            self._ready_once = True
            self._on_ready()
        if status.ready and not status.settling and not self._settled_once:
            self._settled_once = True
            self._on_settled()
        if (self._settled_once and status.settling) or (self._ready_once and not status.ready):
            status = self.status  # once shown, a chapter stays (training wobbles; it does not unlearn)
        self.status = status
        self.card.show_chapter(self.chapter + 1, len(script.CHAPTERS), script.TITLES[self.key],
                               status.text, status.note)
        self.card.place_over(self.w.views.latent_view)
        self.highlighter.follow()
        self.card.raise_()

    def _on_ready(self) -> None:
        if self.key == "anomalies":
            row = script.rotten_to_show(self.w.presenter.evaluation)
            if row is not None:
                self.w.select(row)

    def _on_settled(self) -> None:
        if self.key == "compression":
            m = self.w.presenter.model
            top = m.config.latent_dim if m is not None else REST_SIZE
            self._sizes = [k for k in (1, 2, 4, 8, 16, 32, 64, 128) if k < top] + [top]
            row = self._clearest_ripe()
            if row is not None:
                self.w.select(row)
            self._set_code_length(self._sizes[0])
            self._slider.start()
