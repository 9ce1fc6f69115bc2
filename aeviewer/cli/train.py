"""aeviewer train DATA --out SESSION: train on DATA's normal training part, write a session."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from aeviewer.cli.common import find_inputs, load_inputs
from aeviewer.cli.progress import ProgressBar


def run(args: argparse.Namespace) -> int:
    import torch

    from aeviewer.core.choices import Survey, choose
    from aeviewer.core.config import ModelConfig, TrainConfig, learning_rate
    from aeviewer.core.data import Split
    from aeviewer.core.engine import Engine
    from aeviewer.core.noise_kinds import parse_specs
    from aeviewer.core.session import Session, save_session

    torch.manual_seed(args.seed)
    denoise = parse_specs(args.denoise) if args.denoise else ()
    # A person who asks for a denoiser gets the best one (the U-Net) unless they ask for the bottleneck.
    arch = args.arch or ("skip" if denoise else "bottleneck")
    found = find_inputs([args.data], Split.TRAIN)
    train_paths = found.paths(Split.TRAIN)
    method = args.method or ("reconstruct" if denoise or arch == "skip" or args.ordered else None)
    settings = choose(Survey.of(train_paths), len(train_paths), method, args.channels, args.image_size, args.epochs)
    if settings.reasons:
        print(settings.describe(), file=sys.stderr)
    config = ModelConfig(image_size=settings.size, channels=settings.channels, latent_dim=args.latent,
                         architecture=arch, method=settings.method, ordered=args.ordered)
    images = load_inputs(found, config.image_size, config.channels).result.images
    if not len(images.indices(Split.TRAIN)):
        print("error: no training images could be read", file=sys.stderr)
        return 2
    engine = Engine(config, args.device, seed=args.seed)
    if args.score is not None:
        engine.set_score_kind(args.score)  # the final evaluation scores this way (else the method's own)
    engine.set_images(images)
    lr = learning_rate(arch, settings.method) if args.lr is None else args.lr
    batch = args.batch_size or settings.batch_size(args.ordered, len(images.indices(Split.TRAIN)))
    train_config = TrainConfig(
        epochs=settings.epochs, batch_size=batch, learning_rate=lr,
        seed=args.seed, denoise=denoise, augment=args.augment,
    )
    if denoise:
        print("denoising: noisy inputs, clean targets; noise " + ", ".join(s.describe() for s in denoise),
              file=sys.stderr)
    bar = ProgressBar()
    notes: list[str] = []
    final = None
    t0 = time.perf_counter()
    for snap in engine.train(train_config, live=False):  # nobody draws: no live bookkeeping
        if snap is None:
            continue
        if snap.step.note and snap.step.note not in notes:
            notes.append(snap.step.note)
            print(f"\nnote: {snap.step.note}", file=sys.stderr)
        bar.update(snap.step)
        if snap.results is not None:  # the last snapshot carries the final evaluation
            final = snap.results
    seconds = time.perf_counter() - t0
    assert final is not None, "training ended without a final evaluation"
    train_rows = images.indices(Split.TRAIN)
    evaluation = final.evaluation  # the engine's last full pass, of the kind asked for
    session = Session(
        model_config=config,
        score=engine.score_kind,
        threshold=evaluation.threshold,
        heat_scale=final.heat_scale,
        train_scores=evaluation.scores[train_rows],
        info={
            "data": str(Path(args.data).resolve()),
            "epochs": settings.epochs,
            "method": settings.method,
            "learning_rate": lr,
            "batch_size": train_config.batch_size,
            "seed": args.seed,
            "train_seconds": round(seconds, 2),
            "train_images": len(train_rows),
            "denoise": [str(spec) for spec in denoise],
            "augment": args.augment,
            "notes": notes,
        },
    )
    save_session(args.out, engine.model, session)
    what = (f"to remove {', '.join(str(spec) for spec in denoise)}" if denoise
            else f"threshold {session.threshold:.6g} ({engine.score_kind})")
    print(f"trained on {len(train_rows)} images in {seconds:.1f} s; {what}; saved {args.out}")
    if evaluation.ranking is not None:
        print(f"test image AUROC: {evaluation.ranking.auroc:.4f}")
    return 0
