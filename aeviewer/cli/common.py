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


def load_inputs(found: Found, size: int, channels: int, own_sizes: bool = False) -> Opened:
    """Decode what was found; lists what was skipped."""
    opened = load_found(found, size, channels, own_sizes=own_sizes)
    report_failures(opened.result.failures)
    for note in opened.result.notes:
        print(f"note: {note}", file=sys.stderr)
    return opened


def open_inputs(paths: list[str], size: int, channels: int, loose_split: Split) -> Opened:
    return load_inputs(find_inputs(paths, loose_split), size, channels)


def scoring_description(found: Found) -> str:
    """What ``aeviewer score`` was given, in its own terms: pictures to score and the labels they carry
    (a labelled folder's training and test parts mean nothing to it)."""
    n = len(found.entries)
    normal, anomalous = (sum(e.label == k for e in found.entries) for k in (0, 1))
    labels = f" ({normal} labelled normal, {anomalous} anomalous)" if normal + anomalous else ""
    return f"{n} picture{'s' if n != 1 else ''} to score{labels}"


def open_to_score(paths: list[str], config, loose_split: Split, splits_matter: bool = True) -> Opened:
    """PATHs for a session's model to score; says what they are (``splits_matter``: as a labelled layout's
    training and test parts, else as pictures to score). A tile model scores them whole at their own size,
    and says so in place of the note on working copies of one size."""
    tiles = bool(getattr(config, "patches", False))
    found = find_paths(paths, loose_split)
    print(found.description if splits_matter else scoring_description(found), file=sys.stderr)
    opened = load_inputs(found, config.image_size, config.channels, own_sizes=tiles)
    if tiles and len(opened.result.images):
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
