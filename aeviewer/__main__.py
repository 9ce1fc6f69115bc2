"""`python -m aeviewer` and the `aeviewer` command.

`aeviewer train|score|evaluate ...` runs a headless command (see aeviewer.cli);
anything else opens the desktop app.
"""

from __future__ import annotations

import sys


def main() -> int:
    from aeviewer.cli import COMMANDS
    from aeviewer.cli import main as cli_main

    argv = sys.argv[1:]
    if argv and argv[0] in COMMANDS:
        return cli_main(argv)
    from aeviewer.qt.app import main as gui_main

    return gui_main(argv)


if __name__ == "__main__":
    sys.exit(main())
