"""What every command shares: loading inputs and sessions, reporting what was skipped."""

from __future__ import annotations

import sys

from aeviewer.core.data import Failure, Split
from aeviewer.core.layouts import Opened, open_paths


def report_failures(failures: list[Failure]) -> None:
    for f in failures:
        print(f"skipped {f.path}: {f.reason}", file=sys.stderr)


def open_inputs(paths: list[str], size: int, channels: int, loose_split: Split) -> Opened:
    """PATHs as the window would open them; says what was found and lists what was skipped."""
    opened = open_paths(paths, size, channels, loose_split)
    print(opened.description, file=sys.stderr)
    report_failures(opened.result.failures)
    return opened


def load_session_or_fail(path: str, device_choice: str):
    """(model, session, device); raises ValueError with a reason (main prints it, exit 2)."""
    from aeviewer.core.model import resolve_device
    from aeviewer.core.session import load_session

    device = resolve_device(device_choice)
    model, session = load_session(path, device)
    return model, session, device
