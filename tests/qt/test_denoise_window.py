"""Denoise mode as a person uses it: switch modes, train, try test noise, drop a photo, save it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aeviewer.core.noise_kinds import NoiseSpec
from aeviewer.qt.compare_panel import DENOISE_TITLES, RECONSTRUCT_TITLES


def _model_is(win, arch: str) -> bool:
    """The presenter shows a denoising model of this architecture."""
    m = win.presenter.model
    return m is not None and m.denoising and m.config.architecture == arch


def _shown(win, check) -> bool:
    """The compare panel shows an inspection that passes ``check``."""
    return win.presenter.inspection is not None and check(win.presenter.inspection)


def _switch_to_denoise(qtbot, win, arch="bottleneck"):
    win.task.set_architecture(arch)
    win.task.set_mode(True)  # settles, then retrains as a fresh denoising model
    qtbot.waitUntil(lambda: _model_is(win, arch), timeout=30_000)
    qtbot.waitUntil(lambda: not win.presenter.training and win.controls.progress.value() == 1000, timeout=90_000)
    qtbot.waitUntil(lambda: win.presenter.drawn, timeout=10_000)


def test_denoise_mode_trains_noisy_to_clean_and_shows_four_pictures(qtbot, window, fresh_demo):
    window.set_images(fresh_demo)
    assert window.compare.titles == RECONSTRUCT_TITLES
    assert not window.task.train_label.isVisible()
    _switch_to_denoise(qtbot, window, "skip")
    assert window.task.train_label.isVisible()
    assert window.compare.titles == DENOISE_TITLES
    assert window.save_denoised_action.isEnabled()
    assert not window.anomalies.mode_note.isHidden()  # the Anomalies tab says whose scores it shows
    qtbot.waitUntil(lambda: _shown(window, lambda i: i.denoising), timeout=20_000)
    ins = window.presenter.inspection
    assert ins.clean is not None and ins.quality is not None
    assert ins.quality["psnr"] > ins.quality["noisy_psnr"]  # the U-Net already helps after two epochs
    text = window.compare.caption.text()
    assert "PSNR" in text and "SSIM" in text and "Gaussian" in text
    assert "U-Net" in window.latent_title.text()


def test_test_noise_can_differ_from_training_and_can_be_none(qtbot, window, fresh_demo):
    window.set_images(fresh_demo)
    _switch_to_denoise(qtbot, window)
    window.task.set_test_noise(NoiseSpec("salt", 0.2, 0.2))
    qtbot.waitUntil(lambda: _shown(window, lambda i: "Salt" in i.noise), timeout=20_000)
    noisy = window.presenter.inspection.input
    assert ((noisy == 0) | (noisy == 1)).all(axis=-1).mean() > 0.1  # salt and pepper, not the training noise
    window.task.set_test_noise(None)  # "the picture is noisy already"
    qtbot.waitUntil(lambda: window.presenter.inspection.quality is None, timeout=20_000)
    assert "no clean original" in window.compare.caption.text()


def test_a_dropped_photo_is_cleaned_at_full_size_and_saved(qtbot, window, fresh_demo, tmp_path):
    window.set_images(fresh_demo)
    _switch_to_denoise(qtbot, window)
    photo = tmp_path / "photo.png"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (150, 211, 3), dtype=np.uint8)).save(photo)
    row = len(window.images)  # the window extends this very set
    window.open_paths([str(photo)])
    qtbot.waitUntil(lambda: len(window.images) == row + 1 and not window.loading, timeout=20_000)
    window.task.set_test_noise(None)
    qtbot.waitUntil(
        lambda: window.presenter.inspection is not None and window.presenter.inspection.index == row
        and window.presenter.inspection.input.shape == (150, 211, 3) and window.presenter.inspection.quality is None,
        timeout=20_000,
    )
    assert "in tiles" in window.compare.caption.text()
    out = tmp_path / "out" / "photo-denoised"
    window.save_denoised(row, str(out))
    saved = tmp_path / "out" / "photo-denoised.png"
    qtbot.waitUntil(saved.exists, timeout=20_000)
    qtbot.waitUntil(lambda: "Saved" in window.statusBar().currentMessage(), timeout=5_000)
    assert Image.open(saved).size == (211, 150)  # full size, not the 64x64 working copy
    assert not window.load_bar.isVisible()
    # somewhere that cannot be written: a clear message, the window carries on
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    window.save_denoised(row, str(blocker / "x.png"))
    qtbot.waitUntil(lambda: getattr(window, "last_message", None) is not None, timeout=20_000)
    assert "saving the denoised picture" in window.last_message.text()
    assert not window.load_bar.isVisible() and window.save_denoised_action.isEnabled()


def test_back_to_reconstruct_restores_three_pictures(qtbot, window, fresh_demo):
    window.set_images(fresh_demo)
    _switch_to_denoise(qtbot, window)
    window.task.set_mode(False)
    qtbot.waitUntil(lambda: not window.presenter.model.denoising, timeout=30_000)
    qtbot.waitUntil(lambda: window.compare.titles == RECONSTRUCT_TITLES, timeout=30_000)
    assert not window.save_denoised_action.isEnabled()
    assert window.anomalies.mode_note.isHidden()


def test_command_line_starts_in_denoise_mode(qtbot, fresh_demo):
    from aeviewer.qt.app import create_window, parse_args
    from aeviewer.qt.worker import running_threads

    args = parse_args(["--denoise", "salt:0.05-0.2", "--arch", "skip", "--epochs", "1", "--no-train"])
    win = create_window(args)
    qtbot.addWidget(win)
    try:
        assert win.task.denoising and win.task.chosen_architecture() == "skip"
        assert win.task.train_noise() == (NoiseSpec("salt", 0.05, 0.2),)
        assert win.controls.learning_rate.value() == pytest.approx(1e-3)
        qtbot.waitUntil(lambda: not win.loading and len(win.images) > 0, timeout=60_000)
        win.set_images(fresh_demo)
        win.retrain()
        qtbot.waitUntil(lambda: _model_is(win, "skip"), timeout=30_000)
    finally:
        win.close()
    assert not running_threads()


def test_a_bad_noise_on_the_command_line_is_one_clear_error(capsys):
    from aeviewer.qt.app import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--denoise", "blur:3"])
    assert "unknown noise" in capsys.readouterr().err


def test_a_mix_of_noises_names_its_range_in_general_terms(qtbot):
    from aeviewer.qt.task_controls import MIX, TaskControls

    task = TaskControls()
    qtbot.addWidget(task)
    task.train_kind.setCurrentIndex(task.train_kind.findData("salt"))
    assert task.range_label.text() == "amounts"
    task.train_kind.setCurrentIndex(task.train_kind.findData(MIX))
    assert task.range_label.text() == "strengths"
