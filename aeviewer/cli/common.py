"""What every command shares: loading inputs and sessions, reporting what was skipped."""

from __future__ import annotations

import sys

from aeviewer.core.data import Failure, Split
from aeviewer.core.layouts import Found, Opened, find_paths, load_found


def report_failures(failures: list[Failure]) -> None:
    for f in failures:
        print(f"skipped {f.path}: {f.reason}", file=sys.stderr)


def find_inputs(paths: list[str], loose_split: Split) -> Found:
    """PATHs as the window would open them; says what was found."""
    found = find_paths(paths, loose_split)
    print(found.description, file=sys.stderr)
    return found


def load_inputs(found: Found, size: int, channels: int) -> Opened:
    """Decode what was found; lists what was skipped."""
    opened = load_found(found, size, channels)
    report_failures(opened.result.failures)
    for note in opened.result.notes:
        print(f"note: {note}", file=sys.stderr)
    return opened


def open_inputs(paths: list[str], size: int, channels: int, loose_split: Split) -> Opened:
    return load_inputs(find_inputs(paths, loose_split), size, channels)


def open_to_score(paths: list[str], config, loose_split: Split) -> Opened:
    """PATHs for a session's model to score: a tile model says that it scores them whole, at their
    own size (the loader's note speaks of the working copies)."""
    opened = open_inputs(paths, config.image_size, config.channels, loose_split)
    if getattr(config, "patches", False) and len(opened.result.images):
        print(f"full resolution: each picture is scored whole at its own size, in tiles of {config.image_size} px",
              file=sys.stderr)
    return opened


def load_session_or_fail(path: str, device_choice: str):
    """(model, session, device); raises ValueError with a reason (main prints it, exit 2)."""
    from aeviewer.core.model import resolve_device
    from aeviewer.core.session import load_session

    device = resolve_device(device_choice)
    model, session = load_session(path, device)
    return model, session, device
