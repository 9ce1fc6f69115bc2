"""aeviewer export SESSION --onnx OUT.onnx [--torchscript OUT.pt]: the model for use without aeviewer.

Each file gets a JSON sidecar (input size, channels, value range, score,
threshold). The command then runs what it wrote on sample pictures and prints
the largest difference from aeviewer's own reconstruction and score; above
1e-4 it fails (exit 1), and the files are left for inspection.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

SAMPLES = 16


def sample_pictures(session, paths: list[str] | None) -> tuple[np.ndarray, str]:
    """Up to SAMPLES uint8 pictures at the session's working size, and where they came from."""
    from aeviewer.cli.common import open_inputs
    from aeviewer.core.data import Split
    from aeviewer.core.session_state import read_pictures

    c = session.model_config
    if paths:
        images = open_inputs(paths, c.image_size, c.channels, Split.DROPPED).result.images.images
        if len(images):
            return images[:SAMPLES], "the pictures given"
        raise ValueError("none of the sample pictures could be read")
    if session.images is not None:
        images = read_pictures(session.images, c.image_size, c.channels).images.images
        if len(images):
            return images[:SAMPLES], "the session's pictures"
    data = session.info.get("data")
    if data and Path(data).exists():
        images = open_inputs([data], c.image_size, c.channels, Split.TRAIN).result.images.images
        if len(images):
            return images[:SAMPLES], f"its training data ({data})"
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (SAMPLES, c.image_size, c.image_size, c.channels), dtype=np.uint8), "made-up pictures"


def run(args: argparse.Namespace) -> int:
    from aeviewer.cli.common import load_session_or_fail
    from aeviewer.core.export import check_parity, export_onnx, export_torchscript

    if not args.onnx and not args.torchscript:
        print("error: say what to write: --onnx OUT.onnx and/or --torchscript OUT.pt", file=sys.stderr)
        return 2
    if args.onnx:
        import importlib.util

        missing = [m for m in ("onnx", "onnxruntime") if importlib.util.find_spec(m) is None]
        if missing:
            print(f"error: ONNX export needs {' and '.join(missing)}: pip install 'aeviewer[export]'", file=sys.stderr)
            return 2
    model, session, _device = load_session_or_fail(args.session, "cpu")
    pictures, source = sample_pictures(session, args.samples)
    failed = False
    for fmt, out, export in (("onnx", args.onnx, export_onnx), ("torchscript", args.torchscript, export_torchscript)):
        if not out:
            continue
        path, side = export(model, session, out)
        print(f"wrote {path} and {side.name}")
        parity = check_parity(model, session, fmt, path, pictures)
        print(f"{parity.describe()} ({source})")
        failed |= not parity.ok
    if failed:
        print("error: the exported model does not give aeviewer's results", file=sys.stderr)
        return 1
    return 0
