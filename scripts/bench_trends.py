"""What the contrast trend does to saved sessions' scores, with the same networks.

    python scripts/bench_trends.py SESSION=FOLDER [SESSION=FOLDER ...]

Each SESSION is a synthetic-method session that `aeviewer train FOLDER` wrote (bench_realdata.py
and bench_surfaces.py leave them in their WORK folders, beside the FOLDER in MVTec layout). Its
combined score's yardsticks are fitted again on FOLDER/train the way the end of a run fits them
(core.inference.fit_score_stats for whole pictures, core.patches.fit_full_stats for tiles),
twice: with each picture's contrast held the same while fitting, which leaves only the size
trend (the yardsticks before core.trends counted contrast), and as `aeviewer train` fits them now,
by size and contrast. Both score FOLDER/test as `aeviewer score` does; the table gives the image
AUROC of each and the contrast slopes fitted. Training never reads the yardsticks, so this
compares the two ways of counting on the very same networks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aeviewer.core import trends
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.inference import fit_score_stats
from aeviewer.core.layouts import find_paths, load_found
from aeviewer.core.metrics import auroc
from aeviewer.core.patches import FullPictures, fit_full_stats, image_scores
from aeviewer.core.session import load_session


def pictures(folder: Path, config) -> ImageSet:
    return load_found(find_paths([str(folder)], Split.DROPPED), config.image_size, config.channels,
                      own_sizes=config.patches).result.images


def refitted(session: Path, folder: Path, contrast: bool) -> tuple[float, list[float]]:
    """Test AUROC of ``session`` with its yardsticks fitted again on ``folder``/train, and the contrast slopes."""
    device = torch.device("cpu")
    model, saved = load_session(session)
    config = saved.model_config
    train, test = pictures(folder / "train", config), pictures(folder / "test", config)
    measured = trends.log_contrast
    if not contrast:  # every picture's contrast the same while fitting: no contrast trend is found
        trends.log_contrast = lambda x: torch.zeros(x.shape[0], dtype=torch.float64)
    try:
        if config.patches:
            full = FullPictures.of(train, config.patch_scale, config.image_size, np.arange(len(train)))
            fit_full_stats(model, full, device, refit_texture=True)
        else:
            fit_score_stats(model, train.images, device)
    finally:
        trends.log_contrast = measured
    slopes = [float(v) for v in model.score_contrast[trends.LEAD:]]
    texture = getattr(model, "texture", None)
    if texture is not None and texture.fitted:
        slopes += [float(v) for v in texture.contrast[trends.LEAD:]]
    return auroc(image_scores(model, test, device, "combined"), test.labels), slopes


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pairs", nargs="+", metavar="SESSION=FOLDER")
    args = p.parse_args()
    rows = []
    for pair in args.pairs:
        session, _, folder = pair.partition("=")
        size_only, _ = refitted(Path(session), Path(folder), contrast=False)
        both, slopes = refitted(Path(session), Path(folder), contrast=True)
        name = f"{Path(session).parent.name}/{Path(session).name}"  # bench_surfaces.py's seedN, large, ...
        rows.append((name, size_only, both, slopes))
        print(f"{name}: size only {size_only:.3f}, size and contrast {both:.3f}", flush=True)
    print()
    print("| session | size only (before) | size and contrast | change | contrast slopes (learned, patch[, texture]) |")
    print("|---|--:|--:|--:|---|")
    for name, size_only, both, slopes in rows:
        print(f"| {name} | {size_only:.3f} | {both:.3f} | {both - size_only:+.3f} | "
              f"{', '.join(f'{s:.3g}' for s in slopes)} |")
    changes = [both - size_only for _, size_only, both, _ in rows]
    print(f"\nmean change {np.mean(changes):+.3f}, median {np.median(changes):+.3f} over {len(rows)} sessions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
