"""Put aeviewer in the desktop's application menu (Linux, freedesktop.org).

    python scripts/install_desktop_entry.py [--uninstall]

Installs resources/aeviewer.desktop and the icon under ~/.local/share, with
Exec pointing at the `aeviewer` command of the Python that runs this script, so
the app starts with a double-click, and images or folders can be opened with it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARE = Path.home() / ".local" / "share"
ENTRY = SHARE / "applications" / "aeviewer.desktop"
ICON = SHARE / "icons" / "hicolor" / "scalable" / "apps" / "aeviewer.svg"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--uninstall", action="store_true")
    args = p.parse_args()
    if args.uninstall:
        for f in (ENTRY, ICON):
            f.unlink(missing_ok=True)
        print("removed the aeviewer desktop entry")
        return 0
    command = Path(sysconfig.get_path("scripts")) / "aeviewer"
    if not command.exists():
        print(f"no aeviewer command at {command}: install the package first (pip install .)", file=sys.stderr)
        return 1
    text = (ROOT / "resources" / "aeviewer.desktop").read_text()
    text = text.replace("Exec=aeviewer %F", f"Exec={command} %F")
    ENTRY.parent.mkdir(parents=True, exist_ok=True)
    ICON.parent.mkdir(parents=True, exist_ok=True)
    ENTRY.write_text(text)
    shutil.copyfile(ROOT / "resources" / "aeviewer.svg", ICON)
    print(f"installed {ENTRY}\n  and {ICON}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
