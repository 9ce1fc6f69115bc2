"""Save and load a trained model with its settings and (from the window) its pictures: one safetensors file.

The weights and every array are tensors; everything else (model and training
settings, the score kind, the threshold, the pictures' paths, the view) travels
as JSON in the file's metadata header. Loading never executes code from the
file: the header is read and checked by hand before safetensors reads the
tensors, and safetensors has no pickle in it.

A session written by ``aeviewer train`` holds the model alone; one saved by the
window also holds its pictures (``SavedImages``): the paths of those that are
files, copies of those that live nowhere else (the demo, pictures whose file is
gone), and each picture's last code and scores, so the scatter and gallery
appear before any inference runs.

``aeviewer train`` writes its session every few epochs while it runs, with a
``Checkpoint``: how far the run is, its losses, Adam's state (so ``--resume``
goes on where it was) and a sample of its pictures with their latest codes and
scores (what a window following the run shows).

Saving is atomic: the file is written next to its destination, flushed to
disk, then moved over it, so a crash or a full disk mid-save leaves the
previous file as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from aeviewer import __version__
from aeviewer.core.config import SESSION_SUFFIX, ModelConfig
from aeviewer.core.model import AnyAutoencoder, build_model
from aeviewer.core.scoring import DEFAULT_SCORE
from aeviewer.core.texture import PatchTexture

FORMAT_NAME = "aeviewer-session"
FORMAT_VERSION = 2  # 2: the window's pictures and view; 1: the model alone
FORMAT = f"{FORMAT_NAME}/{FORMAT_VERSION}"
SUFFIX = SESSION_SUFFIX
MAX_HEADER_BYTES = 100 * 1024 * 1024  # safetensors' own limit
# Added later: sessions written before them open without them (NaN: not measured; a trend: zeros, none).
OPTIONAL_WEIGHTS = ({"score_stats", "score_sizes", "score_contrast", "score_odds"}
                    | {f"texture.{k}" for k in PatchTexture().state_dict()})


class SessionError(ValueError):
    """A file that cannot be opened as a session, and why, in words a person understands."""


@dataclass
class SavedImages:
    """A window's pictures, as a session keeps them. Rows line up with ``paths``."""

    paths: list[str]
    splits: np.ndarray  # int8
    labels: np.ndarray  # int8
    stored_rows: np.ndarray  # int64: rows whose pixels are in the file (they have no file of their own)
    stored: np.ndarray  # uint8 (len(stored_rows), H, W, C)
    codes: np.ndarray  # float32 (N, K), NaN where unknown
    errors: np.ndarray  # float32 (N,)
    scores: np.ndarray  # float32 (N,)
    masks: dict[int, np.ndarray] = field(default_factory=dict)  # row -> (H, W) bool
    shapes: np.ndarray | None = None  # int32 (N, 2): each picture's own (H, W); None in older sessions

    def __post_init__(self) -> None:
        n = len(self.paths)
        if self.shapes is not None and np.shape(self.shapes) != (n, 2):
            raise SessionError("the session's picture list is inconsistent (corrupt file)")
        if not (len(self.splits) == len(self.labels) == len(self.codes) == len(self.errors)
                == len(self.scores) == n) or len(self.stored) != len(self.stored_rows):
            raise SessionError("the session's picture list is inconsistent (corrupt file)")
        if len(self.stored_rows) and (self.stored_rows.min() < 0 or self.stored_rows.max() >= n):
            raise SessionError("the session's picture list is inconsistent (corrupt file)")


@dataclass
class Checkpoint:
    """Where a training run stood when its session was written."""

    epochs_done: int
    epochs: int
    world_size: int  # processes that trained (torchrun), 1 for one
    finished: bool
    written: float  # time.time() when written
    learning_rate: float  # Adam's rate then (the guards may have lowered it)
    losses: np.ndarray  # float32 batch losses so far (thinned evenly to a few thousand)
    optimiser: dict[str, Any] | None = None  # Adam's state_dict; None: not kept
    sample: SavedImages | None = None  # a sample of the pictures, all stored, with codes and scores


@dataclass
class Session:
    model_config: ModelConfig
    score: str = DEFAULT_SCORE
    threshold: float = float("inf")
    heat_scale: float = 1.0
    train_scores: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    info: dict = field(default_factory=dict)  # data path, epochs, learning rate, seed, ...
    images: SavedImages | None = None  # the window's pictures (None: a session of the model alone)
    view: dict = field(default_factory=dict)  # the window's view: selected row, dragged threshold, mode
    checkpoint: Checkpoint | None = None  # written by a training run (aeviewer train)


def _image_tensors(images: SavedImages, key: str = "images") -> dict[str, torch.Tensor]:
    t = {
        f"{key}.splits": torch.from_numpy(np.ascontiguousarray(images.splits, np.int8)),
        f"{key}.labels": torch.from_numpy(np.ascontiguousarray(images.labels, np.int8)),
        f"{key}.stored_rows": torch.from_numpy(np.ascontiguousarray(images.stored_rows, np.int64)),
        f"{key}.stored": torch.from_numpy(np.ascontiguousarray(images.stored, np.uint8)),
        f"{key}.codes": torch.from_numpy(np.ascontiguousarray(images.codes, np.float32)),
        f"{key}.errors": torch.from_numpy(np.ascontiguousarray(images.errors, np.float32)),
        f"{key}.scores": torch.from_numpy(np.ascontiguousarray(images.scores, np.float32)),
    }
    if images.shapes is not None:
        t[f"{key}.shapes"] = torch.from_numpy(np.ascontiguousarray(images.shapes, np.int32))
    rows = sorted(images.masks)
    t[f"{key}.mask_rows"] = torch.tensor(rows, dtype=torch.int64)
    if rows:
        t[f"{key}.masks"] = torch.from_numpy(np.stack([images.masks[r] for r in rows]).astype(np.uint8))
    return t


OPTIM = "checkpoint.optim"


def _checkpoint_parts(cp: Checkpoint) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """A checkpoint as JSON for the header and tensors: Adam's per-parameter state becomes
    ``checkpoint.optim.<param>.<name>`` tensors, its settings JSON."""
    meta: dict[str, Any] = {
        "epochs_done": cp.epochs_done, "epochs": cp.epochs, "world_size": cp.world_size,
        "finished": cp.finished, "written": cp.written, "learning_rate": cp.learning_rate,
    }
    tensors = {"checkpoint.losses": torch.from_numpy(np.ascontiguousarray(cp.losses, np.float32))}
    if cp.optimiser is not None:
        meta["param_groups"] = cp.optimiser["param_groups"]
        for pid, state in cp.optimiser["state"].items():
            for name, value in state.items():
                t = value if isinstance(value, torch.Tensor) else torch.tensor(value)
                tensors[f"{OPTIM}.{pid}.{name}"] = t.detach().cpu().contiguous()
    if cp.sample is not None:
        meta["sample_paths"] = list(cp.sample.paths)
        tensors.update(_image_tensors(cp.sample, "sample"))
    return meta, tensors


def _checkpoint(meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Checkpoint | None:
    c = meta.get("checkpoint")
    if not isinstance(c, dict):
        return None
    optimiser = None
    if "param_groups" in c:
        state: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in tensors.items():
            if key.startswith(OPTIM + "."):
                pid, name = key[len(OPTIM) + 1 :].split(".", 1)
                state.setdefault(int(pid), {})[name] = value
        optimiser = {"state": state, "param_groups": c["param_groups"]}
    sample = _saved_images({"images": {"paths": c["sample_paths"]}}, tensors, "sample") if "sample_paths" in c else None
    return Checkpoint(
        epochs_done=int(c["epochs_done"]), epochs=int(c["epochs"]), world_size=int(c["world_size"]),
        finished=bool(c["finished"]), written=float(c["written"]), learning_rate=float(c["learning_rate"]),
        losses=tensors["checkpoint.losses"].numpy(), optimiser=optimiser, sample=sample,
    )


def save_session(path: str | os.PathLike[str], model: AnyAutoencoder, session: Session) -> Path:
    """Write ``session`` to ``path`` atomically (the old file survives any failure mid-way)."""
    path = Path(path)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "aeviewer": __version__,
        "model_config": asdict(session.model_config),
        "score": session.score,
        "threshold": session.threshold,
        "heat_scale": session.heat_scale,
        "info": session.info,
        "view": session.view,
    }
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tensors["train_scores"] = torch.from_numpy(np.ascontiguousarray(session.train_scores, np.float32))
    if session.images is not None:
        meta["images"] = {"paths": list(session.images.paths)}
        tensors.update(_image_tensors(session.images))
    if session.checkpoint is not None:
        meta["checkpoint"], more = _checkpoint_parts(session.checkpoint)
        tensors.update(more)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        save_file(tensors, str(tmp), metadata={"aeviewer": json.dumps(meta)})
        with open(tmp, "rb+") as fh:  # on disk before it replaces the old file
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # the rename itself on disk (POSIX; Windows has no directory fds)
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return path


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The session's JSON header, checked; raises SessionError saying what the file is instead.

    Reads only the safetensors header (a length and a JSON text), so nothing in the file is run.
    """
    path = Path(path)
    if not path.is_file():
        raise SessionError(f"there is no session file at {path}")
    size = path.stat().st_size
    name = path.name
    with path.open("rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            raise SessionError(f"{name} is not an aeviewer session (it is too short to be one)")
        (length,) = struct.unpack("<Q", head)
        if length > MAX_HEADER_BYTES or length > size - 8:
            raise SessionError(f"{name} is not an aeviewer session file")
        raw = fh.read(length)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SessionError(f"{name} is not an aeviewer session file") from None
    text = header.get("__metadata__", {}).get("aeviewer") if isinstance(header, dict) else None
    if not isinstance(text, str):
        raise SessionError(f"{name} is a safetensors file but not an aeviewer session")
    try:
        meta = json.loads(text)
    except json.JSONDecodeError:
        raise SessionError(f"{name} is corrupt: its settings cannot be read") from None
    fmt = meta.get("format") if isinstance(meta, dict) else None
    kind, _, version = str(fmt).partition("/")
    if kind != FORMAT_NAME or not version.isdigit():
        raise SessionError(f"{name} has an unknown session format {fmt!r}")
    if int(version) > FORMAT_VERSION:
        raise SessionError(
            f"{name} was made by a newer aeviewer ({meta.get('aeviewer', '?')}, session format {version}); "
            f"this one ({__version__}) reads formats up to {FORMAT_VERSION}: update aeviewer to open it")
    ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__" and isinstance(v, dict)]
    data_bytes, wanted = size - 8 - length, max(ends, default=0)
    if wanted != data_bytes:
        raise SessionError(f"{name} is corrupt: it is {'shorter' if wanted > data_bytes else 'longer'} "
                           "than its header says (a copy cut short, or damaged)")
    return meta


def _saved_images(meta: dict[str, Any], tensors: dict[str, torch.Tensor], key: str = "images") -> SavedImages | None:
    if "images" not in meta:
        return None
    rows = tensors[f"{key}.mask_rows"].numpy()
    masks = {}
    if len(rows):
        masks = {int(r): m.astype(bool) for r, m in zip(rows, tensors[f"{key}.masks"].numpy(), strict=True)}
    return SavedImages(
        paths=[str(p) for p in meta["images"]["paths"]],
        splits=tensors[f"{key}.splits"].numpy(),
        labels=tensors[f"{key}.labels"].numpy(),
        stored_rows=tensors[f"{key}.stored_rows"].numpy(),
        stored=tensors[f"{key}.stored"].numpy(),
        codes=tensors[f"{key}.codes"].numpy(),
        errors=tensors[f"{key}.errors"].numpy(),
        scores=tensors[f"{key}.scores"].numpy(),
        masks=masks,
        shapes=tensors[f"{key}.shapes"].numpy() if f"{key}.shapes" in tensors else None,
    )


def load_session(path: str | os.PathLike[str], device: torch.device | str = "cpu") -> tuple[AnyAutoencoder, Session]:
    """Read a session file; raises SessionError (a ValueError) with a reason when it cannot."""
    path = Path(path)
    meta = read_header(path)
    name = path.name
    try:
        tensors = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types
        raise SessionError(f"{name} is corrupt: its arrays cannot be read ({exc})") from None
    try:
        config = ModelConfig(**meta["model_config"])
        model = build_model(config)
        weights = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
        missing, unexpected = model.load_state_dict(weights, strict=False)
        if unexpected or set(missing) - OPTIONAL_WEIGHTS:
            raise RuntimeError(f"missing {sorted(set(missing) - OPTIONAL_WEIGHTS)}, unexpected {sorted(unexpected)}")
        session = Session(
            model_config=config,
            score=str(meta["score"]),
            threshold=float(meta["threshold"]),
            heat_scale=float(meta["heat_scale"]),
            train_scores=tensors["train_scores"].numpy(),
            info=dict(meta.get("info", {})),
            images=_saved_images(meta, tensors),
            view=dict(meta.get("view", {})),
            checkpoint=_checkpoint(meta, tensors),
        )
    except SessionError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise SessionError(f"{name} is corrupt: its model does not match its settings ({exc})") from None
    model.to(device).eval()
    return model, session
