"""The one thread that owns the model and makes every torch call.

The GUI talks to it through a thread-safe queue of typed commands
(``qt.messages``) and listens to one signal of typed results; it never
touches the model itself. While training, the worker serves
commands between batches (inspecting an image, adding dropped ones), so the
views stay live. Pause and stop are ``threading.Event``s, which work even
while the training loop keeps this thread's event loop busy.

Wiring is the standard one: a QObject moved to a QThread, ``started`` runs the
loop, the loop's end quits the thread. ``WorkerThread.shutdown`` stops training,
ends the loop and waits for the thread, so the window can always close cleanly.
"""

from __future__ import annotations

import gc
import os
import queue
import threading
import time
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from aeviewer.core.results import (
    DeviceMemoryError,
    Interrupted,
    ModelReady,
    OutOfMemory,
    TrainingEnd,
    TrainingStarted,
)
from aeviewer.qt.messages import (
    AddImages,
    Command,
    DecodePoint,
    ExportModel,
    Failed,
    Inspect,
    MeasureCompression,
    Notice,
    OpenSession,
    Retrain,
    SaveDenoised,
    SaveSession,
    SendCodes,
    SetImages,
    SetPrefix,
    SetScoreKind,
    SetTestNoise,
    ShowPage,
    Shutdown,
    UseKept,
    WalkBetween,
)
from aeviewer.qt.worker_bottleneck import BottleneckCommands
from aeviewer.qt.worker_files import FileCommands
from aeviewer.qt.worker_latent import LatentCommands
from aeviewer.qt.worker_pictures import PictureCommands
from aeviewer.qt.worker_reports import ScoringRelay
from aeviewer.qt.worker_warnings import pass_warnings_on, stop_passing_warnings

FOCUS_REFRESH_SECONDS = 0.2
FOCUS_BUDGET = 0.02  # share of training time the selected image's refresh may take (a big picture in tiles)


def default_torch_threads() -> int:
    """Leave one core to the GUI: with every core busy in torch the window stutters."""
    return max(1, (os.cpu_count() or 2) - 1)


_live_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


def running_threads() -> list[QThread]:
    """Worker threads still running (tests use this to catch leaks)."""
    return [t for t in list(_live_threads) if t.isRunning()]


class TorchWorker(BottleneckCommands, FileCommands, LatentCommands, PictureCommands, QObject):
    """Lives in the worker thread. Methods without @Slot are called from the GUI thread."""

    result = Signal(object)  # core.results.* or qt.messages.* results, in the order they happened
    stopped = Signal()  # the loop has ended; the thread may quit

    def __init__(self, model_config: Any = None, device: str = "auto", torch_threads: int | None = None) -> None:
        super().__init__()
        self._initial = (model_config, device)
        self.torch_threads = torch_threads or default_torch_threads()
        self._queue: queue.Queue[Command] = queue.Queue()
        self._deferred: deque[Command] = deque()
        self._control: Any = None
        self._focus: int | None = None
        self._rescore_at: float | None = None  # when every picture is scored again at a new code length
        self._closing = threading.Event()
        # Retrains asked for (GUI thread), stopped before they ran (GUI thread), and taken (worker thread).
        self._retrains_asked = self._retrains_stopped = self._retrains_done = 0
        self._engine: Any = None
        self._handlers: dict[type, Callable[[Any], None]] = {
            SetImages: self._set_images,
            ShowPage: self._show_page,
            AddImages: self._add_images,
            Retrain: self._retrain,
            Inspect: self._inspect,
            SetScoreKind: self._set_score_kind,
            SetTestNoise: self._set_test_noise,
            SaveDenoised: self._save_denoised,
            SaveSession: self._save_session,
            OpenSession: self._open_session,
            ExportModel: self._export_model,
            SetPrefix: self._set_prefix,
            MeasureCompression: self._measure_compression,
            UseKept: self._use_kept,
            DecodePoint: self._decode_point,
            WalkBetween: self._walk,
            SendCodes: self._send_codes,
        }

    # -- called from the GUI thread (thread-safe) -------------------------------
    def submit(self, command: Command) -> None:
        if not isinstance(command, Command):
            raise TypeError(f"not a worker command: {command!r}")
        if isinstance(command, Retrain):
            self._retrains_asked += 1
        self._queue.put(command)

    def pause(self) -> None:
        if self._control is not None:
            self._control.pause()

    def resume(self) -> None:
        if self._control is not None:
            self._control.resume()

    def stop_training(self) -> None:
        """Stop the run, and the runs asked for before this (Train then Stop, fast: nothing trains)."""
        self._retrains_stopped = self._retrains_asked
        if self._control is not None:
            self._control.stop()

    def request_shutdown(self) -> None:
        self._closing.set()  # long work (scoring 100,000 pictures) gives up between two chunks
        self.stop_training()
        self.submit(Shutdown())

    @property
    def paused(self) -> bool:
        return self._control is not None and self._control.paused

    # -- the loop (worker thread) -----------------------------------------------
    @Slot()
    def run(self) -> None:
        try:
            import torch

            from aeviewer.core.engine import Engine  # torch loads here, off the GUI thread

            torch.set_num_threads(self.torch_threads)
            self._warnings = pass_warnings_on(lambda text: self.result.emit(Notice(text)))

            config, device = self._initial
            try:
                self._engine = Engine(config, device)
            except ValueError:  # e.g. CUDA asked for but absent: fall back, say so
                self.result.emit(Failed("choosing the device", traceback.format_exc()))
                self._engine = Engine(config, "cpu")
            self._engine.interrupted = self._closing.is_set
            self._engine.scoring = ScoringRelay(self.result.emit)  # a long pass's progress (an opened session)
            self._engine.beside = self._serve_beside_pass
            self._announce()
            # torch's import leaves ~a million long-lived objects; freezing them keeps
            # full garbage collections (which hold the GIL) from stalling the GUI.
            gc.freeze()
            while True:
                if self._deferred:
                    cmd = self._deferred.popleft()
                else:
                    try:
                        cmd = self._queue.get(timeout=self._until_rescore())
                    except queue.Empty:
                        self._rescore_if_due()
                        continue
                if isinstance(cmd, Shutdown):
                    break
                self._handle(cmd)
        except Exception:  # a bug in the loop itself: report, then end cleanly
            self.result.emit(Failed("running the worker", traceback.format_exc()))
        finally:
            stop_passing_warnings(getattr(self, "_warnings", None))
            self.stopped.emit()

    def _announce(self) -> None:
        import torch

        from aeviewer.core.inference import fitted_texture

        e = self._engine
        texture = hasattr(e.model, "texture") and e.model_config.patches and (
            not e.trained or fitted_texture(e.model) is not None)
        self.result.emit(ModelReady(e.model_id, e.model_config, str(e.device), torch.cuda.is_available(),
                                    e.train_noise, e.score_kind, e.prefix, e.trained, e.kept_sizes, texture))

    def _handle(self, cmd: Command) -> None:
        if self._closing.is_set() and not isinstance(cmd, SaveSession):
            return  # closing: nothing but a save is worth waiting for
        try:
            self._handlers[type(cmd)](cmd)
        except Interrupted:
            return
        except Exception:
            self.result.emit(Failed(cmd.doing, traceback.format_exc()))

    def _serve_between_batches(self) -> None:
        """Handle what can run beside training; defer the rest and stop the run."""
        for cmd in self._waiting():
            if cmd.exclusive:
                self._deferred.append(cmd)
                if self._control is not None:
                    self._control.stop()
            else:
                self._handle(cmd)

    def _serve_beside_pass(self) -> None:
        """Between two pictures of a scoring pass (minutes, for a session of many large pictures): inspect
        the picture a person clicked now, the rest after the pass, in order (training serves its own)."""
        if self._control is None:
            for cmd in self._waiting():
                if isinstance(cmd, Inspect):
                    self._handle(cmd)
                else:
                    self._deferred.append(cmd)

    def _waiting(self) -> Iterator[Command]:
        """The commands queued now, in order, taken off the queue."""
        while True:
            try:
                yield self._queue.get_nowait()
            except queue.Empty:
                return

    # -- commands -----------------------------------------------------------------
    def _set_score_kind(self, cmd: SetScoreKind) -> None:
        self.result.emit(self._engine.set_score_kind(cmd.kind))

    def _set_test_noise(self, cmd: SetTestNoise) -> None:
        self._engine.test_noise = cmd.noise
        self._refresh_focus()

    def _inspect(self, cmd: Inspect) -> None:
        self._focus = cmd.row
        self.result.emit(self._engine.inspect(cmd.row))

    def _retrain(self, cmd: Retrain) -> None:
        """A fresh model, straight into training: its first snapshots replace a separate evaluation."""
        from aeviewer.core.data import Split

        engine = self._engine
        self._retrains_done += 1
        if self._retrains_done <= self._retrains_stopped:  # Stop was pressed after this was asked for
            self.result.emit(TrainingEnd(engine.model_id, "cancelled", engine.trained))
            return
        if not len(engine.images.indices(Split.TRAIN)):
            self._refuse("There are no training images: open some pictures or reload the demo (File menu).")
            return
        try:  # before anything changes
            engine.prepare_full_resolution(cmd.model or engine.model_config)
        except ValueError as exc:
            self._refuse(str(exc))
            return
        engine.rebuild(cmd.model, cmd.device, train_noise=cmd.train.denoise)
        if engine.model_config.ordered:
            engine.set_prefix(cmd.prefix)
        self._announce()
        self._train(cmd.train)

    def _refuse(self, why: str) -> None:
        """Say why a run cannot start; the buttons go back to where they were."""
        engine = self._engine
        self.result.emit(Notice(why))
        self.result.emit(TrainingEnd(engine.model_id, "cancelled", engine.trained))

    def _refresh_focus(self) -> None:
        if self._focus is not None and 0 <= self._focus < len(self._engine.images):
            self.result.emit(self._engine.inspect(self._focus))

    def _train(self, train_config: Any) -> None:
        from aeviewer.core.pacing import Budget, Pacer
        from aeviewer.core.training import RunControl

        engine = self._engine
        model_id = engine.model_id
        self._control = control = RunControl()
        focus_pacer, focus_budget = Pacer(FOCUS_REFRESH_SECONDS), Budget(FOCUS_BUDGET)
        reason = "error"
        stream = None
        try:
            self.result.emit(TrainingStarted(model_id))
            if engine.stream_paths:  # a folder larger than memory: its files decoded batch by batch
                from aeviewer.core.streaming import PictureFiles, PictureStream

                c = engine.model_config
                stream = PictureStream(PictureFiles(list(engine.stream_paths), c.image_size, c.channels),
                                       train_config.batch_size, seed=train_config.seed, device=engine.device,
                                       start="spawn")  # a process with a GUI is not forked
            run = engine.train(train_config, control, stream=stream)
            for snap in run:
                self._serve_between_batches()
                self._rescore_if_due()
                while control.paused and not control.stop_requested:
                    control.wait_while_paused(0.05)
                    self._serve_between_batches()
                if control.stop_requested and self._deferred:
                    run.close()  # superseded (new size, new data): skip the final evaluation
                    break
                if snap is not None:
                    self.result.emit(snap)
                    if focus_budget.due() and focus_pacer.due():
                        t0 = time.perf_counter()
                        self._refresh_focus()
                        focus_budget.spent(time.perf_counter() - t0)
            reason = "stopped" if control.stop_requested else "done"
        except Interrupted:  # the window is closing
            reason = "stopped"
        except DeviceMemoryError as exc:  # even one picture a batch did not fit: the window offers the CPU
            self.result.emit(OutOfMemory(model_id, str(exc)))
        except Exception:
            self.result.emit(Failed("training", traceback.format_exc()))
        finally:
            if stream is not None:
                stream.close()
            self._control = None
            self._refresh_focus_safely()
            self.result.emit(TrainingEnd(model_id, reason, engine.trained))

    def _refresh_focus_safely(self) -> None:
        try:
            self._refresh_focus()
        except Exception:
            self.result.emit(Failed("inspecting the image", traceback.format_exc()))


class WorkerThread:
    """Owns the QThread and the worker; start once, shut down once."""

    def __init__(self, model_config: Any = None, device: str = "auto", torch_threads: int | None = None) -> None:
        self.thread = QThread()
        self.thread.setObjectName("aeviewer-torch")
        self.worker = TorchWorker(model_config, device, torch_threads)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        # Direct: quit() is thread-safe, and the GUI thread may be blocked in wait().
        self.worker.stopped.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)

    def start(self) -> None:
        _live_threads.add(self.thread)
        self.thread.start()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop training, end the loop, wait for the thread. True if it ended in time."""
        if not self.thread.isRunning():
            return True
        self.worker.request_shutdown()
        if self.thread.wait(timeout_ms):
            return True
        # A single batch should never take this long; as a last resort do not let
        # Qt destroy a running thread (that aborts the process).
        self.thread.terminate()
        return self.thread.wait(2000)
