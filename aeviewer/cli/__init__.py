"""Headless commands: the same core code as the window, for scripts and CI.

    aeviewer train DATA --out SESSION [options]      (cli/train.py)
    aeviewer score SESSION PATH... --csv OUT         (cli/score.py)
    aeviewer evaluate SESSION DATA [--json]          (cli/evaluate.py)
    aeviewer denoise SESSION INPUT... --out DIR      (cli/denoise.py)
    aeviewer export SESSION --onnx OUT [--torchscript OUT]  (cli/export.py)
    aeviewer rd SESSION DATA [--json]                (cli/rd.py)

Unreadable inputs are reported one per line with the reason; a command exits
non-zero only when nothing at all could be processed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from aeviewer.cli.parser import COMMANDS, build_parser

__all__ = ["COMMANDS", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return args.run(args)
    except ValueError as exc:  # bad data or settings: one clear line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
