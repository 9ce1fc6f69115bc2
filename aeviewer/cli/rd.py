"""aeviewer rd SESSION DATA [--json]: bytes against error for the model's code and for JPEG.

The model's code is quantised to 8 bits a number (core.compression); an ordered
model gives a point for every size of its ladder (1, 2, 4, ... numbers), a model
trained at one size one point. JPEG compresses the same pictures at a sweep of
qualities. Each number's range comes from DATA's training pictures (all of
DATA's pictures when it has no training part).
"""

from __future__ import annotations

import argparse
import json
import sys


def run(args: argparse.Namespace) -> int:
    import torch

    from aeviewer.cli.common import load_session_or_fail, open_inputs
    from aeviewer.core.compression import CodeRange, coder, model_curve
    from aeviewer.core.data import Split
    from aeviewer.core.rate_distortion import comparison_text, jpeg_curve

    model, session, device = load_session_or_fail(args.session, args.device)
    try:
        coder(model)
    except ValueError as exc:  # a U-Net has no code to measure
        print(f"error: {exc}", file=sys.stderr)
        return 2
    c = session.model_config
    images = open_inputs([args.data], c.image_size, c.channels, Split.TEST).result.images
    if not len(images):
        print("error: none of DATA's pictures could be read", file=sys.stderr)
        return 2
    train = images.indices(Split.TRAIN)
    fit = images.images[train] if len(train) else images.images
    with torch.no_grad():
        codes = torch.cat([model.encode(torch.from_numpy(fit[i : i + 256]).to(device).permute(0, 3, 1, 2).float()
                                        / 255.0) for i in range(0, len(fit), 256)]).cpu().numpy()
    measured = images.images[images.indices(Split.TEST)] if len(train) else images.images
    if not len(measured):
        measured = images.images
    ours = model_curve(model, measured, device, CodeRange.of(codes))
    jpeg = jpeg_curve(measured)
    if args.json:
        print(json.dumps({
            "pictures": len(measured),
            "model": [{"k": p.setting, "bytes": p.bytes, "mse": p.mse, "psnr": p.psnr} for p in ours],
            "jpeg": [{"quality": p.setting, "bytes": p.bytes, "mse": p.mse, "psnr": p.psnr} for p in jpeg],
        }))
        return 0
    what = "the held-back pictures" if len(train) else "every picture"
    print(f"{len(measured)} pictures ({what}), {c.image_size}x{c.image_size}x{c.channels}; "
          f"code quantised to 8 bits a number\n")
    print(f"{'model k':>8} {'bytes':>8} {'MSE':>10} {'PSNR dB':>8}    {'JPEG q':>6} {'bytes':>8} {'MSE':>10} "
          f"{'PSNR dB':>8}")
    for i in range(max(len(ours), len(jpeg))):
        left = (f"{ours[i].setting:>8} {ours[i].bytes:>8.0f} {ours[i].mse:>10.5f} {ours[i].psnr:>8.2f}"
                if i < len(ours) else " " * 35)
        right = (f"{jpeg[i].setting:>6} {jpeg[i].bytes:>8.0f} {jpeg[i].mse:>10.5f} {jpeg[i].psnr:>8.2f}"
                 if i < len(jpeg) else "")
        print(f"{left}    {right}")
    print()
    for p in ours:
        print(f"k={p.setting}: {comparison_text(p, jpeg, c.input_values)}")
    return 0
