"""A session's model as ONNX and TorchScript, usable without aeviewer, with a parity check.

The exported graph takes what aeviewer's model takes: float32 pictures
(B, C, S, S) in [0, 1], each the whole picture scaled to fit S x S with its
edge pixels repeated around it (core.working_size.to_working_size). It gives back the
reconstruction, the code and, where the score is cheap to express as tensor
operations (mean squared error, worst patch, the learned defect map), the
anomaly score, so a flag is ``score > threshold``. A JSON sidecar next to each
file says all of that, with the threshold.

``check_parity`` runs the exported file (onnxruntime for ONNX, torch.jit for
TorchScript) on sample pictures and returns the largest difference from
aeviewer's own reconstruction and score.
"""

from __future__ import annotations

import copy
import json
import os
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from aeviewer import __version__
from aeviewer.core import trends
from aeviewer.core.inference import anomaly_scores, combined, fitted_texture, run_model, yardsticks
from aeviewer.core.model import AnyAutoencoder
from aeviewer.core.scoring import COMBINED_SCORE, LEARNED_SCORE, SCORES, learned_window
from aeviewer.core.session import Session
from aeviewer.core.synthetic import smooth_max
from aeviewer.core.torch_scores import batch_scores

PARITY_TOLERANCE = 1e-4
EXPORTABLE_SCORES = ("mse", "local", LEARNED_SCORE, COMBINED_SCORE)  # the rest (SSIM) is computed outside the graph
OPSET = 18


class Exportable(nn.Module):
    """The model with its score: x -> (reconstruction, code[, score])."""

    def __init__(self, model: AnyAutoencoder, score: str | None) -> None:
        super().__init__()
        self.model = model
        self.score = score
        self.window = learned_window(model.config.image_size)
        self.texture = fitted_texture(model)  # a tile model's (core.texture)

    def forward(self, x: torch.Tensor):
        recon, z = self.model(x)
        if self.score is None:
            return recon, z
        if self.score in (LEARNED_SCORE, COMBINED_SCORE):
            maps = self.model.defect_map(x, recon)  # type: ignore[operator]
            learned = smooth_max(maps, self.window)
            if self.score == COMBINED_SCORE:
                part = self.texture.standardised(x) if self.texture is not None else None
                return recon, z, combined(learned, batch_scores(x, recon, "local"), yardsticks(self.model), part,
                                          trends.places_of(x), trends.log_contrast(x))
            return recon, z, learned
        scores = batch_scores(x, recon, self.score)
        assert scores is not None
        return recon, z, scores


@dataclass(frozen=True)
class Sidecar:
    """What a program needs to use the exported model; written as JSON beside it."""

    format: str
    input_name: str
    input_shape: list  # ["batch", C, S, S]
    input_range: list  # [0.0, 1.0]
    preprocessing: str
    outputs: list
    score: str
    score_in_graph: bool
    threshold: float
    flag_rule: str
    model_config: dict
    aeviewer: str = __version__


def _preprocessing(c) -> str:
    kind = f"{'grey' if c.channels == 1 else 'RGB'} float32, channels first"
    if c.patches:  # a tile model (core.patches)
        return (f"{kind}; tiles of {c.image_size} px cut from the picture at {c.patch_scale:g} of its own size, "
                f"overlapping by {c.image_size // 4} px, divided by 255; the reconstructions are blended with "
                "ramps that fall towards each tile's edges")
    return (f"{kind}; the whole picture scaled (Lanczos) so its longer side is {c.image_size} px, the rest "
            "filled by repeating its edge pixels, then divided by 255")


def sidecar(session: Session, fmt: str) -> Sidecar:
    c = session.model_config
    in_graph = session.score in EXPORTABLE_SCORES
    return Sidecar(
        format=fmt,
        input_name="pictures",
        input_shape=["batch", c.channels, c.image_size, c.image_size],
        input_range=[0.0, 1.0],
        preprocessing=_preprocessing(c),
        outputs=["reconstruction", "code"] + (["score"] if in_graph else []),
        score=session.score,
        score_in_graph=in_graph,
        threshold=session.threshold,
        flag_rule=(f"score ({SCORES[session.score].label}) is a tile's; the threshold is for a whole picture's, "
                   "read from the blended tiles as aeviewer does (core.patches)" if c.patches else
                   f"anomalous when score > threshold ({SCORES[session.score].label})" if in_graph else
                   f"score ({SCORES[session.score].label}) is computed outside the graph, as aeviewer does"),
        model_config=asdict(c),
    )


def _write_sidecar(path: Path, info: Sidecar) -> Path:
    side = path.with_name(path.name + ".json")
    side.write_text(json.dumps(asdict(info), indent=2))
    return side


def _exportable(model: AnyAutoencoder, session: Session) -> Exportable:
    score = session.score if session.score in EXPORTABLE_SCORES else None
    return Exportable(cpu_copy(model), score).eval()


def cpu_copy(model: AnyAutoencoder) -> AnyAutoencoder:
    """A copy on the CPU in eval mode: the model itself may be training on another device meanwhile."""
    return copy.deepcopy(model).cpu().eval()


def _example(session: Session) -> torch.Tensor:
    c = session.model_config
    return torch.rand(2, c.channels, c.image_size, c.image_size, generator=torch.Generator().manual_seed(0))


def export_onnx(model: AnyAutoencoder, session: Session, path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write the ONNX file (a dynamic batch size) and its sidecar; returns both paths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = sidecar(session, "onnx")
    wrapped = _exportable(model, session)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter's notes on its own internals
        torch.onnx.export(
            wrapped, (_example(session),), str(path), input_names=[info.input_name], output_names=info.outputs,
            dynamic_axes={info.input_name: {0: "batch"}, **{name: {0: "batch"} for name in info.outputs}},
            opset_version=OPSET, dynamo=False,
        )
    return path, _write_sidecar(path, info)


def export_torchscript(model: AnyAutoencoder, session: Session, path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write the TorchScript file (traced) and its sidecar; returns both paths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapped = _exportable(model, session)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(wrapped, (_example(session),), check_trace=False)
    traced.save(str(path))
    return path, _write_sidecar(path, sidecar(session, "torchscript"))


@dataclass(frozen=True)
class Parity:
    """The largest differences between an exported model and aeviewer's own, on ``pictures`` pictures."""

    fmt: str
    pictures: int
    reconstruction: float
    score: float | None  # None: the score is not in the graph

    @property
    def ok(self) -> bool:
        return self.reconstruction <= PARITY_TOLERANCE and (self.score is None or self.score <= PARITY_TOLERANCE)

    def describe(self) -> str:
        score = f", score {self.score:.2g}" if self.score is not None else " (score computed outside the graph)"
        verdict = "ok" if self.ok else f"FAILED: above {PARITY_TOLERANCE:g}"
        return (f"{self.fmt} parity on {self.pictures} pictures: largest difference reconstruction "
                f"{self.reconstruction:.2g}{score}: {verdict}")


def _runner(fmt: str, path: Path) -> Callable[[np.ndarray], list[np.ndarray]]:
    if fmt == "onnx":
        try:
            import onnxruntime as ort
        except ImportError:
            raise RuntimeError("the ONNX parity check needs onnxruntime: pip install 'aeviewer[export]'") from None
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        return lambda x: [np.asarray(o) for o in session.run(None, {name: x})]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch 2.13 points to torch.export; this is TorchScript
        loaded = torch.jit.load(str(path), map_location="cpu").eval()

    def run(x: np.ndarray) -> list[np.ndarray]:
        with torch.no_grad():
            return [t.numpy() for t in loaded(torch.from_numpy(x))]

    return run


def check_parity(model: AnyAutoencoder, session: Session, fmt: str, path: str | os.PathLike[str],
                 pictures: np.ndarray) -> Parity:
    """Run the exported file on uint8 ``pictures`` (N, S, S, C) and compare with aeviewer's own results
    (made-up pictures when there are none)."""
    if not len(pictures):
        c = session.model_config
        pictures = np.random.default_rng(0).integers(0, 256, (8, c.image_size, c.image_size, c.channels), np.uint8)
    run = _runner(fmt, Path(path))
    x = np.ascontiguousarray(pictures.transpose(0, 3, 1, 2), np.float32) / 255.0
    outputs = run(x)
    device = torch.device("cpu")
    model = cpu_copy(model)
    own_recon = run_model(model, pictures, device)  # (N, S, S, C) float
    recon_diff = float(np.abs(outputs[0].transpose(0, 2, 3, 1) - own_recon).max())
    score_diff = None
    if session.score in EXPORTABLE_SCORES:
        own_scores = anomaly_scores(model, pictures, device, session.score)
        score_diff = float(np.abs(outputs[2].reshape(-1) - own_scores).max())
    return Parity(fmt, len(pictures), recon_diff, score_diff)
