"""Warnings raised on the worker thread go to the window as messages; other threads' go where they went."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable


def pass_warnings_on(say: Callable[[str], None]) -> tuple:
    """From now on a warning raised on this thread (a library's, or ours) is ``say``-d; returns what
    ``stop_passing_warnings`` needs to put things back."""
    before = warnings.showwarning
    this_thread = threading.current_thread()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if threading.current_thread() is this_thread:
            say(f"Warning: {message}")
        else:
            before(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    return show, before


def stop_passing_warnings(installed: tuple | None) -> None:
    if installed is None:
        return
    ours, before = installed
    if warnings.showwarning is ours:  # nobody has put another on top since
        warnings.showwarning = before
