"""Headless commands: the same core code as the window, for scripts and CI.

    aeviewer train DATA --out SESSION [--latent K] [--epochs N] [--image-size S]
                   [--channels 1|3] [--device auto|cpu|cuda] [--seed N] [--score mse|ssim|local]
                   [--denoise gaussian:0.1-0.5 ...] [--arch bottleneck|skip] [--augment]
    aeviewer score SESSION PATH... --csv OUT
    aeviewer evaluate SESSION DATA [--json]
    aeviewer denoise SESSION INPUT... --out DIR [--add-noise gaussian:0.3]

Unreadable inputs are reported one per line with the reason; a command exits
non-zero only when nothing at all could be processed.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

COMMANDS = ("train", "score", "evaluate", "denoise")


class ProgressBar:
    """One line on stderr, redrawn at most ten times a second (plain lines when not a terminal)."""

    def __init__(self, stream=sys.stderr, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self._last = 0.0
        self._epoch = -1

    def update(self, step) -> None:
        now = time.monotonic()
        done = step.images_seen >= step.images_total
        if self.tty:
            if now - self._last < 0.1 and not done:
                return
            self._last = now
            filled = int(self.width * step.fraction_done)
            bar = "#" * filled + "-" * (self.width - filled)
            left = "" if not math.isfinite(step.seconds_left) else f", {step.seconds_left:4.0f} s left"
            self.stream.write(
                f"\r[{bar}] epoch {step.epoch + 1}/{step.epochs} loss {step.loss:.5f} "
                f"{step.images_per_second:5.0f} img/s{left}"
            )
            if done:
                self.stream.write("\n")
        elif done:
            self.stream.write(f"done: {step.epochs} epochs, loss {step.loss:.5f}\n")
        elif step.epoch != self._epoch:
            self._epoch = step.epoch
            self.stream.write(f"epoch {step.epoch + 1}/{step.epochs} loss {step.loss:.5f}\n")
        self.stream.flush()


def _report_failures(failures) -> None:
    for f in failures:
        print(f"skipped {f.path}: {f.reason}", file=sys.stderr)


def _load_data(data: str, size: int, channels: int):
    """A folder in any known layout, or a single image file (unlabelled)."""
    from aeviewer.core.data import Split, load_images
    from aeviewer.core.layouts import detect_layout, load_layout

    if Path(data).is_dir():
        layout = detect_layout(data)
        print(layout.describe(), file=sys.stderr)
        return load_layout(layout, size, channels)
    return load_images([data], size, channels, Split.TRAIN)


def cmd_train(args: argparse.Namespace) -> int:
    import torch

    from aeviewer.core.config import LEARNING_RATES, ModelConfig
    from aeviewer.core.data import Split
    from aeviewer.core.engine import Engine
    from aeviewer.core.metrics import auroc, default_threshold
    from aeviewer.core.session import Session, save_session
    from aeviewer.core.training import TrainConfig

    from aeviewer.core.noise_kinds import parse_specs

    torch.manual_seed(args.seed)
    denoise = parse_specs(args.denoise) if args.denoise else ()
    config = ModelConfig(
        image_size=args.image_size, channels=args.channels, latent_dim=args.latent, architecture=args.arch
    )
    result = _load_data(args.data, config.image_size, config.channels)
    _report_failures(result.failures)
    images = result.images
    if not len(images.indices(Split.TRAIN)):
        print("error: no training images could be read", file=sys.stderr)
        return 2
    engine = Engine(config, args.device, seed=args.seed)
    engine.set_score_kind(args.score)  # before the images: the final evaluation then scores this way
    engine.set_images(images.images, images.splits)
    bar = ProgressBar()
    if args.lr is None:
        args.lr = LEARNING_RATES[args.arch]
    train_config = TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr, seed=args.seed, denoise=denoise,
        augment=args.augment,
    )
    if denoise:
        print("denoising: noisy inputs, clean targets; noise " + ", ".join(s.describe() for s in denoise),
              file=sys.stderr)
    t0 = time.perf_counter()
    final = None
    notes = []
    for snap in engine.train(train_config):
        if snap is not None:
            if snap.step.note and snap.step.note not in notes:
                notes.append(snap.step.note)
                print(f"\nnote: {snap.step.note}", file=sys.stderr)
            bar.update(snap.step)
            final = snap
    seconds = time.perf_counter() - t0
    train_rows = images.indices(Split.TRAIN)
    scores = final.evaluation.scores  # the engine's last full pass, of the kind asked for
    session = Session(
        model_config=config,
        score=args.score,
        threshold=default_threshold(scores[train_rows]),
        heat_scale=final.evaluation.heat_scale,
        train_scores=scores[train_rows],
        info={
            "data": str(Path(args.data).resolve()),
            "epochs": args.epochs,
            "learning_rate": args.lr,
            "batch_size": args.batch_size,
            "seed": args.seed,
            "train_seconds": round(seconds, 2),
            "train_images": int(len(train_rows)),
            "denoise": [str(spec) for spec in denoise],
            "augment": args.augment,
            "notes": notes,
        },
    )
    save_session(args.out, engine.model, session)
    what = (f"to remove {', '.join(str(spec) for spec in denoise)}" if denoise
            else f"threshold {session.threshold:.6g} ({args.score})")
    print(f"trained on {len(train_rows)} images in {seconds:.1f} s; {what}; saved {args.out}")
    test = images.indices(Split.TEST)
    if len(test) and set(np.unique(images.labels[test])) >= {0, 1}:
        print(f"test image AUROC: {auroc(scores[test], images.labels[test]):.4f}")
    return 0


def _score_inputs(paths: Sequence[str], size: int, channels: int):
    """Images under PATHs; a folder in a labelled layout keeps its labels."""
    from aeviewer.core.data import Failure, ImageSet, Split, load_images
    from aeviewer.core.layouts import detect_layout, load_layout

    merged = ImageSet.empty(size, channels)
    failures = []
    loose = []
    for p in paths:
        if Path(p).is_dir():
            try:
                layout = detect_layout(p)
            except ValueError as exc:
                failures.append(Failure(p, str(exc)))
                continue
            if layout.kind != "flat":
                result = load_layout(layout, size, channels)
                merged.extend(result.images)
                failures += result.failures
                continue
        loose.append(p)
    if loose:
        result = load_images(loose, size, channels, Split.DROPPED)
        merged.extend(result.images)
        failures += result.failures
    return merged, failures


def cmd_score(args: argparse.Namespace) -> int:
    from aeviewer.core.inference import anomaly_scores
    from aeviewer.core.model import resolve_device
    from aeviewer.core.session import load_session

    device = resolve_device(args.device)
    try:
        model, session = load_session(args.session, device)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    c = session.model_config
    images, failures = _score_inputs(args.paths, c.image_size, c.channels)
    _report_failures(failures)
    if not len(images):
        print("error: none of the inputs could be read", file=sys.stderr)
        return 2
    scores = anomaly_scores(model, images.images, device, session.score)
    out = Path(args.csv)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "score", "threshold", "is_anomaly", "label"])
        for path, score, label in zip(images.paths, scores, images.labels, strict=True):
            w.writerow([path, f"{score:.8g}", f"{session.threshold:.8g}", int(score > session.threshold),
                        "" if label < 0 else int(label)])
    flagged = int((scores > session.threshold).sum())
    print(f"scored {len(images)} images, {flagged} above the threshold; wrote {out}")
    return 0


def evaluation_numbers(model, session, images, device) -> dict:
    """Image AUROC (and pixel AUROC when masks exist) on the TEST images: what the window shows too."""
    from aeviewer.core.data import Split
    from aeviewer.core.inference import anomaly_scores, pixel_auroc
    from aeviewer.core.metrics import auroc, counts_at

    test = images.indices(Split.TEST)
    labels = images.labels[test]
    if not len(test) or not (labels == 0).any() or not (labels == 1).any():
        raise ValueError("evaluation needs labelled test images, both normal and anomalous")
    scores = anomaly_scores(model, images.images[test], device, session.score)
    c = counts_at(scores, labels, session.threshold)
    out = {
        "score": session.score,
        "threshold": session.threshold,
        "test_images": int(len(test)),
        "anomalous": int((labels == 1).sum()),
        "image_auroc": auroc(scores, labels),
        "precision": c.precision,
        "recall": c.recall,
        "true_positive": c.true_positive,
        "false_positive": c.false_positive,
        "true_negative": c.true_negative,
        "false_negative": c.false_negative,
    }
    pixel = pixel_auroc(model, images.images, images.labels, images.masks, test, device)
    if pixel is not None:
        out["pixel_auroc"] = pixel
    return out


def cmd_evaluate(args: argparse.Namespace) -> int:
    from aeviewer.core.model import resolve_device
    from aeviewer.core.session import load_session

    device = resolve_device(args.device)
    try:
        model, session = load_session(args.session, device)
        c = session.model_config
        result = _load_data(args.data, c.image_size, c.channels)
        _report_failures(result.failures)
        numbers = evaluation_numbers(model, session, result.images, device)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(numbers, indent=2))
    else:
        print(f"image AUROC  {numbers['image_auroc']:.4f}  ({numbers['test_images']} test images, "
              f"{numbers['anomalous']} anomalous, score: {numbers['score']})")
        if "pixel_auroc" in numbers:
            print(f"pixel AUROC  {numbers['pixel_auroc']:.4f}")
        print(f"at threshold {numbers['threshold']:.6g}: precision {numbers['precision']:.3f}, "
              f"recall {numbers['recall']:.3f} (TP {numbers['true_positive']}, FP {numbers['false_positive']}, "
              f"TN {numbers['true_negative']}, FN {numbers['false_negative']})")
    return 0


def _output_names(files, out: Path) -> list[Path]:
    """DIR/<name>.png for every input, keeping names; a clash gets -2, -3, ..."""
    taken: set[str] = set()
    names = []
    for f in files:
        stem, n = f.stem, 1
        name = f"{stem}.png"
        while name in taken:
            n += 1
            name = f"{stem}-{n}.png"
        taken.add(name)
        names.append(out / name)
    return names


def cmd_denoise(args: argparse.Namespace) -> int:
    from aeviewer.core.data import Failure, expand_paths, read_picture, save_picture
    from aeviewer.core.denoising import denoise_picture
    from aeviewer.core.model import resolve_device
    from aeviewer.core.noise_kinds import NoiseSpec
    from aeviewer.core.session import load_session

    device = resolve_device(args.device)
    noise = NoiseSpec.parse(args.add_noise) if args.add_noise else None
    try:
        model, session = load_session(args.session, device)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not session.info.get("denoise"):
        print("note: this session was trained to reconstruct, not to denoise (train with --denoise)",
              file=sys.stderr)
    files, failures = expand_paths(args.inputs)
    out = Path(args.out)
    done = 0
    for f, target in zip(files, _output_names(files, out), strict=True):
        try:
            picture = read_picture(f, session.model_config.channels).astype(np.float32) / 255.0
        except ValueError as exc:
            failures.append(Failure(str(f), str(exc)))
            continue
        result = denoise_picture(model, picture, device, noise, seed=args.seed)
        save_picture(target, result.output)
        if noise is not None:
            save_picture(target.with_name(target.stem + "-noisy.png"), result.noisy)
            q = result.quality()
            print(f"{f} -> {target} (PSNR {q['noisy_psnr']:.2f} -> {q['psnr']:.2f} dB)")
        else:
            print(f"{f} -> {target}")
        done += 1
    _report_failures(failures)
    if not done:
        print("error: none of the inputs could be read", file=sys.stderr)
        return 2
    print(f"denoised {done} pictures into {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from aeviewer.core.scoring import DEFAULT_SCORE, SCORES

    p = argparse.ArgumentParser(prog="aeviewer", description="Headless aeviewer commands.")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train on the normal training part of DATA; write a session file")
    t.add_argument("data", help="a folder (MVTec, normal/anomaly subfolders, or flat)")
    t.add_argument("--out", required=True, help="session file to write")
    t.add_argument("--latent", type=int, default=16)
    t.add_argument("--epochs", type=int, default=40)
    t.add_argument("--image-size", type=int, default=64)
    t.add_argument("--channels", type=int, choices=[1, 3], default=3)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--lr", type=float, default=None, help="learning rate (default: 2e-3, or 1e-3 with --arch skip)")
    t.add_argument("--score", choices=sorted(SCORES), default=DEFAULT_SCORE)
    t.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--denoise", action="append", metavar="NOISE",
                   help="train to remove NOISE, e.g. gaussian:0.1-0.5 (kinds: gaussian, salt, mask, speckle, jpeg); "
                        "repeat to mix kinds")
    t.add_argument("--augment", action="store_true",
                   help="also train on flipped and quarter-turned copies (for pictures whose orientation "
                        "does not matter, such as fruit on a table; not for digits or text)")
    t.add_argument("--arch", choices=["bottleneck", "skip"], default="bottleneck",
                   help="skip: a U-Net, best for denoising, but it compresses nothing")
    t.set_defaults(run=cmd_train)

    s = sub.add_parser("score", help="score images with a session; write a CSV")
    s.add_argument("session")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("--csv", required=True)
    s.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    s.set_defaults(run=cmd_score)

    e = sub.add_parser("evaluate", help="image (and pixel) AUROC of a session on labelled DATA")
    e.add_argument("session")
    e.add_argument("data")
    e.add_argument("--json", action="store_true")
    e.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    e.set_defaults(run=cmd_evaluate)

    d = sub.add_parser("denoise", help="clean pictures with a denoising session; write PNGs")
    d.add_argument("session")
    d.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    d.add_argument("--out", required=True, help="folder for the cleaned PNGs (names are kept)")
    d.add_argument("--add-noise", metavar="NOISE",
                   help="first add this noise (e.g. gaussian:0.3) to see it removed; also writes NAME-noisy.png")
    d.add_argument("--seed", type=int, default=0, help="seed for --add-noise")
    d.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    d.set_defaults(run=cmd_denoise)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return args.run(args)
    except ValueError as exc:  # bad data or settings: one clear line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
