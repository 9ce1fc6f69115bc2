"""The worker's commands that read and write files: sessions (save, open), exported models, and
denoised pictures.

A mixin of ``qt.worker.TorchWorker``: they run on the worker thread, use its
engine and report on its ``result`` signal like every other command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from aeviewer.qt.messages import (
    Exported,
    ExportModel,
    ImagesChanged,
    OpenSession,
    Refused,
    RunFollowed,
    SaveDenoised,
    SaveSession,
    Saving,
    SessionOpened,
    SessionSaved,
)


class FileCommands:
    if TYPE_CHECKING:  # what they use of the worker
        _engine: Any
        result: Any

        def _announce(self) -> None: ...

    def _save_denoised(self, cmd: SaveDenoised) -> None:
        from aeviewer.core.data import save_picture

        def progress(done: int, total: int) -> None:
            self.result.emit(Saving(done, total))

        result = self._engine.denoise(cmd.row, progress=progress)  # full size, in tiles
        self.result.emit(Saving(1, 1, str(save_picture(cmd.path, result.output))))

    def _save_session(self, cmd: SaveSession) -> None:
        from aeviewer.core.session import save_session
        from aeviewer.core.session_state import capture

        session = capture(self._engine, cmd.threshold, view=cmd.view)
        try:
            save_session(cmd.path, self._engine.model, session)
        except OSError as exc:
            self.result.emit(Refused("The session was not saved",
                                     f"{cmd.path} could not be written ({exc.strerror or exc}); "
                                     "the file that was there, if any, is unchanged."))
            return
        self.result.emit(SessionSaved(cmd.path, cmd.change, cmd.autosave))

    def _open_session(self, cmd: OpenSession) -> None:
        from dataclasses import replace

        from aeviewer.core.session import SessionError, load_session
        from aeviewer.core.session_state import read_pictures, restore

        engine = self._engine
        try:
            model, session = load_session(cmd.path, engine.device)
        except SessionError as exc:
            self.result.emit(Refused("Not opened", f"{exc}. Nothing was changed."))
            return
        cp = session.checkpoint
        if cmd.follow and (cp is None or cp.sample is None):
            self.result.emit(Refused("Not followed", f"{cmd.path} was not written by a training run "
                                     "(aeviewer train): open it instead. Nothing was changed."))
            return
        c = session.model_config
        restored = None
        if session.images is not None and not cmd.follow:
            restored = read_pictures(session.images, c.image_size, c.channels)
        elif not cmd.follow:
            restored = self._pictures_of(session)  # the data it was trained on, if it is here
        if restored is None and cp is not None and cp.sample is not None:
            # Following, or the run's data is elsewhere: the sample of pictures its checkpoint keeps.
            session = replace(session, images=cp.sample)
            restored = read_pictures(cp.sample, c.image_size, c.channels)
        restore(engine, model, session, restored)
        self._announce()
        self.result.emit(ImagesChanged(engine.images))
        view = dict(session.view)
        if cmd.selected is not None and 0 <= cmd.selected < len(engine.images):
            view["selected"] = cmd.selected
        threshold = view.get("threshold")
        # Before the scores: the window's settings follow the opened model at once, not after a pass that
        # takes minutes for a tile model of many large pictures (each scored whole, at its own size).
        self.result.emit(SessionOpened(engine.model_id, cmd.path, None if threshold is None else float(threshold),
                                       view, restored.missing if restored is not None else [],
                                       engine.trained, cmd.autosave, cmd.follow, engine.train_epochs))
        self.result.emit(engine.refresh([], final=True) if engine.has_scores else engine.evaluate())
        if cp is not None:
            self.result.emit(RunFollowed(engine.model_id, cmd.path, cp.epochs_done, cp.epochs, cp.losses,
                                         cp.written, cp.finished, cp.world_size))

    def _export_model(self, cmd: ExportModel) -> None:
        import importlib.util

        from aeviewer.core.export import check_parity, export_onnx, export_torchscript
        from aeviewer.core.session_state import capture

        if cmd.fmt == "onnx" and (missing := [m for m in ("onnx", "onnxruntime")
                                              if importlib.util.find_spec(m) is None]):
            self.result.emit(Refused("Not exported", f"ONNX export needs {' and '.join(missing)}: "
                                     "pip install 'aeviewer[export]'. TorchScript needs nothing more."))
            return
        engine = self._engine
        session = capture(engine, cmd.threshold)
        export = export_onnx if cmd.fmt == "onnx" else export_torchscript
        path, side = export(engine.model, session, cmd.path)
        parity = check_parity(engine.model, session, cmd.fmt, path, engine.images.images[:16])
        self.result.emit(Exported((str(path), str(side)), parity.describe(), parity.ok))

    @staticmethod
    def _pictures_of(session: Any):
        """A session of the model alone (``aeviewer train``): the data it was trained on, if it is still there."""
        from pathlib import Path

        from aeviewer.core.data import Split
        from aeviewer.core.layouts import find_paths, load_found
        from aeviewer.core.session_state import Restored

        data = session.info.get("data")
        if not data or not Path(data).exists():
            return None
        c = session.model_config
        opened = load_found(find_paths([data], Split.TRAIN), c.image_size, c.channels)
        images = opened.result.images
        return Restored(images, list(opened.result.failures), np.arange(len(images)))
