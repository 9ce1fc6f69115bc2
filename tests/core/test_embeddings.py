"""Other maps of the codes: alignment onto the shown points, and t-SNE where scikit-learn is installed."""

from __future__ import annotations

import numpy as np
import pytest

from aeviewer.core.embeddings import align, available, embed


def test_align_undoes_a_turn_a_flip_a_scale_and_a_shift():
    rng = np.random.default_rng(0)
    old = rng.normal(size=(50, 2)).astype(np.float32)
    angle = 0.7
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    new = (old * [1, -1]) @ turn * 3.0 + [10, -4]
    new[3] = np.nan
    back = align(new, old)
    assert np.allclose(back[np.arange(50) != 3], old[np.arange(50) != 3], atol=1e-4)
    assert np.isnan(back[3]).all()


def test_embedding_needs_a_few_codes_and_a_known_method():
    with pytest.raises(ValueError):
        embed("tsne", np.zeros((3, 4)))
    with pytest.raises(ValueError):
        embed("nope", np.zeros((30, 4)))
    assert set(available()) == {"tsne", "umap"}


@pytest.mark.skipif(not available()["tsne"], reason="scikit-learn is not installed (optional)")
def test_tsne_keeps_clusters_apart_and_unknown_codes_unplaced():
    rng = np.random.default_rng(0)
    codes = np.concatenate([rng.normal(0, 0.1, (30, 8)), rng.normal(5, 0.1, (30, 8))])
    codes[0] = np.nan
    points = embed("tsne", codes)
    assert np.isnan(points[0]).all() and np.isfinite(points[1:]).all()
    a, b = points[1:30].mean(axis=0), points[30:].mean(axis=0)
    spread = max(points[1:30].std(axis=0).max(), points[30:].std(axis=0).max())
    assert np.linalg.norm(a - b) > 3 * spread
