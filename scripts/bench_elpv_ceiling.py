"""How far apart ELPV's normal and defective cells are, even for a model that is shown the answers.

    python -m pip install elpv-dataset scikit-learn     # benchmarks only
    python scripts/bench_elpv_ceiling.py [--sets mono,poly] [--folds 5] [--cnn-epochs 30]

Issue #9 asks for an image AUROC of 0.90 on both ELPV sets from a model that never sees a
defective cell. This script asks the easier question: on the protocol's test pictures
(bench_realdata.write_set: held-back normal cells and all defective ones), how well do
*supervised* classifiers separate them when they are trained on the labels themselves,
with k-fold cross-validation (each picture scored by a model that did not see it)?

- "darkest patch" is the baseline, measured in the same run: no model and no labels, the
  lowest mean of 16x16 windows of each cell over its median (cracks and dead areas are dark).
- "intensity, supervised": logistic regression on brightness quantiles and the darkest and
  most uneven windows at three scales.
- "random filters, supervised": logistic regression on pooled responses of 32 fixed random
  7x7 filters.
- "small CNN, supervised": a four-layer network trained from scratch on the training folds
  (flips and quarter turns; 128 px), the kind of model aeviewer trains, given the labels.

A supervised figure is a ceiling for what a from-scratch model of these pictures reaches,
not a method: aeviewer never sees a defective picture while it trains.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from bench_realdata import elpv_folder, write_set
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aeviewer.core.metrics import auroc

try:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
except ModuleNotFoundError:
    sys.exit("scikit-learn is not installed: python -m pip install scikit-learn")


def test_pictures(root: Path) -> tuple[np.ndarray, np.ndarray]:
    """The protocol's test cells (grey, 0-1) and their labels (1: defective)."""
    normal = sorted((root / "test" / "good").iterdir())
    defective = sorted((root / "test" / "defect").iterdir())
    pictures = np.stack([np.asarray(Image.open(p).convert("L"), np.float32) / 255 for p in normal + defective])
    return pictures, np.r_[np.zeros(len(normal)), np.ones(len(defective))]


def _windows(pictures: np.ndarray, size: int) -> np.ndarray:
    """Means of size x size windows at half-window steps, one row a picture."""
    import torch
    import torch.nn.functional as F

    t = torch.from_numpy(pictures)[:, None]
    return F.avg_pool2d(t, size, size // 2).flatten(1).numpy()


def relative(pictures: np.ndarray) -> np.ndarray:
    """Each cell over its median brightness (modules were imaged at different exposures)."""
    return pictures / np.median(pictures.reshape(len(pictures), -1), axis=1)[:, None, None]


def darkest_patch(pictures: np.ndarray) -> np.ndarray:
    return -_windows(relative(pictures), 16).min(axis=1)


def intensity_features(pictures: np.ndarray) -> np.ndarray:
    r = relative(pictures)
    quantiles = np.quantile(r.reshape(len(r), -1), [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9], axis=1).T
    windows = [_windows(r, k) for k in (8, 16, 32)]
    return np.concatenate([quantiles, *[w.min(1, keepdims=True) for w in windows],
                           *[w.std(1, keepdims=True) for w in windows]], axis=1)


def random_filter_features(pictures: np.ndarray) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(0)
    filters = torch.randn(32, 1, 7, 7, generator=g)
    filters -= filters.mean(dim=(1, 2, 3), keepdim=True)
    with torch.no_grad():
        t = F.avg_pool2d(torch.from_numpy(pictures)[:, None], 2)
        h = F.relu(F.conv2d(t, filters, padding=3))
        pooled = F.avg_pool2d(h, 4).flatten(2)
        out = [h.mean((2, 3)), h.amax((2, 3)), pooled.std(2), pooled.amax(2)]
    return torch.cat(out, 1).numpy()


def logistic(features: Callable[[np.ndarray], np.ndarray]):
    def fit_predict(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, seed: int) -> np.ndarray:
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000))
        model.fit(features(train_x), train_y)
        return model.predict_proba(features(test_x))[:, 1]

    return fit_predict


def small_cnn(epochs: int):
    def fit_predict(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, seed: int) -> np.ndarray:
        import torch
        import torch.nn.functional as F
        from torch import nn

        torch.manual_seed(seed)

        def prepared(x: np.ndarray) -> torch.Tensor:
            t = torch.from_numpy(relative(x))[:, None]
            return F.interpolate(t, size=128, mode="area")

        def block(cin: int, cout: int) -> nn.Module:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))

        net = nn.Sequential(block(1, 16), block(16, 32), block(32, 64), block(64, 64),
                            nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(64, 1))
        x, y = prepared(train_x), torch.from_numpy(train_y).float()
        opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
        gen = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            net.train()
            for idx in torch.randperm(len(x), generator=gen).split(32):
                batch = x[idx]
                if torch.rand(1, generator=gen) < 0.5:
                    batch = batch.flip(3)
                batch = torch.rot90(batch, int(torch.randint(4, (1,), generator=gen)), dims=(2, 3))
                loss = F.binary_cross_entropy_with_logits(net(batch)[:, 0], y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        net.eval()
        with torch.no_grad():
            return net(prepared(test_x))[:, 0].numpy()

    return fit_predict


def cross_validated(fit_predict, x: np.ndarray, y: np.ndarray, folds: int) -> float:
    scores = np.zeros(len(y))
    for k, (train, test) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y)):
        scores[test] = fit_predict(x[train], y[train], x[test], k)
    return auroc(scores, y)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sets", default="mono,poly")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--cnn-epochs", type=int, default=30, help="0 leaves the CNN out")
    args = p.parse_args()
    data = elpv_folder()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for module in args.sets.split(","):
            x, y = test_pictures(write_set(data, module, Path(work)))
            print(f"{module}: {int((y == 0).sum())} normal + {int(y.sum())} defective test cells", flush=True)
            t0 = time.perf_counter()
            figures = {"darkest patch (no labels)": auroc(darkest_patch(x), y)}
            ceilings = {"intensity, supervised": logistic(intensity_features),
                        "random filters, supervised": logistic(random_filter_features)}
            if args.cnn_epochs:
                ceilings["small CNN, supervised"] = small_cnn(args.cnn_epochs)
            for name, fit_predict in ceilings.items():
                figures[name] = cross_validated(fit_predict, x, y, args.folds)
                print(f"  {name}: {figures[name]:.3f}", flush=True)
            rows.append((module, figures, time.perf_counter() - t0))
    names = list(rows[0][1])
    print()
    print(f"| ELPV | {' | '.join(names)} | s |")
    print("|------|" + "------:|" * (len(names) + 1))
    for module, figures, seconds in rows:
        print(f"| {module} | {' | '.join(f'{figures[n]:.3f}' for n in names)} | {seconds:.0f} |")
    print(f"\n(supervised: {args.folds}-fold cross-validation on the test cells, each scored by a model that "
          "did not see it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
