"""A folder of a surface opens with Full resolution ticked, says why, and trains a tile model."""

from __future__ import annotations

import numpy as np

from tests.small_data import surface_pictures


def test_a_surface_folder_trains_in_tiles_at_its_own_resolution(qtbot, window, tmp_path):
    rng = np.random.default_rng(0)
    root = tmp_path / "surface"
    for sub, count in (("train/good", 16), ("test/good", 3), ("test/defect", 3)):
        (root / sub).mkdir(parents=True)
        for path in surface_pictures(root / sub, rng, count):
            if sub == "test/defect":  # a dark stain near an edge
                from PIL import Image

                a = np.asarray(Image.open(path)).copy()
                a[4:20, 4:20] = 10
                Image.fromarray(a).save(path)
    window.open_dataset(str(root))
    qtbot.waitUntil(lambda: len(window.images) == 22, timeout=30_000)
    assert window.task.full_resolution.isChecked()
    assert "full resolution" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.presenter.model.config.patches, timeout=30_000)
    qtbot.waitUntil(lambda: window.presenter.trained and window.presenter.drawn and window.presenter.results is not None
                    and window.presenter.results.final, timeout=120_000)
    window.select(int(np.flatnonzero(window.images.labels == 1)[0]))
    qtbot.waitUntil(lambda: "at its own size" in window.compare.caption.text(), timeout=30_000)
    # its score reads the texture part too: named in the score chooser, drawn beside the learned map
    from aeviewer.qt.compare_panel import SURFACE_TITLES

    assert window.anomalies.kind.currentText() == "Learned + patch + texture"
    assert window.gallery.gallery.score_name == "learned + patch + texture"  # the thumbnails' tooltips
    assert window.compare.titles == SURFACE_TITLES and "unusual places peak" in window.compare.caption.text()
    drawn = window.compare._texture.image
    assert drawn is not None and drawn.shape == window.presenter.inspection.input.shape[:2]
    # the unusual places are the map the pixel AUROC reads: the true defect is outlined there
    assert window.compare.mask_outline.parentItem() is window.compare._texture


def test_a_surface_folder_too_large_to_keep_whole_trains_at_the_scale_that_fits(qtbot, window, tmp_path, monkeypatch):
    """The window chooses as the CLI does: tiles cut at the scale at which the pictures fit in memory,
    said in the status bar, and the model trained at it (not a refusal when Train is pressed)."""
    import aeviewer.core.choices as choices
    from aeviewer.core import patches

    budget = 600_000  # bytes: these 20 pictures take about 800,000 at full size
    monkeypatch.setattr(patches, "FULL_BUDGET_BYTES", budget)
    monkeypatch.setattr(choices, "FULL_BUDGET_BYTES", budget)
    rng = np.random.default_rng(1)
    root = tmp_path / "surface"
    for sub, count in (("train/good", 16), ("test/good", 4)):
        (root / sub).mkdir(parents=True)
        surface_pictures(root / sub, rng, count)
    window.views.settings.epochs_given = True  # a short run
    window.views.settings.controls.epochs.setValue(1)
    window.open_dataset(str(root))
    qtbot.waitUntil(lambda: len(window.images) == 20, timeout=30_000)
    assert "so that they fit in memory" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.presenter.model.config.patches, timeout=30_000)
    assert 0 < window.presenter.model.config.patch_scale < 1
    qtbot.waitUntil(lambda: window.presenter.trained and window.presenter.results is not None
                    and window.presenter.results.final, timeout=120_000)
