"""Install aeviewer like a desktop program for the current user (Linux, freedesktop.org).

``aeviewer --install-desktop-entry`` writes, under ``$XDG_DATA_HOME`` (usually
~/.local/share):

- ``applications/aeviewer.desktop``: the menu entry, starting this Python's
  ``aeviewer`` command, offered in "Open with" for pictures, folders and
  session files;
- ``mime/packages/aeviewer.xml``: the MIME type of session files
  (``application/x-aeviewer-session``, ``*.aesession``), so a file manager
  opens them with aeviewer on a double-click;
- the icon, as SVG and PNGs of every size, in the hicolor theme, also as the
  session files' icon.

``--uninstall-desktop-entry`` removes exactly those files. Both then ask the
desktop to refresh its databases when the tools for it are installed. Nothing
here needs Qt or torch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from aeviewer.core.config import SESSION_SUFFIX

SESSION_MIME = "application/x-aeviewer-session"
PICTURE_MIMES = ("image/png", "image/jpeg", "image/bmp", "image/tiff", "image/webp", "image/gif",
                 "image/x-portable-anymap", "inode/directory")
ICON_NAME = "aeviewer"
SESSION_ICON = SESSION_MIME.replace("/", "-")

_PACKAGE = Path(__file__).resolve().parent
RESOURCES = next((p for p in (_PACKAGE / "resources", _PACKAGE.parent / "resources") if p.is_dir()), _PACKAGE)


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def command() -> str:
    """The ``aeviewer`` command of this Python (a gui-script), or ``python -m aeviewer`` when absent."""
    script = Path(sysconfig.get_path("scripts")) / ("aeviewer.exe" if os.name == "nt" else "aeviewer")
    return str(script) if script.exists() else f"{sys.executable} -m aeviewer"


def desktop_entry(exec_command: str) -> str:
    mimes = ";".join((*PICTURE_MIMES, SESSION_MIME)) + ";"
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=aeviewer",
        "GenericName=Autoencoder viewer",
        "Comment=Watch an autoencoder learn: compression, anomalies, denoising",
        f"Exec={exec_command} %F",
        f"Icon={ICON_NAME}",
        "Terminal=false",
        "Categories=Education;Science;Graphics;",
        f"MimeType={mimes}",
        "StartupWMClass=aeviewer",
        "",
    ])


def mime_package() -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{SESSION_MIME}">
    <comment>aeviewer session</comment>
    <icon name="{SESSION_ICON}"/>
    <glob pattern="*{SESSION_SUFFIX}"/>
  </mime-type>
</mime-info>
"""


def _icons() -> list[tuple[Path, Path]]:
    """(source, destination relative to the data folder) of every icon file."""
    theme = Path("icons") / "hicolor"
    pairs = []
    for name in (ICON_NAME, SESSION_ICON):
        folder = "apps" if name == ICON_NAME else "mimetypes"
        pairs.append((RESOURCES / "aeviewer.svg", theme / "scalable" / folder / f"{name}.svg"))
        for png in sorted((RESOURCES / "icons").glob("aeviewer-*.png")):
            size = png.stem.split("-")[-1]
            pairs.append((png, theme / f"{size}x{size}" / folder / f"{name}.png"))
    return pairs


def installed_files() -> list[Path]:
    home = data_home()
    return [home / "applications" / "aeviewer.desktop", home / "mime" / "packages" / "aeviewer.xml",
            *(home / dest for _src, dest in _icons())]


def _refresh(home: Path) -> None:
    """Ask the desktop to notice (when its tools are there; a fresh login does it anyway)."""
    for tool, folder in (("update-mime-database", home / "mime"),
                         ("update-desktop-database", home / "applications"),
                         ("gtk-update-icon-cache", home / "icons" / "hicolor")):
        if shutil.which(tool) and folder.is_dir():
            args = [tool, "-f", "-t", str(folder)] if tool == "gtk-update-icon-cache" else [tool, str(folder)]
            subprocess.run(args, capture_output=True, check=False)


def install() -> list[Path]:
    home = data_home()
    entry, mime = installed_files()[:2]
    for path, text in ((entry, desktop_entry(command())), (mime, mime_package())):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for src, dest in _icons():
        (home / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, home / dest)
    _refresh(home)
    return installed_files()


def uninstall() -> list[Path]:
    removed = [p for p in installed_files() if p.exists()]
    for p in removed:
        p.unlink()
    _refresh(data_home())
    return removed


def main(uninstalling: bool) -> int:
    if sys.platform != "linux":
        print("The desktop entry is for Linux desktops; on Windows and macOS see the README "
              "(a shortcut to the aeviewer command).", file=sys.stderr)
        return 1
    if uninstalling:
        removed = uninstall()
        print(f"removed {len(removed)} files of the aeviewer desktop entry")
        return 0
    files = install()
    print(f"installed the aeviewer desktop entry ({len(files)} files under {data_home()}): "
          f"it starts {command()}")
    return 0
