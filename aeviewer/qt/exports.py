"""File > Export: the model (ONNX, TorchScript; written and checked by the worker), the scores
as CSV and the views as PNG (both small, written here on the GUI thread)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from aeviewer.core.score_table import write_scores_csv
from aeviewer.qt.messages import ExportModel
from aeviewer.qt.presenter import Presenter
from aeviewer.qt.window_layout import Views

MODEL_FORMATS = {"onnx": ("ONNX model (*.onnx)", ".onnx"), "torchscript": ("TorchScript model (*.pt)", ".pt")}


def view_widgets(views: Views) -> dict[str, QWidget]:
    """The views a PNG is written of, by the name that ends its file name."""
    return {"compare": views.compare, "latent": views.latent_view, "loss": views.loss_plot,
            "anomalies": views.anomalies}


class Exports(QObject):
    status = Signal(str, int)
    problem = Signal(str, str, str)

    def __init__(self, parent: QWidget, views: Views, presenter: Presenter, submit) -> None:
        super().__init__(parent)
        self.parent_widget, self.views, self.presenter, self.submit = parent, views, presenter, submit

    def _ask(self, title: str, name: str, pattern: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self.parent_widget, title, name, pattern)
        return path

    def model(self, fmt: str, path: str | None = None) -> bool:
        """Export the model (the worker writes it and checks it on the pictures). False: nothing sent."""
        if self.presenter.model is None:
            return False
        pattern, suffix = MODEL_FORMATS[fmt]
        path = path or self._ask("Export the model", f"model{suffix}", pattern)
        if not path:
            return False
        if not path.endswith(suffix):
            path += suffix
        self.status.emit(f"Exporting {Path(path).name} and checking it…", 0)
        self.submit(ExportModel(path, fmt, self.presenter.threshold_in_use()))
        return True

    def scores(self, path: str | None = None) -> Path | None:
        ev = self.presenter.evaluation
        if ev is None:
            self.status.emit("No scores yet: train a model first.", 6000)
            return None
        path = path or self._ask("Export the scores", "scores.csv", "CSV table (*.csv)")
        if not path:
            return None
        try:
            out = write_scores_csv(path, self.presenter.images.paths, ev.scores, ev.labels, ev.threshold)
        except OSError as exc:
            self.problem.emit("Not exported", f"{path} could not be written ({exc.strerror or exc}).", "")
            return None
        self.status.emit(f"Wrote {len(ev.scores)} scores to {out}", 8000)
        return out

    def views_png(self, path: str | None = None) -> list[Path]:
        """Each view as NAME-compare.png, NAME-latent.png, ... beside ``path``."""
        path = path or self._ask("Export the views as pictures", "aeviewer.png", "PNG image (*.png)")
        if not path:
            return []
        base = Path(path)
        stem = base.stem if base.suffix.lower() == ".png" else base.name
        written = []
        for name, widget in view_widgets(self.views).items():
            out = base.with_name(f"{stem}-{name}.png")
            if not widget.grab().save(str(out), "PNG"):
                self.problem.emit("Not exported", f"{out} could not be written.", "")
                return written
            written.append(out)
        self.status.emit(f"Wrote {len(written)} pictures: {', '.join(p.name for p in written)}", 8000)
        return written
