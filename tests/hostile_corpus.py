"""Hostile and odd picture files, generated (nothing binary is shipped): what people drop on the window.

``build(folder)`` writes every case and returns what each should come to: a picture, or a refusal
whose reason contains the words given. tests/core/test_hostile_files.py loads them;
scripts/hostile_table.py prints the README's table from the same cases.
"""

from __future__ import annotations

import contextlib
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Case:
    name: str  # what it is, in words
    path: Path
    loads: bool  # becomes a picture (else refused)
    words: str = ""  # in the refusal's reason, or in a note about it


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A valid PNG signature and header declaring ``width`` x ``height``, and no pixels at all."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))


def build(folder: Path, large: bool = True) -> list[Case]:
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def add(name: str, file: str, loads: bool, words: str = "") -> Path:
        path = folder / file
        cases.append(Case(name, path, loads, words))
        return path

    colour = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    add("empty file", "empty.png", False, "empty").write_bytes(b"")
    add("text with an image extension", "text.jpg", False, "not an image").write_text("hello, not a picture")
    add("random bytes with an image extension", "noise.png", False, "not an image").write_bytes(
        rng.integers(0, 255, 4096, dtype=np.uint8).tobytes())
    whole = folder / "_whole.png"
    Image.fromarray(colour).save(whole)
    data = whole.read_bytes()
    add("truncated PNG", "truncated.png", False, "truncated").write_bytes(data[: len(data) // 2])
    whole.unlink()
    Image.fromarray(colour).save(whole := folder / "_whole.jpg", quality=90)
    data = whole.read_bytes()
    add("truncated JPEG", "truncated.jpg", False, "truncated").write_bytes(data[: len(data) // 3])
    whole.unlink()
    _png_header_only(add("decompression bomb (a tiny file declaring 100000x100000)", "bomb.png", False,
                         "too large"), 100_000, 100_000)
    if large:
        big = np.repeat(np.repeat(rng.integers(0, 255, (60, 40, 3), dtype=np.uint8), 100, 0), 100, 1)
        Image.fromarray(big).save(add("very large real photo (4000x6000 JPEG)", "large.jpg", True), quality=80)
    Image.fromarray(np.full((1, 80_000, 3), 200, np.uint8)).save(add("extreme aspect ratio (80000x1)", "wide.png",
                                                                     True))
    Image.fromarray(colour).convert("P").save(add("palette", "palette.png", True))
    Image.fromarray(colour).convert("LA").save(add("grey with alpha", "grey_alpha.png", True))
    Image.fromarray(colour).convert("CMYK").save(add("CMYK JPEG", "cmyk.jpg", True))
    Image.fromarray(colour).convert("1").save(add("1-bit", "one_bit.png", True))
    Image.fromarray(rng.integers(0, 65535, (40, 40), dtype=np.uint16)).save(add("16-bit grey", "sixteen.png", True))
    floats = rng.random((40, 40)).astype(np.float32)
    floats[0, 0], floats[1, 1], floats[2, 2] = np.nan, np.inf, -np.inf
    Image.fromarray(floats, mode="F").save(add("32-bit float TIFF with NaN and Inf", "float.tif", True))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view"
    Image.fromarray(colour).save(add("EXIF-rotated photo", "rotated.jpg", True), exif=exif)
    frames = [Image.fromarray(np.full((32, 32, 3), v, np.uint8)) for v in (0, 120, 240)]
    frames[0].save(add("animated GIF", "animated.gif", True, "first frame"), save_all=True,
                   append_images=frames[1:], duration=100, loop=0)
    frames[0].save(add("multi-page TIFF", "pages.tif", True, "first frame"), save_all=True, append_images=frames[1:])
    Image.fromarray(colour).save(add("unicode name", "ünïcødé-图片-🍌.png", True))
    deep = folder / ("a" * 60) / ("b" * 60) / ("c" * 60) / ("d" * 60)
    deep.mkdir(parents=True)
    Image.fromarray(colour).save(deep / "long-path.png")
    cases.append(Case("very long path (over 250 characters)", deep / "long-path.png", True))
    inside = folder / "looks-like-a-picture.png"
    inside.mkdir()
    Image.fromarray(colour).save(inside / "inside.png")
    cases.append(Case("a folder named like an image", inside / "inside.png", True))
    with contextlib.suppress(OSError):  # a system without symlinks: the other cases still count
        os.symlink(folder, folder / "loop", target_is_directory=True)  # a dropped folder that contains itself
    return cases
