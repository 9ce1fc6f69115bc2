"""The one thread that owns the model and makes every torch call.

The GUI talks to it through a thread-safe command queue and listens to its
signals; it never touches the model itself. While training, the worker serves
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
import time
import traceback
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

# Commands that end a training run (they need the model to themselves).
_EXCLUSIVE = frozenset({"train", "retrain", "rebuild", "set_images", "shutdown"})
FOCUS_REFRESH_SECONDS = 0.2
FOCUS_BUDGET = 0.1  # share of training time the selected image's refresh may take (a big picture in tiles)


def default_torch_threads() -> int:
    """Leave one core to the GUI: with every core busy in torch the window stutters."""
    return max(1, (os.cpu_count() or 2) - 1)

_live_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


def running_threads() -> list[QThread]:
    """Worker threads still running (tests use this to catch leaks)."""
    return [t for t in list(_live_threads) if t.isRunning()]


@dataclass(frozen=True)
class TrainingEnd:
    model_id: int
    reason: str  # "done", "stopped" or "error"
    trained: bool


@dataclass
class _Command:
    name: str
    args: tuple[Any, ...] = field(default_factory=tuple)


class TorchWorker(QObject):
    """Lives in the worker thread. Methods without @Slot are called from the GUI thread."""

    ready = Signal(object)  # ModelInfo-like dict: model_id, config, device
    snapshot = Signal(object)  # core.engine.Snapshot
    evaluated = Signal(object)  # core.engine.Evaluation
    inspected = Signal(object)  # core.inference.Inspection
    training_started = Signal(int)  # model_id
    training_finished = Signal(object)  # TrainingEnd
    pixels_measured = Signal(int, float)  # model id, pixel-level AUROC
    saved = Signal(str)  # a denoised picture was written here
    saving = Signal(int, int)  # tiles cleaned so far, tiles in all
    failed = Signal(str, str)  # what was being done, traceback text
    stopped = Signal()  # the loop has ended; the thread may quit

    def __init__(self, model_config: Any = None, device: str = "auto", torch_threads: int | None = None) -> None:
        super().__init__()
        self._initial = (model_config, device)
        self.torch_threads = torch_threads or default_torch_threads()
        self._queue: queue.Queue[_Command] = queue.Queue()
        self._deferred: deque[_Command] = deque()
        self._control: Any = None
        self._focus: int | None = None
        self._engine: Any = None

    # -- called from the GUI thread (thread-safe) -------------------------------
    def submit(self, name: str, *args: Any) -> None:
        self._queue.put(_Command(name, args))

    def pause(self) -> None:
        if self._control is not None:
            self._control.pause()

    def resume(self) -> None:
        if self._control is not None:
            self._control.resume()

    def stop_training(self) -> None:
        if self._control is not None:
            self._control.stop()

    def request_shutdown(self) -> None:
        self.stop_training()
        self.submit("shutdown")

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

            config, device = self._initial
            try:
                self._engine = Engine(config, device)
            except ValueError:  # e.g. CUDA asked for but absent: fall back, say so
                self.failed.emit("choosing the device", traceback.format_exc())
                self._engine = Engine(config, "cpu")
            self._announce()
            # torch's import leaves ~a million long-lived objects; freezing them keeps
            # full garbage collections (which hold the GIL) from stalling the GUI.
            gc.freeze()
            while True:
                cmd = self._deferred.popleft() if self._deferred else self._queue.get()
                if cmd.name == "shutdown":
                    break
                self._handle(cmd)
        except Exception:  # a bug in the loop itself: report, then end cleanly
            self.failed.emit("running the worker", traceback.format_exc())
        finally:
            self.stopped.emit()

    def _announce(self) -> None:
        import torch

        e = self._engine
        self.ready.emit(
            {
                "model_id": e.model_id,
                "config": e.model_config,
                "device": str(e.device),
                "cuda_available": torch.cuda.is_available(),
                "train_noise": e.train_noise,
            }
        )

    def _handle(self, cmd: _Command) -> None:
        try:
            getattr(self, f"_do_{cmd.name}")(*cmd.args)
        except Exception:
            self.failed.emit(cmd.name.replace("_", " "), traceback.format_exc())

    def _serve_between_batches(self) -> None:
        """Handle what can run beside training; defer the rest and stop the run."""
        while True:
            try:
                cmd = self._queue.get_nowait()
            except queue.Empty:
                return
            if cmd.name in _EXCLUSIVE:
                self._deferred.append(cmd)
                if self._control is not None:
                    self._control.stop()
            else:
                self._handle(cmd)

    # -- commands -----------------------------------------------------------------
    def _do_set_images(self, images: Any, splits: Any) -> None:
        self._engine.set_images(images, splits)
        self.evaluated.emit(self._engine.evaluate())

    def _do_add_images(self, images: Any, splits: Any, sources: Any = None) -> None:
        rows = self._engine.add_images(images, splits, sources)
        self.evaluated.emit(self._engine.refresh(rows, final=self._control is None))

    def _do_measure_pixels(self, labels: Any, masks: Any, rows: Any) -> None:
        from aeviewer.core.inference import pixel_auroc

        e = self._engine
        value = pixel_auroc(e.model, e.images, labels, masks, rows, e.device)
        if value is not None:
            self.pixels_measured.emit(e.model_id, value)

    def _do_set_score_kind(self, kind: str) -> None:
        self.evaluated.emit(self._engine.set_score_kind(kind))

    def _do_set_test_noise(self, spec: Any) -> None:
        self._engine.test_noise = spec
        self._refresh_focus()

    def _do_save_denoised(self, index: int, path: str) -> None:
        from aeviewer.core.data import save_picture

        result = self._engine.denoise(index, progress=self.saving.emit)  # full size, in tiles
        self.saved.emit(str(save_picture(path, result.output)))

    def _do_inspect(self, index: int) -> None:
        self._focus = index
        if 0 <= index < len(self._engine.images):
            self.inspected.emit(self._engine.inspect(index))

    def _do_rebuild(self, model_config: Any = None, device: str | None = None) -> None:
        self._engine.rebuild(model_config, device)
        self._announce()
        if len(self._engine.images):
            self.evaluated.emit(self._engine.evaluate())
            self._refresh_focus()

    def _do_retrain(self, train_config: Any, model_config: Any = None, device: str | None = None) -> None:
        """A fresh model, straight into training: its first snapshots replace a separate evaluation."""
        self._engine.rebuild(model_config, device, train_noise=train_config.denoise)
        self._announce()
        self._do_train(train_config)

    def _refresh_focus(self) -> None:
        if self._focus is not None and 0 <= self._focus < len(self._engine.images):
            self.inspected.emit(self._engine.inspect(self._focus))

    def _do_train(self, train_config: Any) -> None:
        from aeviewer.core.engine import Budget, Pacer
        from aeviewer.core.training import RunControl

        engine = self._engine
        model_id = engine.model_id
        self._control = control = RunControl()
        focus_pacer, focus_budget = Pacer(FOCUS_REFRESH_SECONDS), Budget(FOCUS_BUDGET)
        reason = "error"
        try:
            self.training_started.emit(model_id)
            run = engine.train(train_config, control)
            for snap in run:
                self._serve_between_batches()
                while control.paused and not control.stop_requested:
                    control.wait_while_paused(0.05)
                    self._serve_between_batches()
                if control.stop_requested and self._deferred:
                    run.close()  # superseded (new size, new data): skip the final evaluation
                    break
                if snap is not None:
                    self.snapshot.emit(snap)
                    if focus_budget.due() and focus_pacer.due():
                        t0 = time.perf_counter()
                        self._refresh_focus()
                        focus_budget.spent(time.perf_counter() - t0)
            reason = "stopped" if control.stop_requested else "done"
        except Exception:
            self.failed.emit("training", traceback.format_exc())
        finally:
            self._control = None
            self._refresh_focus_safely()
            self.training_finished.emit(TrainingEnd(model_id, reason, engine.trained))

    def _refresh_focus_safely(self) -> None:
        try:
            self._refresh_focus()
        except Exception:
            self.failed.emit("inspecting the image", traceback.format_exc())


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
