"""Other maps of the codes than PCA: t-SNE and UMAP, when their packages are installed.

They show neighbourhoods better than a linear plane but take seconds (t-SNE on a few
thousand codes) to minutes, so the window runs them on a background thread and keeps
PCA live meanwhile. Neither is a dependency of aeviewer: ``pip install
"aeviewer[projections]"`` brings scikit-learn (t-SNE) and umap-learn (UMAP). A new map
is turned, flipped and scaled onto the points already shown (``align``), so the
animation from PCA to it moves points, not the whole picture.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import numpy as np

METHODS = {"tsne": ("t-SNE", "sklearn"), "umap": ("UMAP", "umap")}
INSTALL = 'pip install "aeviewer[projections]"'


def available() -> dict[str, bool]:
    """Which methods can run here (their package is installed)."""
    return {key: importlib.util.find_spec(module) is not None for key, (_label, module) in METHODS.items()}


def _tsne(codes: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.manifold import TSNE

    perplexity = float(min(30.0, max(2.0, (len(codes) - 1) / 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(codes)


def _umap(codes: np.ndarray, seed: int) -> np.ndarray:
    import umap

    neighbours = int(min(15, max(2, len(codes) - 1)))
    return umap.UMAP(n_neighbors=neighbours, random_state=seed).fit_transform(codes)


RUNNERS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {"tsne": _tsne, "umap": _umap}


def embed(method: str, codes: np.ndarray, seed: int = 0) -> np.ndarray:
    """(N, 2) positions of codes (N, K) by ``method``; rows with unknown codes stay NaN."""
    if method not in RUNNERS:
        raise ValueError(f"unknown map: {method}")
    codes = np.asarray(codes, np.float64)
    known = np.isfinite(codes).all(axis=1)
    out = np.full((len(codes), 2), np.nan, np.float32)
    if known.sum() < 5:
        raise ValueError("a map needs the codes of at least 5 pictures")
    out[known] = RUNNERS[method](codes[known], seed)
    return out


def align(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """``new`` turned, flipped, scaled and moved to lie as close as it can to ``old`` (both (N, 2);
    rows unknown in either are ignored for the fit)."""
    both = np.isfinite(new).all(axis=1) & np.isfinite(old).all(axis=1)
    if both.sum() < 3:
        return new.astype(np.float32)
    a, b = new[both].astype(np.float64), old[both].astype(np.float64)
    ma, mb = a.mean(axis=0), b.mean(axis=0)
    u, s, vt = np.linalg.svd((a - ma).T @ (b - mb))
    turn = u @ vt
    scale = s.sum() / max(float(((a - ma) ** 2).sum()), 1e-12)
    return ((new - ma) @ turn * scale + mb).astype(np.float32)
