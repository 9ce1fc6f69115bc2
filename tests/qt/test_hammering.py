"""Rapid interaction: the slider dragged back and forth, Train and Stop hammered, pictures dropped
while training and while loading, the mode switched mid-training. No crash, and no stale result:
what is drawn belongs to the model on show."""

from __future__ import annotations

import numpy as np
from PIL import Image

from .conftest import show_images


def _settle(qtbot, window, timeout=60_000):
    qtbot.waitUntil(lambda: window.presenter.drawn and not window.loading, timeout=timeout)


def _consistent(window) -> None:
    p = window.presenter
    if p.results is not None:
        assert p.results.model_id == p.model.model_id  # nothing from a model that was replaced
        assert len(p.results.errors) == len(window.images)
    if p.inspection is not None:
        assert p.inspection.model_id == p.model.model_id


def test_train_and_stop_hammered(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    window.controls.epochs.setValue(1000)  # a run nobody stops would go on for minutes
    for _ in range(15):
        window.controls.train_button.click()
        qtbot.wait(30)
        window.controls.stop_button.click()
    window.controls.train_button.click()
    window.controls.stop_button.click()  # Train then Stop at once: nothing asked for before Stop trains on
    qtbot.waitUntil(lambda: not window.presenter.training, timeout=30_000)
    qtbot.wait(1500)
    assert not window.presenter.training
    _settle(qtbot, window)
    _consistent(window)
    window.controls.epochs.setValue(1)
    window.controls.train_button.click()  # still trains
    qtbot.waitUntil(lambda: window.presenter.trained, timeout=60_000)


def test_the_slider_dragged_back_and_forth_on_an_ordered_model(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    window.controls.set_ordered(True)
    window.controls.epochs.setValue(30)
    window.retrain()
    qtbot.waitUntil(lambda: window.presenter.training and window.presenter.model.config.ordered, timeout=30_000)
    rng = np.random.default_rng(0)
    for k in rng.integers(1, 65, 60):
        window.controls.slider.setValue(int(k))
        qtbot.wait(5)
    window.controls.slider.setValue(7)
    window.stop_training()
    qtbot.waitUntil(lambda: not window.presenter.training, timeout=30_000)
    qtbot.waitUntil(lambda: window.presenter.inspection is not None and window.presenter.inspection.prefix == 7,
                    timeout=10_000)
    qtbot.waitUntil(lambda: window.presenter.results is not None and window.presenter.results.prefix == 7,
                    timeout=10_000)  # every picture scored again at the length the slider rests on
    _consistent(window)
    assert window.presenter.code_length == 7


def test_pictures_dropped_while_training_and_while_loading_and_the_mode_switched(qtbot, window, fresh_demo, tmp_path):
    show_images(qtbot, window, fresh_demo)
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(40):
            Image.fromarray(np.full((20, 30, 3), 5 * i, np.uint8)).save(folder / f"{name}{i}.png")
    n = len(fresh_demo)
    window.controls.epochs.setValue(20)
    window.controls.train_button.click()
    qtbot.waitUntil(lambda: window.presenter.training, timeout=30_000)
    window.open_paths([str(tmp_path / "a")])  # while training
    window.open_paths([str(tmp_path / "b")])  # while the first is loading
    window.task.set_mode(True)  # Denoise, mid-training: a fresh model
    qtbot.waitUntil(lambda: len(window.images) == n + 80, timeout=60_000)
    qtbot.waitUntil(lambda: window.presenter.model.denoising, timeout=30_000)
    window.task.set_mode(False)
    qtbot.waitUntil(lambda: not window.presenter.model.denoising and window.presenter.training, timeout=30_000)
    window.stop_training()
    qtbot.waitUntil(lambda: not window.presenter.training, timeout=30_000)
    _settle(qtbot, window)
    qtbot.waitUntil(lambda: window.presenter.results is not None
                    and len(window.presenter.results.errors) == n + 80, timeout=30_000)
    _consistent(window)
    assert np.isfinite(window.presenter.results.errors).all()


def test_out_of_gpu_memory_at_one_picture_offers_the_cpu(qtbot, window, fresh_demo, monkeypatch):
    """Simulated on the CPU: a model that cannot train even one picture at a time."""
    import torch

    from aeviewer.core import engine as engine_module
    from aeviewer.core.model import Autoencoder

    class NoRoom(Autoencoder):
        def forward(self, x):
            if self.training:
                raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
            return super().forward(x)

    real = engine_module.build_model
    full = [True]
    monkeypatch.setattr(engine_module, "build_model",
                        lambda config, seed=None: NoRoom(config) if full[0] else real(config, seed))
    show_images(qtbot, window, fresh_demo)
    window.controls.select_device("auto")
    window.controls.epochs.setValue(1)
    window.controls.train_button.click()
    qtbot.waitUntil(lambda: window.last_message is not None
                    and "Out of GPU memory" in window.last_message.windowTitle(), timeout=30_000)
    assert "one picture a batch" in window.last_message.text()
    qtbot.waitUntil(lambda: not window.presenter.training, timeout=10_000)
    full[0] = False  # the CPU has room
    window.cpu_button.click()
    assert window.controls.device.currentData() == "cpu"
    qtbot.waitUntil(lambda: window.presenter.trained, timeout=60_000)


def test_train_with_nothing_to_train_on_says_so_and_resets_the_buttons(qtbot, window, tiny_set):
    from aeviewer.core.data import ImageSet, Split

    dropped = ImageSet(tiny_set.images, tiny_set.paths, np.full(len(tiny_set), Split.DROPPED, np.int8))
    show_images(qtbot, window, dropped)
    window.controls.train_button.click()
    assert window.controls.stop_button.isEnabled()  # Stop works from the moment Train is pressed
    qtbot.waitUntil(lambda: "no training images" in window.statusBar().currentMessage(), timeout=10_000)
    qtbot.waitUntil(lambda: not window.controls.stop_button.isEnabled(), timeout=10_000)
    assert window.controls.train_button.text() == "Train"
