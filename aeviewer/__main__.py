"""`python -m aeviewer` and the `aeviewer` command: the desktop app."""

from __future__ import annotations

import sys


def main() -> int:
    from aeviewer.qt.app import main as gui_main

    return gui_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
