"""aeviewer denoise SESSION INPUT... --out DIR: clean pictures at their own size, in tiles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from aeviewer.cli.common import load_session_or_fail, report_failures


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


def run(args: argparse.Namespace) -> int:
    from aeviewer.core.data import Failure, expand_paths, read_picture, save_picture
    from aeviewer.core.denoising import denoise_picture
    from aeviewer.core.noise_kinds import NoiseSpec

    noise = NoiseSpec.parse(args.add_noise) if args.add_noise else None
    model, session, device = load_session_or_fail(args.session, args.device)
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
    report_failures(failures)
    if not done:
        print("error: none of the inputs could be read", file=sys.stderr)
        return 2
    print(f"denoised {done} pictures into {out}")
    return 0
