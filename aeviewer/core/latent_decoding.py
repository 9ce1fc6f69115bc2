"""Going backwards from the latent plot to pictures: decode a position no picture has.

A position in the plot is a code of the plot's numbers when the code has one or two;
for a longer code it is turned back into one by the projection's inverse (on the
plane of the first two principal components, every other direction at the mean of
the training codes). An ordered model's code past its first k numbers is zero, as
when it rebuilds a picture from k numbers. A U-Net has no code to decode from alone.
"""

from __future__ import annotations

import numpy as np
import torch

from aeviewer.core.engine import Engine
from aeviewer.core.ordered import keep_first
from aeviewer.core.results import Decoded, Walked

WALK_STEPS = 8


def how_decoded(code_length: int) -> str:
    if code_length <= 2:
        return f"the plot's position is the whole code ({code_length} number{'s' if code_length != 1 else ''})"
    return (f"the position mapped back to a {code_length}-number code: on the plane of the first two principal "
            "axes, every other direction at the training codes' mean")


@torch.no_grad()
def decode_codes(engine: Engine, codes: np.ndarray) -> np.ndarray:
    """Pictures (M, H, W, C) float in [0, 1] that the decoder draws from codes (M, k) of the shown length."""
    model = engine.model
    decode = getattr(model, "decode", None)
    if not callable(decode):
        raise ValueError("a U-Net passes detail around its code, so it cannot draw a picture from a code alone")
    size = engine.model_config.latent_dim
    z = torch.zeros((len(codes), size), dtype=torch.float32, device=engine.device)
    z[:, : codes.shape[1]] = torch.from_numpy(np.asarray(codes, np.float32)).to(engine.device)
    if codes.shape[1] < size:
        z = keep_first(z, codes.shape[1])
    was = model.training
    model.eval()
    try:
        out = decode(z)
    finally:
        model.train(was)
    return out.permute(0, 2, 3, 1).cpu().numpy()


def decode_at(engine: Engine, x: float, y: float) -> Decoded:
    """The decoder's picture for plot position (x, y) under the engine's model."""
    code = engine.projection.inverse(np.array([[x, y]], np.float32))
    picture = decode_codes(engine, code)[0]
    return Decoded(engine.model_id, engine.prefix, x, y, picture, how_decoded(engine.code_length))


def walk(engine: Engine, start: int, end: int, steps: int = WALK_STEPS) -> Walked:
    """Pictures decoded along the straight line from picture ``start``'s code to picture ``end``'s
    (both ends included: they are the two pictures' reconstructions)."""
    n = len(engine.images)
    if not (0 <= start < n and 0 <= end < n) or start == end:
        raise ValueError("a walk needs two different pictures")
    codes = engine.latest()[0][[start, end], : engine.code_length]
    if not np.isfinite(codes).all():
        raise ValueError("the two pictures have no codes yet: wait for the model to score them")
    t = np.linspace(0.0, 1.0, max(steps, 2), dtype=np.float32)[:, None]
    line = codes[0] * (1 - t) + codes[1] * t
    return Walked(engine.model_id, engine.prefix, start, end, decode_codes(engine, line))
