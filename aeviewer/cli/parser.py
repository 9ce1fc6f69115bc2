"""The command line's grammar, built from the choices in ``core.config``."""

from __future__ import annotations

import argparse

from aeviewer.core.config import (
    ARCHITECTURES,
    DEVICES,
    LEARNING_RATES,
    METHODS,
    NOISE_KINDS,
    SCORE_KINDS,
    SYNTHETIC_LEARNING_RATE,
)

COMMANDS = ("train", "score", "evaluate", "denoise", "export", "rd")


def _device(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=DEVICES, default="auto")


def _run(name: str):
    """The command's function, imported when it runs (torch loads only then)."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        return importlib.import_module(f"aeviewer.cli.{name}").run(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aeviewer", description="Headless aeviewer commands.")
    sub = p.add_subparsers(dest="command", required=True)
    kinds = ", ".join(NOISE_KINDS)
    rates = ", ".join(f"{lr:g} for {arch}" for arch, lr in LEARNING_RATES.items())
    rates += f", {SYNTHETIC_LEARNING_RATE:g} for the synthetic method"

    t = sub.add_parser("train", help="train on the normal training part of DATA; write a session file")
    t.add_argument("data", help="a folder (MVTec, normal/anomaly subfolders, or flat) or one picture")
    t.add_argument("--out", required=True, help="session file to write")
    t.add_argument("--method", choices=tuple(METHODS), default=None,
                   help="reconstruct: the difference from the reconstruction; synthetic: a second network, "
                        "trained on synthetic defects, finds the differences that matter "
                        "(default: synthetic for pictures of 64 px and more, else reconstruct)")
    t.add_argument("--latent", type=int, default=16)
    t.add_argument("--ordered", action="store_true",
                   help="an ordered code: any first k of its --latent numbers is a code of its own (nested "
                        "dropout), so one model serves every size ('aeviewer rd' measures each)")
    t.add_argument("--epochs", type=int, default=None,
                   help="default: 40; for the synthetic method about 50,000 pictures' worth, or 25,000 "
                        "crops' with --patches")
    t.add_argument("--image-size", type=int, default=None,
                   help="working size, or with --patches the tile size (default: from the pictures)")
    t.add_argument("--patches", action=argparse.BooleanOptionalAction, default=None,
                   help="full resolution: train on random crops of the pictures at their own size and score "
                        "whole pictures in overlapping tiles (heatmaps of the pictures' own size); "
                        "--no-patches: each picture whole, shrunk to the working size (default: tiles for "
                        "the synthetic method on a surface, pictures that share no layout)")
    t.add_argument("--patch-scale", type=float, default=None, metavar="F",
                   help="with --patches: crop and score the pictures at F times their own size (default 1)")
    t.add_argument("--channels", type=int, choices=[1, 3], default=None,
                   help="default: 1 when every picture is grey, else 3")
    t.add_argument("--batch-size", type=int, default=None, help="default: 64, or 16 for the synthetic method")
    t.add_argument("--lr", type=float, default=None, help=f"learning rate (default: {rates})")
    t.add_argument("--score", choices=SCORE_KINDS, default=None,
                   help="default: local (worst patch), and for the synthetic method combined: its learned "
                        "defect map and the worst patch (and for a surface in tiles how unusual its small patches "
                        "are), each counted in its spread over the training pictures; learned: the learned map alone")
    _device(t)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--denoise", action="append", metavar="NOISE",
                   help=f"train to remove NOISE, e.g. gaussian:0.1-0.5 (kinds: {kinds}); repeat to mix kinds")
    t.add_argument("--augment", action="store_true",
                   help="also train on flipped and quarter-turned copies (for pictures whose orientation "
                        "does not matter, such as fruit on a table; not for digits or text)")
    t.add_argument("--arch", choices=tuple(ARCHITECTURES), default=None,
                   help="skip: a U-Net, best for denoising, but it compresses nothing "
                        "(default: skip with --denoise, else bottleneck)")
    t.add_argument("--checkpoint-every", type=int, default=5, metavar="N",
                   help="write the session every N epochs while training, to resume or follow the run "
                        "(0: only at the end; default 5)")
    t.add_argument("--resume", metavar="SESSION",
                   help="go on with the run that wrote SESSION (its settings; --epochs may add more)")
    t.add_argument("--stream", action="store_true",
                   help="decode the training pictures from their files batch by batch, in worker processes, "
                        "with a bounded cache (default: when they would take over a quarter of the memory)")
    t.add_argument("--cache-mb", type=int, default=1024, metavar="MB",
                   help="streaming: decoded pictures kept between epochs (default 1024)")
    t.add_argument("--workers", type=int, default=None, metavar="N",
                   help="streaming: decoding processes (default: the cores less one, at most 4; none on 2 cores, "
                        "where batches are decoded between steps)")
    t.set_defaults(run=_run("train"))

    s = sub.add_parser("score", help="score images with a session; write a CSV")
    s.add_argument("session")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("--csv", required=True)
    s.add_argument("--score", choices=SCORE_KINDS, default=None,
                   help="score another way than the session's own (its threshold then does not apply)")
    _device(s)
    s.set_defaults(run=_run("score"))

    e = sub.add_parser("evaluate", help="image (and pixel) AUROC of a session on labelled DATA")
    e.add_argument("session")
    e.add_argument("data")
    e.add_argument("--json", action="store_true")
    _device(e)
    e.set_defaults(run=_run("evaluate"))

    d = sub.add_parser("denoise", help="clean pictures with a denoising session; write PNGs")
    d.add_argument("session")
    d.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    d.add_argument("--out", required=True, help="folder for the cleaned PNGs (names are kept)")
    d.add_argument("--add-noise", metavar="NOISE",
                   help="first add this noise (e.g. gaussian:0.3) to see it removed; also writes NAME-noisy.png")
    d.add_argument("--seed", type=int, default=0, help="seed for --add-noise")
    _device(d)
    d.set_defaults(run=_run("denoise"))

    x = sub.add_parser("export", help="the session's model as ONNX and/or TorchScript, with a JSON sidecar each; "
                                      "checks the exported model against aeviewer's own results")
    x.add_argument("session")
    x.add_argument("--onnx", metavar="OUT.onnx", help="write ONNX here (the check needs onnxruntime)")
    x.add_argument("--torchscript", metavar="OUT.pt", help="write TorchScript here")
    x.add_argument("--samples", nargs="+", metavar="PATH",
                   help="pictures to check on (default: the session's own, else its training data, else made-up ones)")
    x.set_defaults(run=_run("export"))

    r = sub.add_parser("rd", help="bytes against error: the model's quantised code at each size, and JPEG")
    r.add_argument("session")
    r.add_argument("data", help="pictures to measure on (a folder; its test part when it has one)")
    r.add_argument("--json", action="store_true", help='one object: {"model": [{"k", "bytes", "mse", "psnr"}, ...], '
                                                      '"jpeg": [{"quality", ...}, ...]}')
    _device(r)
    r.set_defaults(run=_run("rd"))
    return p
