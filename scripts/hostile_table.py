"""The README's table of hostile and odd files: what each one comes to when dropped or opened.

    python scripts/hostile_table.py

Builds the corpus of tests/hostile_corpus.py in a temporary folder, loads the folder the way a
drop on the window (and the CLI) does, and prints one row per case: loaded (with any note) or
refused (with the reason the window and the CLI show).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aeviewer.core.data import load_images
from tests.hostile_corpus import build


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "hostile"
        cases = build(folder)
        result = load_images([folder], 64, 3)
        loaded = set(result.images.paths)
        refused = {f.path: f.reason for f in result.failures}
        print("| file | what happens |")
        print("|---|---|")
        for case in cases:
            if str(case.path) in loaded:
                said = " (its first frame; the load says so)" if case.words == "first frame" else ""
                print(f"| {case.name} | loaded{said} |")
            else:
                print(f"| {case.name} | refused: \"{refused.get(str(case.path), 'not found')}\" |")
        print("| a symlink loop inside a dropped folder | not followed: each picture once |")
        print('| a file without read permission | refused: "cannot read file (permission denied)" |')
        print('| a file deleted while its folder loads | refused: "cannot read file (it was removed while loading)" |')
        print("| a web address dropped on the window | not opened; the status bar says to save the picture first |")
        print(f"\nFor the whole folder: {len(result.images)} loaded, {len(result.failures)} refused, and the note: "
              f"\"{'; '.join(result.notes)}\"")
    return 0


if __name__ == "__main__":
    sys.exit(main())
