"""Images in, validated arrays out.

Files are decoded with Pillow, checked, converted to the working colour mode and
resized once to the working size. Nothing here touches Qt or torch, so it runs on
any thread and is tested without a window.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from aeviewer.core.working_size import content_box, cut, to_working_size

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm"}
)
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_PIXELS = 80_000_000  # ~ a 10k x 8k photo; larger is refused, not decoded


class Split(enum.IntEnum):
    """Where an image came from; decides its colour and whether it is trained on."""

    TRAIN = 0
    TEST = 1
    DROPPED = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Failure:
    """A file that could not be used, and why, in words a person understands."""

    path: str
    reason: str


@dataclass
class ImageSet:
    """Images at working size with their origin.

    ``images`` is uint8 (N, H, W, C). ``labels`` is 0 (normal), 1 (anomalous) or
    -1 (unknown) per image. A set is not changed once made (``concatenated``
    makes a new one), so the engine and the views can share it across threads.
    """

    images: np.ndarray
    paths: list[str]
    splits: np.ndarray
    labels: np.ndarray = field(default=None)  # type: ignore[arg-type]  # None: all unknown (-1), set below
    masks: dict[int, np.ndarray] = field(default_factory=dict)  # row -> (H, W) bool defect mask
    # int32 (N, 2): each picture's (H, W) as read, so that what is shown leaves out the filling of its
    # working square (core.working_size); None: all square
    shapes: np.ndarray = field(default=None)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        n = len(self.images)
        if self.images.ndim != 4 or self.images.dtype != np.uint8:
            raise ValueError("images must be a uint8 array of shape (N, H, W, C)")
        if self.labels is None:
            self.labels = np.full(n, -1, np.int8)
        self.splits = np.asarray(self.splits, np.int8)
        self.labels = np.asarray(self.labels, np.int8)
        if self.shapes is None:
            self.shapes = np.full((n, 2), self.images.shape[1], np.int32)
        self.shapes = np.asarray(self.shapes, np.int32).reshape(-1, 2)
        if not (len(self.paths) == len(self.splits) == len(self.labels) == len(self.shapes) == n):
            raise ValueError("images, paths, splits, labels and shapes must have the same length")

    @classmethod
    def empty(cls, size: int, channels: int) -> ImageSet:
        return cls(np.zeros((0, size, size, channels), np.uint8), [], np.zeros(0, np.int8))

    def __len__(self) -> int:
        return len(self.images)

    @property
    def size(self) -> int:
        return int(self.images.shape[1])

    @property
    def channels(self) -> int:
        return int(self.images.shape[3])

    def indices(self, split: Split) -> np.ndarray:
        return np.flatnonzero(self.splits == split)

    def subset(self, rows: np.ndarray) -> ImageSet:
        """A new set of just these rows, in this order (masks follow their pictures)."""
        rows = np.asarray(rows, np.int64)
        where = {int(r): i for i, r in enumerate(rows)}
        return ImageSet(self.images[rows], [self.paths[r] for r in rows], self.splits[rows], self.labels[rows],
                        {where[r]: m for r, m in self.masks.items() if r in where}, self.shapes[rows])

    def box(self, row: int) -> tuple[int, int, int, int]:
        """(top, left, height, width) of picture ``row`` itself in its working square."""
        return content_box(self.size, tuple(self.shapes[row]))

    def shown(self, row: int) -> np.ndarray:
        """Picture ``row`` at working size as a person sees it: without the filling around it."""
        return cut(self.images[row], self.box(row))

    def concatenated(self, other: ImageSet) -> ImageSet:
        """A new set: these images, then ``other``'s (same working size). Neither is changed."""
        if len(other) and other.images.shape[1:] != self.images.shape[1:]:
            raise ValueError(
                f"image shape {other.images.shape[1:]} does not match {self.images.shape[1:]}"
            )
        start = len(self)
        return ImageSet(
            np.concatenate([self.images, other.images]),
            self.paths + list(other.paths),
            np.concatenate([self.splits, other.splits]),
            np.concatenate([self.labels, other.labels]),
            {**self.masks, **{start + row: mask for row, mask in other.masks.items()}},
            np.concatenate([self.shapes, other.shapes]),
        )


@dataclass(frozen=True)
class LoadResult:
    images: ImageSet
    failures: list[Failure]
    notes: list[str] = field(default_factory=list)  # what was done to pictures that did load, in words


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Failure]]:
    """Files stay files, folders become their image files (recursively, sorted)."""
    files: list[Path] = []
    failures: list[Failure] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES
            )
            if not found:
                failures.append(Failure(str(p), "folder holds no image files"))
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            failures.append(Failure(str(p), "no such file or folder"))
    return files, failures


def read_picture(path: str | os.PathLike[str], channels: int, max_side: int | None = None) -> np.ndarray:
    """Read one file at its own size as uint8 (H, W, channels); raises ValueError with a reason.
    With ``max_side``, a large JPEG may be decoded at a half, quarter or eighth of its size, as long
    as its longer side stays at least ``max_side`` (less memory and time for a picture to be shrunk)."""
    return read_noted(path, channels, max_side)[0]


GREY_SOURCES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F", "P;L"})


@dataclass(frozen=True)
class Source:
    """What a file held, besides its pixels: its own size, grey or colour, and frames left out."""

    width: int
    height: int
    grey: bool
    frames: int = 1


def read_noted(path: str | os.PathLike[str], channels: int, max_side: int | None = None) -> tuple[np.ndarray, Source]:
    """``read_picture``, and what the file held (for saying what was done to it)."""
    p = Path(path)
    try:
        nbytes = p.stat().st_size
    except FileNotFoundError:
        raise ValueError("cannot read file (it was removed while loading)") from None
    except OSError as exc:
        raise ValueError(f"cannot read file ({exc.strerror or exc})") from exc
    if nbytes == 0:
        raise ValueError("file is empty")
    if nbytes > MAX_FILE_BYTES:
        raise ValueError(f"file is too large ({nbytes / 2**20:.0f} MiB)")
    try:
        with Image.open(p) as im:
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise ValueError(f"image is too large ({w}x{h} pixels)")
            if w == 0 or h == 0:
                raise ValueError("image has no pixels")
            source = Source(w, h, im.mode in GREY_SOURCES, int(getattr(im, "n_frames", 1) or 1))
            if max_side is not None and im.format == "JPEG" and max(w, h) > 2 * max_side:
                im.draft(im.mode, (max(1, w * max_side // max(w, h)), max(1, h * max_side // max(w, h))))
            im.load()
            upright = ImageOps.exif_transpose(im)  # a phone photo taken sideways is shown upright
            if upright.mode.startswith("I") or upright.mode == "F":  # 16-bit, 32-bit or float: scaled, not clipped
                grey = high_depth_to_uint8(np.asarray(upright))
                pixels = np.repeat(grey[..., None], 3, axis=2) if channels == 3 else grey
            else:
                pixels = np.asarray(upright.convert("RGB" if channels == 3 else "L"))
    except UnidentifiedImageError:
        raise ValueError("not an image Pillow can read") from None
    except Image.DecompressionBombError:
        raise ValueError("image is too large") from None
    except PermissionError:
        raise ValueError("cannot read file (permission denied)") from None
    except FileNotFoundError:
        raise ValueError("cannot read file (it was removed while loading)") from None
    except (OSError, SyntaxError) as exc:
        raise ValueError(f"image is damaged or truncated ({exc})") from None
    return (pixels[..., None] if pixels.ndim == 2 else pixels), source


def high_depth_to_uint8(values: np.ndarray) -> np.ndarray:
    """A 16-bit, 32-bit or float grey picture as 8 bits, scaled (Pillow's own conversion clips).

    The range is the format's: 0..65535 for 16 bits, 0..1 for floats that stay within it, 0..255
    for values that do; wider values are scaled from 0 to the picture's largest. NaN becomes 0,
    infinities the largest or smallest finite value.
    """
    v = values.astype(np.float64)
    finite = np.isfinite(v)
    if not finite.any():
        return np.zeros(v.shape, np.uint8)
    lo, hi = float(v[finite].min()), float(v[finite].max())
    v = np.nan_to_num(v, nan=0.0, posinf=hi, neginf=lo)
    if values.dtype == np.uint16 or (values.dtype.kind in "iu" and hi > 255 and hi <= 65535):
        top = 65535.0
    elif values.dtype.kind == "f" and lo >= 0.0 and hi <= 1.0:
        top = 1.0
    elif lo >= 0.0 and hi <= 255.0:
        top = 255.0
    else:
        v, top = v - min(lo, 0.0), max(hi - min(lo, 0.0), 1e-12)
    return np.clip(np.round(v / top * 255.0), 0, 255).astype(np.uint8)


def decode_image(path: str | os.PathLike[str], size: int, channels: int) -> np.ndarray:
    """Read one file as uint8 (size, size, channels); raises ValueError with a reason."""
    return to_working_size(read_picture(path, channels, 2 * size), size)


def save_picture(path: str | os.PathLike[str], pixels: np.ndarray) -> Path:
    """Write float (H, W, C) in [0, 1] or uint8 pixels as a PNG (written whole, then renamed)."""
    p = Path(path)
    arr = pixels if pixels.dtype == np.uint8 else (np.clip(pixels, 0, 1) * 255 + 0.5).astype(np.uint8)
    img = Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".part")
    img.save(tmp, format="PNG")
    os.replace(tmp, p)
    return p


@dataclass(frozen=True)
class Entry:
    """One file to load, where it belongs, and its defect mask if it has one."""

    path: Path
    split: Split
    label: int = -1  # 0 normal, 1 anomalous, -1 unknown
    mask: Path | None = None


def load_entries(
    entries: list[Entry],
    size: int,
    channels: int,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    own_sizes: bool = False,
) -> LoadResult:
    """Decode every entry (and its mask); bad files become Failures, never exceptions.

    ``progress(done, total)`` is called as files are read; ``cancelled()`` is
    polled between files and stops the load early (what was read is returned).
    ``own_sizes``: the pictures will be used at their own sizes (a tile model scores them so), and
    the notes leave out that their working copies were made one size.
    """
    # One array filled in place: a list of pictures stacked at the end would need twice the memory.
    stack = np.empty((len(entries), size, size, channels), np.uint8)
    count = 0
    paths: list[str] = []
    splits: list[int] = []
    labels: list[int] = []
    masks: dict[int, np.ndarray] = {}
    failures: list[Failure] = []
    sources: list[Source] = []
    shapes = np.empty((len(entries), 2), np.int32)
    for i, e in enumerate(entries):
        if cancelled is not None and cancelled():
            break
        try:
            pixels, source = read_noted(e.path, channels, 2 * size)
            stack[count] = to_working_size(pixels, size)
            shapes[count] = pixels.shape[:2]
            count += 1
        except ValueError as exc:
            failures.append(Failure(str(e.path), str(exc)))
        else:
            sources.append(source)
            if e.mask is not None:
                try:
                    masks[len(paths)] = decode_image(e.mask, size, 1)[..., 0] > 127
                except ValueError as exc:
                    failures.append(Failure(str(e.mask), f"mask skipped: {exc}"))
            paths.append(str(e.path))
            splits.append(e.split)
            labels.append(e.label)
        if progress is not None:
            progress(i + 1, len(entries))
    stack = stack[:count] if count == len(entries) or count > len(entries) // 2 else stack[:count].copy()
    images = ImageSet(stack, paths, np.array(splits, np.int8), np.array(labels, np.int8), masks, shapes[:count])
    return LoadResult(images, failures, conversion_notes(sources, paths, size, channels, own_sizes))


def conversion_notes(sources: list[Source], paths: list[str], size: int, channels: int,
                     own_sizes: bool = False) -> list[str]:
    """What was done to the pictures that loaded, where a person would want to know: frames left
    out of animations and multi-page files, and mixed sizes (unless ``own_sizes``) or colour kinds
    made alike."""
    notes = []
    many = [(Path(p).name, s.frames) for p, s in zip(paths, sources, strict=True) if s.frames > 1]
    if many:
        listed = ", ".join(f"{name} ({frames} frames)" for name, frames in many[:3])
        more = f" and {len(many) - 3} more" if len(many) > 3 else ""
        notes.append(f"only the first frame of {listed}{more} was used")
    shapes = {(s.width, s.height) for s in sources}
    kinds = {s.grey for s in sources}
    mode = "colour" if channels == 3 else "grey"
    if own_sizes:  # each picture is used at its own size: only a mix of colour kinds was made alike
        if len(kinds) > 1:
            notes.append(f"pictures both grey and in colour were all made {mode}")
    elif len(shapes) > 1 or len(kinds) > 1:
        what = []
        if len(shapes) > 1:
            areas = sorted(shapes, key=lambda wh: wh[0] * wh[1])
            what.append(f"{len(shapes)} sizes ({areas[0][0]}x{areas[0][1]} to {areas[-1][0]}x{areas[-1][1]})")
        if len(kinds) > 1:
            what.append("both grey and colour")
        notes.append(f"pictures of {' and '.join(what)} were all made {size}x{size} {mode}, each fitted whole "
                     f"and padded")
    return notes


def load_images(
    paths: Iterable[str | os.PathLike[str]],
    size: int,
    channels: int,
    split: Split = Split.DROPPED,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> LoadResult:
    """Decode every image under ``paths`` (files, or folders searched recursively), unlabelled."""
    files, failures = expand_paths(paths)
    result = load_entries([Entry(f, split) for f in files], size, channels, progress, cancelled)
    return LoadResult(result.images, failures + result.failures, result.notes)


def iter_batches(n: int, batch_size: int) -> Iterator[slice]:
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))
