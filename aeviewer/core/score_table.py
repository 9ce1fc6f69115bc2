"""Scores as a CSV table: one row per picture, the same columns from the CLI and the window."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

COLUMNS = ["path", "score", "threshold", "is_anomaly", "label"]


def write_scores_csv(
    path: str | os.PathLike[str],
    paths: Sequence[str],
    scores: np.ndarray,
    labels: np.ndarray,
    threshold: float | None,
) -> Path:
    """Write the table (``threshold`` None: no threshold applies, those columns stay empty).

    A score not known yet (NaN) is written empty. Written whole, then renamed into place.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for p, score, label in zip(paths, scores, labels, strict=True):
            known = bool(np.isfinite(score))
            applies = threshold is not None and known
            w.writerow([p, f"{score:.8g}" if known else "", f"{threshold:.8g}" if applies else "",
                        int(score > threshold) if applies else "", "" if label < 0 else int(label)])
    os.replace(tmp, out)
    return out
