"""The texture part of a tile model's combined score: how unlike the training patches a picture's patches are."""

from __future__ import annotations

import numpy as np
import torch

from aeviewer.core.config import ModelConfig
from aeviewer.core.inference import anomaly_scores
from aeviewer.core.model import build_model
from aeviewer.core.texture import BAND, NEIGHBOURHOOD, PATCH, PatchTexture


def _grain(rng, n: int, h: int = 48, w: int = 64) -> list[torch.Tensor]:
    """Pictures of one fine random grain (a surface), (1, 1, H, W) in [0, 1]."""
    base = rng.normal(0.5, 0.08, (n, 1, h, w)).astype(np.float32)
    return [torch.from_numpy(b[None]).clamp(0, 1) for b in base]


def _scratched(x: torch.Tensor, row: int) -> torch.Tensor:
    out = x.clone()
    out[..., row, 5:40] = 1.0  # a thin bright line
    return out


def test_a_scratch_is_far_from_the_training_patches_and_the_grain_is_not(rng):
    texture = PatchTexture()
    assert not texture.fitted
    train = _grain(rng, 30)
    texture.fit(lambda: iter(train))
    assert texture.fitted
    normal = torch.cat(_grain(rng, 10))
    scratched = torch.cat([_scratched(x, 20) for x in _grain(rng, 10)])
    assert texture.distances(normal).shape == (10, 48 - PATCH + 1, 64 - PATCH + 1)
    assert bool(texture.standardised(scratched).min() > texture.standardised(normal).max())
    # in units of the training pictures' spread: normal pictures sit near 0
    assert float(texture.standardised(normal).abs().mean()) < 2.5


def test_a_patch_of_grain_wiped_away_is_too_regular_and_raises_the_score(rng):
    texture = PatchTexture()
    train = _grain(rng, 30)
    texture.fit(lambda: iter(train))
    normal = torch.cat(_grain(rng, 10))
    smudged = normal.clone()
    smudged[..., 10:30, 20:44] = 0.5  # flat: every patch there is close to the mean patch
    high_normal, _ = texture.halves(normal)
    high_smudged, _ = texture.halves(smudged)
    assert bool((high_smudged <= high_normal + 1e-4).all())  # no patch is further away than before
    assert bool(texture.standardised(smudged).min() > texture.standardised(normal).max())


def test_the_map_of_unusual_patches_lights_up_where_the_scratch_is(rng):
    texture = PatchTexture()
    texture.fit(lambda: iter(_grain(rng, 30)))
    normal = _grain(rng, 1)[0]
    scratched = _scratched(normal, 20)
    calm, lit = texture.place_map(normal)[0], texture.place_map(scratched)[0]
    assert lit.shape == (48, 64) and bool(((lit >= 0) & (lit <= 1)).all())
    assert float(lit[18:23, 5:40].mean()) > 0.9  # along the line
    assert float(lit[35:, :].max()) < 0.7 and float(calm.max()) < 0.9  # away from it, and without one
    # the map's peak is the larger of the two halves the part's score adds
    high, off = texture.halves(normal)
    s = texture.spread
    halves = [float((high[0] - s[0]) / s[1]), float((off[0] - s[2]) / s[3])]
    assert abs(float(torch.special.logit(calm.max().double())) - max(halves)) < 1e-3
    assert texture.place_map(torch.full((1, 3, 5, 3), 0.5)).shape == (1, 5, 3)  # smaller than a patch


def test_a_picture_smaller_than_a_patch_still_gets_a_score(rng):
    texture = PatchTexture()
    texture.fit(lambda: iter(_grain(rng, 5)))
    assert torch.isfinite(texture.standardised(torch.full((1, 3, 5, 3), 0.5))).all()


def test_fitting_on_nothing_leaves_it_unfitted():
    texture = PatchTexture()
    texture.fit(lambda: iter([]))
    assert not texture.fitted


def test_only_a_fitted_texture_changes_the_combined_score(rng):
    model = build_model(ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic"), seed=0)
    model.score_stats.copy_(torch.tensor([0.2, 0.05, 0.01, 0.004]))
    pictures = rng.integers(0, 256, (4, 32, 32, 1), dtype=np.uint8)
    before = anomaly_scores(model, pictures, torch.device("cpu"), "combined")
    model.texture.fit(lambda: iter(_grain(rng, 8, 32, 32)))
    after = anomaly_scores(model, pictures, torch.device("cpu"), "combined")
    part = model.texture.standardised(torch.from_numpy(pictures).permute(0, 3, 1, 2).float() / 255)
    np.testing.assert_allclose(after, before + part.numpy(), rtol=1e-4, atol=1e-4)


def test_the_distances_are_each_patchs_mahalanobis_distance(rng):
    texture = PatchTexture()
    train = _grain(rng, 6, 24, 20)
    texture.fit(lambda: iter(train))
    patches = torch.cat([x[0, 0].unfold(0, PATCH, 1).unfold(1, PATCH, 1).reshape(-1, PATCH * PATCH) for x in train])
    x = _scratched(train[0], 10)
    cols = x[0, 0].unfold(0, PATCH, 1).unfold(1, PATCH, 1).reshape(-1, PATCH * PATCH).double()
    # the Gaussian was fitted to a sample of these patches: its mean and covariance are near theirs
    assert torch.allclose(texture.mean.double(), patches.double().mean(0), atol=0.02)
    inverse = texture.whitening.double().T @ texture.whitening.double()
    d = cols - texture.mean.double()
    expected = torch.einsum("ni,ij,nj->n", d, inverse, d).view(24 - PATCH + 1, 20 - PATCH + 1)
    torch.testing.assert_close(texture.distances(x)[0].double(), expected, rtol=1e-3, atol=1e-2)


def test_the_distances_measured_in_bands_are_the_convolutions(rng):
    texture = PatchTexture()
    texture.fit(lambda: iter(_grain(rng, 4, 30, 40)))
    # a batch of colour pictures whose patch rows are no multiple of a band, and one narrower than a patch
    for shape in [(3, 3, 8 * BAND + 5 + PATCH, 23), (1, 1, PATCH - 3, 5), (2, 1, PATCH, PATCH + 1)]:
        x = torch.from_numpy(rng.random(shape, dtype=np.float32))
        torch.testing.assert_close(texture.distances(x), texture._convolved(texture._grey(x)), rtol=1e-5, atol=1e-5)


def test_a_neighbourhood_is_the_mean_of_the_log_distances_around_it(rng):
    texture = PatchTexture()
    texture.fit(lambda: iter(_grain(rng, 4, 30, 40)))
    logs, near = texture._logs(_grain(rng, 1, 27, 35)[0])
    k = NEIGHBOURHOOD
    assert near.shape[-2:] == (logs.shape[-2] - k + 1, logs.shape[-1] - k + 1)
    torch.testing.assert_close(near[0, 0, 3, 5], logs[0, 0, 3 : 3 + k, 5 : 5 + k].mean(), rtol=1e-5, atol=1e-6)


def test_a_session_written_before_the_texture_part_and_its_yardsticks_still_opens(tmp_path, rng):
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    from aeviewer.core.session import Session, load_session, save_session

    model = build_model(ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic"), seed=0)
    path = save_session(tmp_path / "new.aesession", model, Session(model.config, score="combined"))
    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
    old = {k: v for k, v in load_file(str(path)).items() if not k.startswith(("model.texture.", "model.score_stats"))}
    save_file(old, str(tmp_path / "old.aesession"), metadata=meta)
    loaded, _ = load_session(tmp_path / "old.aesession")
    assert not loaded.texture.fitted
    pictures = rng.integers(0, 256, (3, 32, 32, 1), dtype=np.uint8)
    np.testing.assert_array_equal(anomaly_scores(loaded, pictures, torch.device("cpu"), "local"),
                                  anomaly_scores(model, pictures, torch.device("cpu"), "local"))


def test_the_compare_panel_draws_unusual_patches_only_for_a_model_with_the_part():
    """A tile model of a surface gets the fifth picture; one from a session saved before the part
    (trained, none fitted) keeps four, and its inspections keep that layout."""
    import dataclasses

    from aeviewer.core.results import Inspection, ModelReady

    config = ModelConfig(image_size=16, channels=1, latent_dim=4, method="synthetic", patches=True)
    ready = ModelReady(1, config, "cpu", False, (), "combined", texture=True)
    assert ready.layout == "surface"
    assert dataclasses.replace(ready, texture=False).layout == "defects"
    whole = dataclasses.replace(config, patches=False)
    assert dataclasses.replace(ready, config=whole, texture=False).layout == "defects"
    blank = np.zeros((16, 16, 1), np.float32)
    ins = Inspection(1, 0, blank, blank, blank[..., 0], 0.0, learned=blank[..., 0])
    assert ins.layout("defects") == "defects" and ins.layout("surface") == "surface"  # not fitted yet: stays
    assert dataclasses.replace(ins, texture_map=blank[..., 0]).layout("defects") == "surface"


def test_the_unusual_places_light_up_where_either_the_learned_map_or_the_patches_do(rng):
    """A surface's fifth picture (and its pixel AUROC): the larger of the learned map and the unusual
    patches, each counted as the combined score counts its part, so a defect either one finds shows."""
    from aeviewer.core.patches import TiledPass
    from aeviewer.core.unusual_maps import pixel_map_name, unusual_map, unusual_places

    model = build_model(ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic", patches=True), seed=0)
    model.texture.fit(lambda: iter(_grain(rng, 30)))
    # the learned part's yardsticks, in log odds: training pictures' largest place near 0.2 (-1.4), spread 0.5
    model.score_stats.copy_(torch.tensor([-1.4, 0.5, 0.01, 0.004]))
    model.score_odds.fill_(1.0)
    x = _scratched(_grain(rng, 1)[0], 20)  # the patches find the line at row 20
    learned = torch.full((1, 1, 48, 64), 0.05)
    learned[..., 38:44, 50:58] = 0.99  # the learned map finds a blob the patches do not see
    p = TiledPass(x, x, learned, np.zeros(4, np.float32))
    both = unusual_places(model, p)
    assert both is not None and both.shape == (48, 64)
    assert float(both[18:23, 5:40].mean()) > 0.9 and float(both[38:44, 50:58].min()) > 0.9
    assert float(both[2:12, 45:60].max()) < 0.5  # calm where neither sees anything
    np.testing.assert_array_equal(unusual_map(p, model), both.numpy())
    assert pixel_map_name(model).startswith("unusual places")  # what `aeviewer evaluate` says it read
    model.score_stats.fill_(float("nan"))  # its yardsticks not measured yet: no map rather than a NaN one
    assert unusual_places(model, p) is None
    plain = build_model(ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic"), seed=0)
    assert unusual_places(plain, p) is None  # no texture part: the learned map is the map
    np.testing.assert_array_equal(unusual_map(p, plain), learned[0, 0].numpy())
    assert pixel_map_name(plain) == "the learned defect map"
