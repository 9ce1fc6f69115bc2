"""What colour each point of the latent plot gets: by split, by label, by anomaly score or by error.

Categorical colourings come with their legend entries; continuous ones with the range
their colour ramp spans (the 1st to 99th percentile, so one outlier does not wash out the
rest). Pictures without a value (not scored yet) are grey.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COLOUR_BY = {"split": "split", "label": "label", "score": "anomaly score", "error": "reconstruction error"}
SPLIT_RGBA = {0: (66, 133, 244, 200), 1: (255, 145, 0, 220), 2: (216, 27, 196, 255)}
SPLIT_NAMES = {0: "train", 1: "test", 2: "dropped"}
LABEL_RGBA = {0: (46, 160, 67, 210), 1: (220, 30, 30, 230), -1: (150, 150, 150, 170)}
LABEL_NAMES = {0: "normal", 1: "anomalous", -1: "no label"}
UNKNOWN = (170, 170, 170, 140)
# A perceptually even ramp (viridis, five stops), dark = low, yellow = high.
RAMP = np.array([(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)], np.float64)


@dataclass(frozen=True)
class Colouring:
    rgba: np.ndarray  # (N, 4) uint8
    legend: tuple[tuple[str, tuple[int, int, int, int]], ...] = ()  # categorical: name, colour
    span: tuple[float, float] | None = None  # continuous: the values at the ramp's two ends
    what: str = ""


def ramp(t: np.ndarray) -> np.ndarray:
    """(N,) values in [0, 1] -> (N, 3) uint8 colours along RAMP."""
    t = np.clip(np.asarray(t, np.float64), 0.0, 1.0) * (len(RAMP) - 1)
    lo = np.minimum(np.floor(t).astype(np.int64), len(RAMP) - 2)
    f = (t - lo)[:, None]
    return np.round(RAMP[lo] * (1 - f) + RAMP[lo + 1] * f).astype(np.uint8)


def _categorical(keys: np.ndarray, table: dict, names: dict, what: str) -> Colouring:
    rgba = np.empty((len(keys), 4), np.uint8)
    rgba[:] = UNKNOWN
    present = []
    for key, colour in table.items():
        rows = keys == key
        if rows.any():
            rgba[rows] = colour
            present.append((names[key], colour))
    return Colouring(rgba, tuple(present), None, what)


def _continuous(values: np.ndarray, what: str) -> Colouring:
    values = np.asarray(values, np.float64)
    known = np.isfinite(values)
    rgba = np.empty((len(values), 4), np.uint8)
    rgba[:] = UNKNOWN
    if not known.any():
        return Colouring(rgba, (), None, what)
    lo, hi = (float(v) for v in np.percentile(values[known], [1, 99]))
    hi = hi if hi > lo else lo + 1e-12
    rgba[known, :3] = ramp((values[known] - lo) / (hi - lo))
    rgba[known, 3] = 230
    return Colouring(rgba, (), (lo, hi), what)


def colour_points(by: str, splits: np.ndarray, labels: np.ndarray | None = None,
                  scores: np.ndarray | None = None, errors: np.ndarray | None = None) -> Colouring:
    """Colours for every point, coloured ``by`` one of COLOUR_BY."""
    n = len(splits)

    def fit(a: np.ndarray | None, fill: float) -> np.ndarray:
        a = np.full(n, fill) if a is None else np.asarray(a)[:n]
        return np.concatenate([a, np.full(n - len(a), fill)]) if len(a) < n else a

    if by == "label":
        return _categorical(fit(labels, -1).astype(np.int64), LABEL_RGBA, LABEL_NAMES, COLOUR_BY[by])
    if by == "score":
        return _continuous(fit(scores, np.nan), COLOUR_BY[by])
    if by == "error":
        return _continuous(fit(errors, np.nan), COLOUR_BY[by])
    return _categorical(np.asarray(splits, np.int64), SPLIT_RGBA, SPLIT_NAMES, COLOUR_BY["split"])
