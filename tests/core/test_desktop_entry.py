"""The desktop entry: what `aeviewer --install-desktop-entry` writes, and that uninstalling removes it all."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET

import pytest

from aeviewer import desktop_entry as de


@pytest.mark.skipif(sys.platform != "linux", reason="freedesktop entries are for Linux desktops")
def test_install_and_uninstall_for_this_user(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(de, "_refresh", lambda home: None)  # no desktop databases touched in a test
    assert de.main(uninstalling=False) == 0
    entry = (tmp_path / "applications" / "aeviewer.desktop").read_text()
    fields = dict(line.split("=", 1) for line in entry.splitlines() if "=" in line)
    assert fields["Exec"].endswith(" %F") and "aeviewer" in fields["Exec"] and fields["Icon"] == "aeviewer"
    assert "application/x-aeviewer-session" in fields["MimeType"].split(";")
    assert "image/png" in fields["MimeType"].split(";") and fields["Terminal"] == "false"
    mime = ET.parse(tmp_path / "mime" / "packages" / "aeviewer.xml").getroot()
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    kind = mime.find("m:mime-type", ns)
    assert kind.get("type") == "application/x-aeviewer-session"
    assert kind.find("m:glob", ns).get("pattern") == "*.aesession"
    icons = tmp_path / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / "aeviewer.svg").exists()
    assert (icons / "48x48" / "apps" / "aeviewer.png").exists()
    assert (icons / "256x256" / "mimetypes" / "application-x-aeviewer-session.png").exists()
    written = de.installed_files()
    assert all(p.exists() for p in written)
    assert de.main(uninstalling=True) == 0
    assert not any(p.exists() for p in written)
