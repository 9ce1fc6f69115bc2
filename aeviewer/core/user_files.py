"""Where aeviewer keeps a person's own files: autosaves, settings, logs.

The per-user data folder of the platform (platformdirs: ~/.local/share/aeviewer
on Linux, ~/Library/Application Support/aeviewer on macOS, %LOCALAPPDATA% on
Windows), or ``$AEVIEWER_DATA_DIR`` when set (the tests set it, so they never
touch a person's real folder).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir, user_log_dir

AUTOSAVE_PREFIX = "autosave-"


def data_dir() -> Path:
    folder = Path(os.environ.get("AEVIEWER_DATA_DIR") or user_data_dir("aeviewer", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_dir() -> Path:
    """Where unexpected errors are written down (``$AEVIEWER_DATA_DIR/logs`` when that is set)."""
    override = os.environ.get("AEVIEWER_DATA_DIR")
    folder = Path(override) / "logs" if override else Path(user_log_dir("aeviewer", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def autosave_path(pid: int | None = None) -> Path:
    """This process's autosave file (one per running window, so two windows never overwrite each other)."""
    return data_dir() / f"{AUTOSAVE_PREFIX}{os.getpid() if pid is None else pid}.aesession"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill would end the process there
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # type: ignore[attr-defined]
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)  # type: ignore[attr-defined]
        return bool(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or cannot tell: leave it alone
    return True


def orphaned_autosaves() -> list[Path]:
    """Autosaves left by windows that are no longer running (a crash, a killed process), newest first."""
    found = []
    for path in data_dir().glob(f"{AUTOSAVE_PREFIX}*.aesession"):
        pid = path.stem[len(AUTOSAVE_PREFIX):]
        if pid.isdigit() and not _alive(int(pid)):
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)
