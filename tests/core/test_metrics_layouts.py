from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aeviewer.core.data import Split
from aeviewer.core.evaluation import default_threshold
from aeviewer.core.layouts import detect_layout, find_paths, load_found
from aeviewer.core.metrics import auroc, counts_at, roc_curve
from aeviewer.core.scoring import lightness, local_score, mse_score, ssim_score


def test_auroc_known_values_and_ties():
    assert auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0
    assert auroc([0.5, 0.5], [0, 1]) == 0.5  # a tie counts one half
    assert auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert np.isnan(auroc([1, 2], [0, 0]))
    assert auroc([0.3, 0.1, 0.9], [1, -1, 0]) == 0.0  # unknown labels are ignored


def test_roc_curve_runs_from_corner_to_corner():
    fpr, tpr, thr = roc_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    assert fpr[0] == 0 and tpr[0] == 0 and fpr[-1] == 1 and tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    assert np.trapezoid(tpr, fpr) == pytest.approx(0.75)
    assert thr[0] == np.inf


def test_counts_precision_recall_and_default_threshold():
    c = counts_at(np.array([0.1, 0.6, 0.7, 0.2]), np.array([0, 0, 1, 1]), threshold=0.5)
    assert (c.true_positive, c.false_positive, c.true_negative, c.false_negative) == (1, 1, 1, 1)
    assert c.precision == 0.5 and c.recall == 0.5
    assert default_threshold(np.arange(101.0)) == pytest.approx(99.0)
    assert default_threshold(np.array([np.nan])) == np.inf


def test_scores_on_crafted_images():
    rng = np.random.default_rng(0)
    clean = np.full((1, 32, 32, 3), 0.5, np.float32)
    patch = clean.copy()
    patch[0, 10:16, 10:16] = 0.9  # a local change of colour: 36 of 1024 pixels
    grain = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1).astype(np.float32)  # fine detail only
    assert mse_score(clean, clean)[0] == 0 and ssim_score(clean, clean)[0] == pytest.approx(0, abs=1e-6)
    # the patch is a small share of the mean, but dominates the worst-patch score
    assert local_score(clean, patch)[0] > 5 * np.mean((lightness(clean) - lightness(patch)) ** 2)
    # grain has the larger mean error, yet averages out within each patch
    assert mse_score(clean, grain)[0] > mse_score(clean, patch)[0]
    assert local_score(clean, patch)[0] > 10 * local_score(clean, grain)[0]
    assert ssim_score(clean, patch)[0] > 0


def test_worst_patch_weighs_dark_stains_as_people_see_them():
    """The same step of intensity is a bigger step of lightness in the dark."""

    def stained(background, stain):
        img = np.full((1, 32, 32, 3), background, np.float32)
        spotted = img.copy()
        spotted[0, 8:16, 8:16] = stain
        return img, spotted

    dark = local_score(*stained(0.10, 0.02))[0]
    pale = local_score(*stained(0.90, 0.82))[0]
    assert mse_score(*stained(0.10, 0.02))[0] == pytest.approx(mse_score(*stained(0.90, 0.82))[0])
    assert dark > 3 * pale


def _png(path, value=128, size=(12, 12)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (value, value, value)).save(path)


def test_mvtec_layout_with_masks(tmp_path):
    root = tmp_path / "bottle"
    for i in range(3):
        _png(root / "train" / "good" / f"{i:03d}.png")
    _png(root / "test" / "good" / "000.png")
    _png(root / "test" / "crack" / "000.png")
    _png(root / "test" / "crack" / "001.png")
    Image.fromarray(np.pad(np.full((4, 4), 255, np.uint8), 4)).save(
        (root / "ground_truth" / "crack").mkdir(parents=True) or root / "ground_truth" / "crack" / "000_mask.png"
    )
    layout = detect_layout(root)
    assert layout.kind == "mvtec"
    found = find_paths([str(root)])
    assert found.labelled and found.description == layout.describe()
    images = load_found(found, 8, 3).result.images
    assert (images.splits == Split.TRAIN).sum() == 3 and (images.splits == Split.TEST).sum() == 3
    assert list(images.labels[images.splits == Split.TEST]) == [1, 1, 0]
    masked = [r for r in images.masks]
    assert len(masked) == 1 and images.masks[masked[0]].shape == (8, 8) and images.masks[masked[0]].any()


def test_mvtec_without_training_images_is_refused(tmp_path):
    _png(tmp_path / "x" / "test" / "good" / "a.png")
    with pytest.raises(ValueError, match="train/good"):
        detect_layout(tmp_path / "x")


def test_two_folder_layout_holds_back_some_normal_images(tmp_path):
    for i in range(10):
        _png(tmp_path / "OK" / f"{i}.png")
    for i in range(3):
        _png(tmp_path / "scratched" / f"{i}.png")
    layout = detect_layout(tmp_path, holdout=0.2, seed=1)
    assert layout.kind == "two-folder"
    splits = np.array([e.split for e in layout.entries])
    labels = np.array([e.label for e in layout.entries])
    assert (splits == Split.TRAIN).sum() == 8
    assert (labels[splits == Split.TEST] == 1).sum() == 3
    assert detect_layout(tmp_path, seed=1) == layout  # seeded, repeatable
    assert "two-folder layout" in layout.describe()


def test_ambiguous_and_empty_layouts(tmp_path):
    _png(tmp_path / "a" / "good" / "1.png")
    _png(tmp_path / "a" / "normal" / "1.png")
    with pytest.raises(ValueError, match="more than one"):
        detect_layout(tmp_path / "a")
    (tmp_path / "b" / "good").mkdir(parents=True)
    _png(tmp_path / "b" / "bad" / "1.png")
    with pytest.raises(ValueError, match="holds no images"):
        detect_layout(tmp_path / "b")
    (tmp_path / "c").mkdir()
    with pytest.raises(ValueError, match="no image files"):
        detect_layout(tmp_path / "c")


def test_flat_folder_is_unlabelled_training_data(tmp_path):
    _png(tmp_path / "pics" / "x.png")
    _png(tmp_path / "pics" / "deeper" / "y.png")
    layout = detect_layout(tmp_path / "pics")
    assert layout.kind == "flat"
    assert all(e.split == Split.TRAIN and e.label == -1 for e in layout.entries)
    assert len(layout.entries) == 2
