"""Between the worker and the views: the latest results, the run state, and drawing.

Every result from the torch thread arrives at ``receive`` (on the GUI thread).
A result of a model that has since been replaced is dropped there, once, for
all views. Results that describe a state (a snapshot, scores, an inspection)
only replace the stored latest one; a ~30 Hz timer draws what is new, one group
of views per tick, so a burst of results never queues up paint work. Events
(a new model, new pictures, training started or ended, failures) are handled
as they come.

The threshold a person drags lives here: scores arrive evaluated at the
default rule, and ``Evaluation.with_threshold`` re-evaluates them at theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from aeviewer.core.config import ModelConfig
from aeviewer.core.data import ImageSet
from aeviewer.core.evaluation import Evaluation
from aeviewer.core.results import (
    Codes,
    CompressionReport,
    Decoded,
    ImageResults,
    Inspection,
    ModelReady,
    OutOfMemory,
    Snapshot,
    Step,
    TrainingEnd,
    TrainingStarted,
    Walked,
    as_shown,
)
from aeviewer.core.scoring import score_label
from aeviewer.qt.captions import ModelState, compare_caption, counts_text, gallery_title, latent_title
from aeviewer.qt.latent_links import LatentLinks
from aeviewer.qt.messages import (
    Exported,
    Failed,
    ImagesChanged,
    Inspect,
    MeasureCompression,
    Notice,
    Refused,
    RunFollowed,
    Saving,
    Scoring,
    SessionOpened,
    SessionSaved,
    SetPrefix,
    SetScoreKind,
    UseKept,
)
from aeviewer.qt.window_layout import Views
from aeviewer.qt.worker_reports import WorkerReports

DRAW_INTERVAL_MS = 33
COMPRESSION_REFRESH_MS = 3000
END_WORDS = {"done": "Training finished.", "stopped": "Training stopped.", "error": "Training failed."}
END_PHASES = {"done": "trained", "stopped": "stopped", "error": "failed"}


class Presenter(WorkerReports, QObject):
    problem = Signal(str, str, str)  # title, text, details
    status = Signal(str, int)  # message, milliseconds (0: until replaced)
    model_changed = Signal(object)  # ModelReady
    images_changed = Signal(object)  # ImagesChanged
    changed = Signal()  # what a session would save has changed (model, pictures, threshold, score)
    session_event = Signal(object)  # SessionOpened, SessionSaved
    run_followed = Signal(object)  # RunFollowed: a training run's checkpoint was opened
    out_of_memory = Signal(str)  # the device could not hold even one picture: offer the CPU

    def __init__(self, views: Views, submit: Callable[[Any], None], model_config: ModelConfig, parent=None) -> None:
        super().__init__(parent)
        self.v = views
        self.submit = submit
        self.model: ModelReady | None = None
        self.model_config = model_config
        self.images = ImageSet.empty(model_config.image_size, model_config.channels)
        self.phase = "untrained"
        self.last_step: Step | None = None
        self.results: ImageResults | None = None
        self.evaluation: Evaluation | None = None  # the results' evaluation at the threshold in use
        self.user_threshold: float | None = None
        self.prefix: int | None = None  # the ordered model's code length asked for (None: the whole code)
        self.inspection: Inspection | None = None
        self.selected: int | None = None
        self._pending: dict[str, Any] = {}
        self._turn = 0
        self._shown_note = ""
        self._events: dict[type, Callable[[Any], None]] = {
            ModelReady: self._model_ready,
            ImagesChanged: self._images_changed,
            Snapshot: self._snapshot,
            ImageResults: lambda r: self._pending.__setitem__("results", r),
            Inspection: self._inspection,
            TrainingStarted: self._training_started,
            TrainingEnd: self._training_ended,
            Failed: self._failed,
            Notice: lambda r: self.status.emit(r.text, 8000),
            Saving: self._saving,
            Scoring: self._scoring,
            SessionOpened: self._session_opened,
            RunFollowed: self._run_followed,
            SessionSaved: self.session_event.emit,
            Refused: self._refused,
            Exported: self._exported,
            CompressionReport: lambda r: self.v.compression.show_report(  # the ladder without the square's filling
                r, self.code_length, None if r.row is None or r.row >= len(self.images) else self.images.box(r.row)),
            Decoded: lambda d: self.links.draw_decoded(d),
            Walked: lambda w: self.links.draw_walk(w),
            Codes: lambda c: self.links.maps.codes_arrived(c),
            OutOfMemory: lambda o: self.out_of_memory.emit(o.text),
        }
        self.compression_timer = QTimer(self)  # while training, the Compression tab refreshes now and then
        self.compression_timer.setInterval(COMPRESSION_REFRESH_MS)
        self.compression_timer.timeout.connect(self.request_compression)
        views.tabs.currentChanged.connect(lambda _i: self.request_compression())
        views.anomalies.threshold_dragged.connect(self.set_threshold)
        views.anomalies.reset_requested.connect(lambda: self.set_threshold(None))
        views.anomalies.score_kind_chosen.connect(self.set_score_kind)
        views.gallery.image_selected.connect(self.select)
        views.latent_view.index_clicked.connect(self.select)
        self.links = LatentLinks(self)
        self.timer = QTimer(self)
        self.timer.setInterval(DRAW_INTERVAL_MS)
        self.timer.timeout.connect(self._draw)
        self.timer.start()
        self._update_titles()

    # -- run state ----------------------------------------------------------------------
    @property
    def drawn(self) -> bool:
        """Everything received has been drawn."""
        return not self._pending

    @property
    def training(self) -> bool:
        return self.phase == "training"

    @property
    def trained(self) -> bool:
        return self.phase == "trained"

    def model_state(self) -> ModelState:
        s, m = self.last_step, self.model
        return ModelState(
            self.model_config.latent_dim, self.model_config.architecture, self.phase,
            s.epoch if s is not None else None, s.epochs if s is not None else None, self.v.settings.paused,
            ", ".join(n.describe() for n in m.train_noise) if m is not None else "",
            self.model_config.ordered, self.code_length,
        )

    # -- from the worker ------------------------------------------------------------------
    @Slot(object)
    def receive(self, result: Any) -> None:
        """Every result from the torch thread comes here; a stale one goes no further."""
        model_id = getattr(result, "model_id", None)
        current = self.model.model_id if self.model is not None else None
        if model_id is not None and not isinstance(result, ModelReady) and model_id != current:
            return
        if isinstance(result, ImageResults | Inspection | CompressionReport) and result.prefix != self.prefix:
            return  # made at a code length the slider has since left
        self._events[type(result)](result)

    def _model_ready(self, m: ModelReady) -> None:
        if self.model is not None and m.model_id != self.model.model_id and self.inspection is not None:
            self._forget_inspection()
        self.model, self.model_config = m, m.config
        self.prefix = m.prefix
        self.phase, self.last_step, self.results, self.evaluation = ("trained" if m.trained else "untrained",
                                                                     None, None, None)
        self.user_threshold = None  # a new model scores on a new scale
        self._pending = {}
        self.v.loss_plot.clear_losses()
        self.links.reset_timeline()
        self.v.latent_view.set_axes(m.code_length)
        self.v.controls.show_model_code(m.config.ordered, m.config.latent_dim, m.kept_sizes)
        self.v.settings.offer_cuda(m.cuda_available)
        self.v.controls.set_input_values(m.config.input_values)
        self.v.compare.set_layout(m.layout)
        self.v.anomalies.set_model(m.denoising, m.config.method == "synthetic", m.score_kind, m.texture)
        self.v.gallery.gallery.score_name = score_label(m.score_kind, m.texture).lower()
        self.v.device_status.setText(f"device: {m.device}")
        self.model_changed.emit(m)
        self._update_titles()
        self.changed.emit()

    def _forget_inspection(self) -> None:
        """The picture on show was rebuilt by a model just replaced: never show it as the new one's."""
        self.inspection = None
        self.v.compare.clear()
        self.v.compare.set_caption("The new model's reconstruction appears in a moment…")
        if self.selected is not None:
            self.submit(Inspect(self.selected))

    def _images_changed(self, change: ImagesChanged) -> None:
        self.images = change.images
        if change.added is None:
            self.selected = None
            self.inspection = None
            self.v.compare.clear()
            self.v.latent_view.clear()
            self.links.show_region(None)  # a region of other pictures means nothing now
            self.v.gallery.gallery.set_images(change.images)
            first = 0
        else:
            self.v.gallery.gallery.append(change.images, change.added.start)
            first = change.added.start
        self._update_titles()
        if first < len(self.images):
            self.select(first)
        self.images_changed.emit(change)
        self.changed.emit()

    def _inspection(self, ins: Inspection) -> None:
        """The picture rebuilt at a code length the slider just moved to is drawn at once (the slider
        should feel instant); the rest wait for the draw timer like every other result."""
        if self.inspection is not None and ins.prefix != self.inspection.prefix and ins.index == self.selected:
            self._pending.pop("inspection", None)
            self._draw_inspection(ins)
        else:
            self._pending["inspection"] = ins

    def _snapshot(self, snap: Snapshot) -> None:
        self._pending["snapshot"] = snap
        if snap.results is not None and snap.results.prefix == self.prefix:
            self._pending["results"] = snap.results

    def _training_started(self, _started: TrainingStarted) -> None:
        self.phase = "training"
        self.compression_timer.start()
        self.v.settings.set_running(True)
        self.status.emit("Training…", 0)
        self._update_titles()

    def _training_ended(self, end: TrainingEnd) -> None:
        if end.reason == "cancelled":  # a run asked for did not begin (stopped first, or nothing to train on)
            self.v.settings.set_running(self.training)  # the buttons as they were
            return
        self.phase = END_PHASES[end.reason] if end.reason != "done" or end.trained else "stopped"
        self.compression_timer.stop()
        self.request_compression()
        self.v.settings.set_running(False)
        self.status.emit(END_WORDS[end.reason], 8000)
        self.v.controls.show_idle({"trained": "trained", "stopped": "stopped early"}.get(self.phase, "failed"))
        self._update_titles()
        self._redraw_caption()
        self.changed.emit()

    def _session_opened(self, opened: SessionOpened) -> None:
        """A session's model is trained (or not) as it was saved; its threshold and selection come back."""
        self.phase = "trained" if opened.trained else "untrained"
        words = "following a run" if opened.follow else f"opened: {'trained' if opened.trained else 'not trained yet'}"
        self.v.controls.show_idle(words, done=opened.trained and not opened.follow)
        self.set_threshold(opened.threshold)
        row = opened.view.get("selected")
        if isinstance(row, int):
            self.select(row)
        self._update_titles()
        self.session_event.emit(opened)

    def _run_followed(self, run: RunFollowed) -> None:
        """A training run's checkpoint: its loss curve so far, over the whole run's length."""
        self.v.loss_plot.set_losses(run.losses, round(len(run.losses) * run.epochs / max(run.epochs_done, 1)))
        self.run_followed.emit(run)

    # -- from the person ----------------------------------------------------------------------
    def select(self, row: int) -> None:
        if 0 <= row < len(self.images) and row != self.selected:
            self.links.forget()
            self.selected = row
            self.v.gallery.select_row(row)
            self.v.latent_view.select(row)
            self.submit(Inspect(row))
            self.request_compression()

    def request_compression(self) -> None:
        """Ask for the Compression tab's numbers, when it is the tab on show."""
        if self.model is not None and self.v.tabs.currentWidget() is self.v.compression:
            self.submit(MeasureCompression(self.selected))

    def set_code_length(self, k: int) -> bool:
        """An ordered model rebuilds from its first ``k`` numbers, at once (no retraining).
        False when the model is not ordered or has fewer numbers: only Train can change it then."""
        m = self.model
        if m is None or not m.config.ordered or not 1 <= k <= m.config.latent_dim:
            return False
        prefix = None if k >= m.config.latent_dim else k
        if prefix != self.prefix:
            self.prefix = prefix
            self.submit(SetPrefix(k))
            self.request_compression()
            self.v.latent_view.set_axes(k)
            self.links.reset_timeline()
            self._redraw_caption()
        return True

    def use_kept(self, k: int) -> bool:
        """A model trained at ``k`` that was kept: shown again at once (not while training)."""
        m = self.model
        if m is None or m.config.ordered or k not in m.kept_sizes or self.training:
            return False
        self.submit(UseKept(k))
        return True

    @property
    def code_length(self) -> int:
        return self.prefix or self.model_config.latent_dim

    def set_threshold(self, threshold: float | None) -> None:
        """A dragged threshold (None: back to the default rule)."""
        self.user_threshold = threshold
        self.changed.emit()
        if self.results is not None:
            self._show_evaluation(self.results.evaluation if threshold is None
                                  else self.results.evaluation.with_threshold(threshold))

    def set_score_kind(self, kind: str) -> None:
        self.user_threshold = None  # a threshold in the old score's units means nothing now
        surface = self.model is not None and self.model.texture
        self.v.gallery.gallery.score_name = score_label(kind, surface).lower()
        self.submit(SetScoreKind(kind))
        self.changed.emit()

    # -- drawing -----------------------------------------------------------------------------
    def _draw(self) -> None:
        """Draw what is new, one group of views per tick: each tick stays short."""
        self._turn = (self._turn + 1) % 3
        if self._turn == 0 and (snap := self._pending.pop("snapshot", None)) is not None:
            self._draw_progress(snap)
        elif self._turn == 1 and (results := self._pending.pop("results", None)) is not None:
            self.results = results
            ev = results.evaluation
            self._show_evaluation(ev if self.user_threshold is None else ev.with_threshold(self.user_threshold))
            self.links.show_results(results, self.evaluation.flags if self.evaluation is not None else ev.flags)
            self.v.compare.set_heat_scale(results.heat_scale)
        elif self._turn == 2 and (ins := self._pending.pop("inspection", None)) is not None:
            self._draw_inspection(ins)

    def _draw_inspection(self, ins: Inspection) -> None:
        if ins.index != self.selected or ins.index >= len(self.images):
            return  # the person has moved on
        ins, mask = as_shown(ins, self.images)
        self.inspection = ins
        self.v.compare.set_layout(ins.layout(self.v.compare.layout_kind))
        self.v.compare.show_images(ins.index, ins.input, ins.recon, ins.difference, ins.clean, ins.learned,
                                   ins.texture_map)
        self.v.compare.show_mask(mask)
        self._redraw_caption()

    def _draw_progress(self, snap: Snapshot) -> None:
        s = self.last_step = snap.step
        self.v.loss_plot.set_losses(snap.losses, s.epochs * s.batches_per_epoch)
        if s.note and s.note != self._shown_note:
            self._shown_note = s.note
            self.status.emit(s.note, 15000)
        self.v.controls.show_progress(s.epoch, s.epochs, s.fraction_done, s.images_per_second, s.seconds_left)
        self._update_titles()

    def _show_evaluation(self, ev: Evaluation) -> None:
        self.evaluation = ev
        self.v.anomalies.show_evaluation(ev)
        self.v.gallery.gallery.set_errors(ev.scores, ev.flags)
        self.links.show_flags(ev.flags)
        self._redraw_caption()

    def _redraw_caption(self) -> None:
        ins = self.inspection
        if ins is None or ins.index != self.selected or ins.index >= len(self.images):
            return
        self.v.compare.set_caption(compare_caption(self.images, ins, self.model_state(), self.model_config.image_size,
                                                   self.evaluation, self.model.score_kind if self.model else ""))

    def _update_titles(self) -> None:
        self.v.latent_title.setText(latent_title(self.model_state(), self.links.maps.title_words()))
        self.v.gallery_title.setText(gallery_title(len(self.images)))
        self.v.counts_label.setText(counts_text(self.images))

    def view_state(self) -> dict:
        """What a saved session remembers of the view."""
        return {"selected": self.selected, "threshold": self.user_threshold}

    def threshold_in_use(self) -> float:
        """The threshold the flags are drawn at (the dragged one, or the default rule's)."""
        if self.user_threshold is not None:
            return self.user_threshold
        return self.evaluation.threshold if self.evaluation is not None else float("inf")

    def redraw_titles(self) -> None:
        """After a pause or resume: the titles say so."""
        self._update_titles()
        self._redraw_caption()
