"""aeviewer train DATA --out SESSION: train on DATA's normal training part, write a session.

The session is written every few epochs while the run goes on (``core.checkpoint``), so a
run can be resumed (``--resume``) and followed from a window. Under torchrun every process
trains its share of each epoch (``core.distributed``); rank 0 alone prints and writes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from pathlib import Path

from aeviewer.cli.common import find_inputs
from aeviewer.cli.progress import ProgressBar
from aeviewer.cli.train_data import start_stream, streamed_scores, training_data


def run(args: argparse.Namespace) -> int:
    from aeviewer.core.distributed import join, leave

    world, device = join(args.device)
    try:
        if world.main:
            return _train(args, world, device)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return _train(args, world, device)  # the other ranks stay quiet
    finally:
        leave(world)


def _resumed(args: argparse.Namespace):
    """(session, Resume) from --resume, or (None, None)."""
    if not args.resume:
        return None, None
    from aeviewer.core.checkpoint import resume_from
    from aeviewer.core.session import load_session

    model, session = load_session(args.resume)
    return (model, session), resume_from(session)


def _train(args: argparse.Namespace, world, device: str) -> int:
    started = time.perf_counter()
    import torch

    from aeviewer.core.checkpoint import Checkpointer
    from aeviewer.core.choices import Survey, choose
    from aeviewer.core.config import ModelConfig, TrainConfig, learning_rate
    from aeviewer.core.data import Split
    from aeviewer.core.engine import Engine
    from aeviewer.core.noise_kinds import parse_specs

    torch.manual_seed(args.seed)
    earlier, resume = _resumed(args)
    listing = time.perf_counter()
    found = find_inputs([args.data], Split.TRAIN)  # the index: every file, before any is decoded
    if len(found.entries) >= 10_000:
        print(f"indexed {len(found.entries):,} files in {time.perf_counter() - listing:.1f} s", file=sys.stderr)
    train_paths = found.paths(Split.TRAIN)
    if earlier is not None:  # the run goes on as it was set up; only --epochs may change
        _, old = earlier
        config, info = old.model_config, old.info
        denoise = parse_specs(info["denoise"]) if info.get("denoise") else ()
        epochs = args.epochs or old.checkpoint.epochs
        lr, batch, augment = float(info["learning_rate"]), int(info["batch_size"]), bool(info.get("augment"))
        print(f"resuming {args.resume}: {old.checkpoint.epochs_done} of {epochs} epochs done", file=sys.stderr)
    else:
        denoise = parse_specs(args.denoise) if args.denoise else ()
        # A person who asks for a denoiser gets the best one (the U-Net) unless they ask for the bottleneck.
        arch = args.arch or ("skip" if denoise else "bottleneck")
        method = args.method or ("reconstruct" if denoise or arch == "skip" or args.ordered else None)
        if args.patch_scale is not None and not args.patches:
            print("error: --patch-scale is for --patches", file=sys.stderr)
            return 2
        # Unless told, the pictures decide (core.choices); an ordered code and a stream need whole pictures.
        tiles = args.patches if args.patches is not None else (False if args.ordered or args.stream else None)
        settings = choose(Survey.of(train_paths), len(train_paths), method, args.channels, args.image_size,
                          args.epochs, patches=tiles,
                          patch_scale=args.patch_scale or 1.0, kept=len(found.entries))
        if settings.reasons:
            print(settings.describe(), file=sys.stderr)
        if settings.patches:
            print(f"full resolution: the model learns from {settings.size} px crops of each picture at "
                  f"{'its own size' if settings.patch_scale == 1 else f'{settings.patch_scale:g} of its size'} and "
                  f"scores it whole, in tiles" + ("; its score is counted against training pictures of its size"
                                                  if settings.method == "synthetic" else "")
                  + f"; each picture is also fitted whole into a {settings.size}x{settings.size} copy, for its code",
                  file=sys.stderr)
        config = ModelConfig(image_size=settings.size, channels=settings.channels, latent_dim=args.latent,
                             architecture=arch, method=settings.method, ordered=args.ordered,
                             patches=settings.patches, patch_scale=settings.patch_scale)
        epochs, augment = settings.epochs, args.augment
        lr = learning_rate(arch, settings.method) if args.lr is None else args.lr
    data = training_data(args, found, config.image_size, config.channels)
    if data.streaming and config.patches:
        data.close()
        print("error: --patches keeps every picture in memory at full size: it cannot stream this folder "
              "(train at working size, or on fewer pictures)", file=sys.stderr)
        return 2
    del found, train_paths  # streaming keeps its files compactly; the listing's objects can go
    images = data.images
    if not len(images.indices(Split.TRAIN)):
        print("error: no training images could be read", file=sys.stderr)
        return 2
    engine = Engine(config, device, seed=args.seed)
    if earlier is not None:
        engine.model.load_state_dict(earlier[0].state_dict())
        engine.score_kind = earlier[1].score
    if args.score is not None:
        engine.set_score_kind(args.score)  # the final evaluation scores this way (else the method's own)
    engine.set_images(images)
    if earlier is None:
        batch = args.batch_size or settings.batch_size(args.ordered, data.train_count)
    if data.streaming:
        start_stream(data, args, config.image_size, config.channels, batch, world, engine.device)
    train_config = TrainConfig(epochs=epochs, batch_size=batch, learning_rate=lr,
                               seed=args.seed, denoise=denoise, augment=augment)
    if world.distributed:
        n = world.size
        like_one = f"--batch-size {batch // n}" if batch // n >= 1 and batch % n == 0 else f"{n} times the epochs"
        print(world.describe(engine.device) + f"; batches of {batch} pictures in each ({n * batch} a step, so an "
              f"epoch is 1/{n} of one process's steps; to learn as one process does, {like_one})", file=sys.stderr)
    if denoise:
        print("denoising: noisy inputs, clean targets; noise " + ", ".join(s.describe() for s in denoise),
              file=sys.stderr)
    info = {
        "data": str(Path(args.data).resolve()),
        "epochs": epochs,
        "method": config.method,
        "learning_rate": lr,
        "batch_size": train_config.batch_size,
        "seed": args.seed,
        "train_images": data.train_count,
        "streamed": data.streaming,
        "denoise": [str(spec) for spec in denoise],
        "augment": augment,
    }
    checkpoints = Checkpointer(args.out, engine, epochs, info, every=args.checkpoint_every, world=world,
                               losses=list(earlier[1].checkpoint.losses) if earlier is not None else [])
    notes: list[str] = []
    if data.streaming:  # decoding processes are forked from this one: its objects are never collected
        import gc  # there, so their pages stay shared instead of being copied by each garbage collection

        gc.collect()
        gc.freeze()
    bar = ProgressBar()
    engine.scoring = bar.scoring  # the final pass over the pictures says how far it has come
    t0 = time.perf_counter()
    steps = engine.train(train_config, live=False, world=world, resume=resume, on_epoch=checkpoints,
                         stream=data.stream)
    try:
        final, snap, loop = _run(steps, notes, t0, bar)
    finally:
        data.close()
    seconds = time.perf_counter() - t0
    if not world.main:
        return 0
    assert final is not None, "training ended without a final evaluation"
    evaluation = final.evaluation  # the engine's last full pass, of the kind asked for
    train_scores = evaluation.scores[images.indices(Split.TRAIN)]
    if data.streaming:  # that pass saw the sample: score every file
        from aeviewer.core.evaluation import evaluate

        scores, splits, labels = streamed_scores(data, engine, config.image_size, config.channels)
        evaluation = evaluate(scores, splits, labels, engine.score_kind)
        train_scores = scores[splits == Split.TRAIN]
    trainer_losses = [float(v) for v in snap.losses] if snap is not None else []
    info.update(train_seconds=round(seconds, 2), notes=notes, loop_seconds=round(loop[0], 3), loop_images=loop[1],
                read_seconds=round(t0 - started, 3))  # listing and decoding (all, or the sample) before training
    session = checkpoints.session((evaluation.threshold, train_scores, final.heat_scale),
                                  finished=True, done=epochs, losses=[*checkpoints.losses, *trainer_losses],
                                  learning_rate=lr, optimiser=None)
    if not data.streaming:  # every picture with its final scores: the window opens it without scoring again
        from dataclasses import replace

        from aeviewer.core.session_state import saved_pictures

        pixels = {} if evaluation.pixel_auroc is None else {"pixel_auroc": evaluation.pixel_auroc}
        session = replace(session, images=saved_pictures(engine, absolute=True), info={**session.info, **pixels})
    from aeviewer.core.session import save_session

    save_session(args.out, engine.model, session)
    what = (f"to remove {', '.join(str(spec) for spec in denoise)}" if denoise
            else f"threshold {session.threshold:.6g} ({engine.score_kind})")
    print(f"trained on {data.train_count} images in {seconds:.1f} s; {what}; saved {args.out}")
    if evaluation.ranking is not None:
        print(f"test image AUROC: {evaluation.ranking.auroc:.4f}")
    return 0


def _run(steps, notes: list[str], t0: float, bar: ProgressBar):
    """Go through the run, showing its progress on ``bar``; (the final results, the last snapshot, and the
    seconds and pictures of the training loop alone, to its last snapshot before the final evaluation)."""
    final = last = None
    loop = (0.0, 0)
    for snap in steps:  # nobody draws: no live bookkeeping
        if snap is None:
            continue
        last = snap
        if snap.results is None:
            loop = (time.perf_counter() - t0, snap.step.images_seen)
        if snap.step.note and snap.step.note not in notes:
            notes.append(snap.step.note)
            print(f"\nnote: {snap.step.note}", file=sys.stderr)
        bar.update(snap.step)
        if snap.results is not None:  # the last snapshot carries the final evaluation
            final = snap.results
    return final, last, loop
