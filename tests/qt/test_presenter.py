"""The presenter with made-up results: stale ones are dropped, the latest wins, threshold drags re-evaluate."""

from __future__ import annotations

import numpy as np
import pytest

from aeviewer.core.config import ModelConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.evaluation import evaluate
from aeviewer.core.results import ImageResults, Inspection, ModelReady
from aeviewer.qt.messages import ImagesChanged, Inspect
from aeviewer.qt.presenter import Presenter
from aeviewer.qt.window_layout import Views

CONFIG = ModelConfig(image_size=16, channels=3, latent_dim=2)


@pytest.fixture
def presenter(qtbot):
    views = Views(CONFIG, "cpu", None)
    qtbot.addWidget(views.central)
    sent: list = []
    p = Presenter(views, sent.append, CONFIG)
    p.timer.stop()  # the test draws by hand
    p.sent = sent
    yield p
    p.deleteLater()


def _images(n: int = 6) -> ImageSet:
    rng = np.random.default_rng(0)
    return ImageSet(rng.integers(0, 255, (n, 16, 16, 3), dtype=np.uint8), [f"p{i}" for i in range(n)],
                    [Split.TRAIN] * (n - 2) + [Split.TEST] * 2, [0] * (n - 1) + [1])


def _results(model_id: int, images: ImageSet, value: float) -> ImageResults:
    scores = np.full(len(images), value, np.float32)
    scores[-1] = value * 3
    ev = evaluate(scores, images.splits, images.labels, "mse")
    return ImageResults(model_id, scores, np.zeros((len(images), 2), np.float32), 1.0, True, ev)


def _draw_all(p: Presenter) -> None:
    for _ in range(3):
        p._draw()


def test_results_of_a_replaced_model_are_dropped_and_the_latest_wins(presenter):
    images = _images()
    presenter.receive(ModelReady(2, CONFIG, "cpu", False, ()))
    presenter.receive(ImagesChanged(images))
    assert presenter.sent == [Inspect(0)]  # the first picture is shown
    presenter.receive(_results(1, images, 0.5))  # from the model before: dropped at the door
    assert presenter.drawn
    presenter.receive(_results(2, images, 0.1))
    presenter.receive(_results(2, images, 0.2))  # the newer one replaces it before any drawing
    _draw_all(presenter)
    assert presenter.results.scores[0] == pytest.approx(0.2)
    assert presenter.v.gallery.gallery._errors[0] == pytest.approx(0.2)
    stale = Inspection(1, 0, np.zeros((16, 16, 3)), np.zeros((16, 16, 3)), np.zeros((16, 16)), 0.0)
    presenter.receive(stale)
    assert presenter.drawn and presenter.inspection is None


def test_an_inspection_for_a_picture_no_longer_selected_is_not_drawn(presenter):
    images = _images()
    presenter.receive(ModelReady(1, CONFIG, "cpu", False, ()))
    presenter.receive(ImagesChanged(images))
    presenter.select(3)
    old = Inspection(1, 0, np.zeros((16, 16, 3)), np.zeros((16, 16, 3)), np.zeros((16, 16)), 0.0)
    presenter.receive(old)
    _draw_all(presenter)
    assert presenter.inspection is None and presenter.v.compare.shown_index is None


def test_a_dragged_threshold_re_evaluates_and_survives_new_scores_until_the_model_changes(presenter):
    images = _images()
    presenter.receive(ModelReady(1, CONFIG, "cpu", False, ()))
    presenter.receive(ImagesChanged(images))
    presenter.receive(_results(1, images, 0.2))
    _draw_all(presenter)
    presenter.set_threshold(0.0)  # as dragging the line does
    assert presenter.evaluation.user_threshold and presenter.evaluation.flags.all()
    assert presenter.v.latent_view._flags.all()
    presenter.receive(_results(1, images, 0.3))  # training moves on: the person's threshold stays
    _draw_all(presenter)
    assert presenter.evaluation.threshold == 0.0
    presenter.receive(ModelReady(2, CONFIG, "cpu", False, ()))  # a new model scores on a new scale
    presenter.receive(_results(2, images, 0.3))
    _draw_all(presenter)
    assert not presenter.evaluation.user_threshold


def test_a_long_scoring_pass_shows_how_far_it_has_come_and_a_quick_one_shows_nothing(presenter, qtbot):
    from aeviewer.qt.messages import Scoring
    from aeviewer.qt.worker_reports import SCORING_EVERY, SCORING_SHOWN_AFTER, ScoringRelay

    now = [0.0]
    relay = ScoringRelay(presenter.receive, clock=lambda: now[0])
    said: list[str] = []
    presenter.status.connect(lambda text, _ms: said.append(text))
    bar = presenter.v.load_bar
    relay(0, 5)  # a dropped picture or a small set, scored at once: no bar, no words
    for done in range(1, 6):
        relay(done, 5)
    assert said == [] and bar.isHidden()
    relay(0, 1120)  # an opened session of large pictures, each scored whole
    now[0] += SCORING_SHOWN_AFTER / 2
    relay(1, 1120)
    assert said == []
    now[0] += SCORING_SHOWN_AFTER
    relay(2, 1120)
    assert not bar.isHidden() and bar.value() == 2 and bar.maximum() == 1120
    assert said[-1] == "Scoring every picture with the model: 2 of 1,120…"
    relay(3, 1120)  # too soon after the last report: not sent
    assert bar.value() == 2
    now[0] += SCORING_EVERY * 1.5
    relay(500, 1120)
    assert bar.value() == 500
    relay(1120, 1120)
    assert bar.isHidden() and said[-1] == "Scored 1,120 pictures."
    assert Scoring(1120, 1120) == Scoring(1120, 1120)  # a plain value, safe to send between threads
    relay(0, 1120)  # a pass that fails midway leaves neither its bar nor its "Scoring…" line
    now[0] += SCORING_SHOWN_AFTER * 2
    relay(7, 1120)
    assert not bar.isHidden()
    from aeviewer.qt.messages import Failed

    with qtbot.waitSignal(presenter.problem):
        presenter.receive(Failed("scoring every picture", "Traceback\nOSError: the disk went away"))
    assert bar.isHidden() and not said[-1].startswith("Scoring")
