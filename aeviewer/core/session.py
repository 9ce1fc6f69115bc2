"""Save and load a trained model with its settings: one safetensors file, no pickle.

The weights are tensors; everything else (model and training settings, the
score kind, the threshold, the training images' scores) travels as JSON in the
file's metadata header. Loading never executes code from the file.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from aeviewer import __version__
from aeviewer.core.config import ModelConfig
from aeviewer.core.model import AnyAutoencoder, build_model
from aeviewer.core.scoring import DEFAULT_SCORE

FORMAT = "aeviewer-session/1"
SUFFIX = ".aesession"


@dataclass
class Session:
    model_config: ModelConfig
    score: str = DEFAULT_SCORE
    threshold: float = float("inf")
    heat_scale: float = 1.0
    train_scores: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    info: dict = field(default_factory=dict)  # data path, epochs, learning rate, seed, ...


def save_session(path: str | os.PathLike[str], model: AnyAutoencoder, session: Session) -> Path:
    path = Path(path)
    meta = {
        "format": FORMAT,
        "aeviewer": __version__,
        "model_config": asdict(session.model_config),
        "score": session.score,
        "threshold": session.threshold,
        "heat_scale": session.heat_scale,
        "info": session.info,
    }
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tensors["train_scores"] = torch.from_numpy(np.ascontiguousarray(session.train_scores, np.float32))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    save_file(tensors, str(tmp), metadata={"aeviewer": json.dumps(meta)})
    os.replace(tmp, path)  # never leave a half-written session behind
    return path


def load_session(path: str | os.PathLike[str], device: torch.device | str = "cpu") -> tuple[AnyAutoencoder, Session]:
    """Read a session file; raises ValueError with a reason when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no session file at {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            header = f.metadata() or {}
        tensors = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types
        raise ValueError(f"{path.name} is not a session file ({exc})") from None
    if "aeviewer" not in header:
        raise ValueError(f"{path.name} is a safetensors file but not an aeviewer session")
    meta = json.loads(header["aeviewer"])
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path.name} has an unknown session format {meta.get('format')!r}")
    config = ModelConfig(**meta["model_config"])
    model = build_model(config)
    weights = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
    model.load_state_dict(weights)
    model.to(device).eval()
    session = Session(
        model_config=config,
        score=meta["score"],
        threshold=float(meta["threshold"]),
        heat_scale=float(meta["heat_scale"]),
        train_scores=tensors["train_scores"].numpy(),
        info=meta.get("info", {}),
    )
    return model, session
