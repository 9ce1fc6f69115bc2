"""Anomaly detection on surfaces unlike ELPV, in pictures of varied sizes, through the commands a person runs.

    python -m pip install scikit-image          # its three real texture photographs (benchmarks only)
    python scripts/bench_surfaces.py [--textures brick,grass,gravel] [--method NAME=OPTIONS ...]
                                     [--work DIR] [--seed N] [--lighting] [--large | --huge]
                                     [--also-score KIND,...] [--reuse]

A check on data of another kind than the ELPV cells (issue #9 is judged on a held-out set of
a different surface, in pictures of varied sizes and aspect ratios): scikit-image ships three
512x512 grey photographs of real surfaces (brick, grass, gravel). From each, pictures of
random size (96 to 256 px wide, 64 to 180 px high) are cut: training and normal test
pictures from separate parts of the photograph (rows 0-319 for training, 320-511 for
testing), so that no test picture overlaps a training one. Half of the test pictures get one
defect, drawn here in ways the synthetic method's generator (Perlin blobs filled with
noise or with other parts of the normal pictures) does not: a thin scratch, a stain, a
smudge (the texture blurred away) or a patch of another surface; defects lie anywhere,
edges included, and each comes with its mask (MVTec layout, ground_truth/). Every method then
runs the real commands, as bench_realdata.py does:

    aeviewer train WORK/TEXTURE --out S.aesession OPTIONS
    aeviewer score S.aesession WORK/TEXTURE/test --csv scores.csv

The table gives the image AUROC over all test pictures and for each kind of defect against
the normal test pictures, the size bias (the rank correlation of the score with the picture's
area over the normal test pictures: near 0 when a picture is not flagged for its size alone)
and the seconds `aeviewer train` took. Methods are NAME=OPTIONS
pairs, by default "today" (colour, 64 px, reconstruction), "whole" (`--no-patches`: each
picture shrunk whole to the working size, the default before surfaces got tiles) and
"default" (no options: for these pictures, the synthetic method in tiles at full resolution).

`--lighting` lights every picture (training and test) unevenly, the same way, as a camera
over a surface does: brighter on one side by up to a fifth and darker at the corners (in
WORK/lit, or WORK/seedN-lit).

`--large` cuts larger pictures, of the sizes in issue #9's industrial set (120 to 520 px wide,
290 to 360 px high, so their areas differ fivefold), 1,000 for training, from the photograph
enlarged twice (its grain twice as coarse in pixels, as a camera close to a surface sees it;
in WORK/large). `--huge` cuts 1,000 + 100 pictures of 1024x768 from the photograph enlarged four
times, for the time a run takes on pictures of that size (in WORK/huge).
"""

from __future__ import annotations

import argparse
import importlib.resources
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from bench_realdata import TODAY, comparing, scored, train, without_trends
from PIL import Image, ImageDraw, ImageFilter

from aeviewer.core.metrics import auroc

TEXTURES = ("brick", "grass", "gravel")
DEFAULT_METHODS = [f"today={TODAY} --method reconstruct", "whole=--no-patches", "default="]
KINDS = ("scratch", "stain", "smudge", "foreign")


@dataclass(frozen=True)
class Shape:
    """How the pictures are cut: from the photograph enlarged ``enlarge`` times, of widths and heights
    in these ranges (px), training pictures from its first ``train_share`` of rows."""

    enlarge: int
    widths: tuple[int, int]
    heights: tuple[int, int]
    train_share: float
    counts: dict[str, int]

    def describe(self) -> str:
        return (f"{self.counts['train/good']} train, {self.counts['test/good']} normal + "
                f"{self.counts['test/defect']} defective test pictures, {self.widths[0]}-{self.widths[1]} x "
                f"{self.heights[0]}-{self.heights[1]} px" + (f", the photograph {self.enlarge}x" * (self.enlarge > 1)))


SMALL = Shape(1, (96, 256), (64, 180), 0.625, {"train/good": 400, "test/good": 60, "test/defect": 60})
LARGE = Shape(2, (120, 520), (290, 360), 0.625, {"train/good": 1000, "test/good": 60, "test/defect": 60})
HUGE = Shape(4, (1024, 1024), (768, 768), 0.625, {"train/good": 1000, "test/good": 50, "test/defect": 50})


def photograph(name: str) -> np.ndarray:
    try:
        path = importlib.resources.files("skimage") / "data" / f"{name}.png"
        return np.asarray(Image.open(path).convert("L"), np.uint8)
    except ModuleNotFoundError:
        sys.exit("scikit-image is not installed: python -m pip install scikit-image")


def cut(photo: np.ndarray, rows: tuple[int, int], rng: np.random.Generator, shape: Shape = SMALL) -> np.ndarray:
    h = int(rng.integers(shape.heights[0], shape.heights[1] + 1))
    w = int(rng.integers(shape.widths[0], shape.widths[1] + 1))
    top = int(rng.integers(rows[0], rows[1] - h + 1))
    left = int(rng.integers(0, photo.shape[1] - w + 1))
    return photo[top : top + h, left : left + w].copy()


def defect(picture: np.ndarray, kind: str, other: np.ndarray,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``picture`` with one defect of ``kind`` somewhere (edges included), and its mask (255 where changed)."""
    h, w = picture.shape
    mask = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(mask)
    cy, cx = int(rng.integers(0, h)), int(rng.integers(0, w))
    out = picture.astype(np.float32)
    if kind == "scratch":  # a thin, slightly bent line, brighter or darker
        length, angle = rng.uniform(25, 80), rng.uniform(0, np.pi)
        points = [(cx, cy)]
        for _ in range(6):
            angle += rng.normal(0, 0.25)
            x, y = points[-1]
            points.append((x + length / 6 * np.cos(angle), y + length / 6 * np.sin(angle)))
        draw.line(points, fill=255, width=int(rng.integers(1, 4)))
        m = np.asarray(mask, np.float32) / 255
        out += m * rng.choice([-1, 1]) * rng.uniform(50, 90)
    elif kind == "stain":  # a soft-edged blot, darker or brighter
        r = rng.uniform(6, 18)
        draw.ellipse([cx - r, cy - r * rng.uniform(0.5, 1), cx + r, cy + r * rng.uniform(0.5, 1)], fill=255)
        m = np.asarray(mask.filter(ImageFilter.GaussianBlur(r / 4)), np.float32) / 255
        out = out * (1 - m) + out * m * rng.choice([0.45, 1.6])
    elif kind == "smudge":  # the texture wiped away: a blurred region
        r = rng.uniform(10, 24)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)
        m = np.asarray(mask.filter(ImageFilter.GaussianBlur(2)), np.float32) / 255
        blurred = np.asarray(Image.fromarray(picture).filter(ImageFilter.GaussianBlur(5)), np.float32)
        out = out * (1 - m) + blurred * m
    else:  # a patch of another surface
        ph, pw = int(rng.integers(12, 31)), int(rng.integers(12, 31))
        top, left = int(rng.integers(0, other.shape[0] - ph)), int(rng.integers(0, other.shape[1] - pw))
        y0, x0 = min(max(cy - ph // 2, 0), h - ph), min(max(cx - pw // 2, 0), w - pw)
        out[y0 : y0 + ph, x0 : x0 + pw] = other[top : top + ph, left : left + pw]
        draw.rectangle([x0, y0, x0 + pw - 1, y0 + ph - 1], fill=255)
        m = np.asarray(mask, np.float32) / 255
    changed = np.abs(np.clip(out, 0, 255) - picture) >= 8
    return np.clip(out, 0, 255).astype(np.uint8), np.where(changed & (m > 0.3), 255, 0).astype(np.uint8)


def lit(picture: np.ndarray) -> np.ndarray:
    """``picture`` lit unevenly: 20 % brighter on the right than on the left, corners 15 % darker."""
    h, w = picture.shape
    across, down = np.linspace(-1, 1, w)[None, :], np.linspace(-1, 1, h)[:, None]
    light = (1 + 0.1 * across) * (1 - 0.075 * (across**2 + down**2))
    return np.clip(picture * light, 0, 255).astype(np.uint8)


def write_set(name: str, work: Path, seed: int = 0, lighting: bool = False, shape: Shape = SMALL) -> Path:
    """One texture's pictures in MVTec layout (written once; a second run reuses them)."""
    root = work / name
    if (root / "test" / "defect").is_dir():
        return root
    rng = np.random.default_rng(seed)
    photo = photograph(name)
    if shape.enlarge > 1:
        side = photo.shape[0] * shape.enlarge
        photo = np.asarray(Image.fromarray(photo).resize((side, side), Image.Resampling.BICUBIC))
    other = photograph(TEXTURES[(TEXTURES.index(name) + 1) % len(TEXTURES)])
    train_rows = round(photo.shape[0] * shape.train_share)
    for sub, count in shape.counts.items():
        (root / sub).mkdir(parents=True, exist_ok=True)
        rows = (0, train_rows) if sub.startswith("train") else (train_rows, photo.shape[0])
        for i in range(count):
            picture = cut(photo, rows, rng, shape)
            picture = lit(picture) if lighting else picture
            if sub == "test/defect":
                kind = KINDS[i % len(KINDS)]
                picture, mask = defect(picture, kind, other, rng)
                (root / "ground_truth" / "defect").mkdir(parents=True, exist_ok=True)
                Image.fromarray(mask).save(root / "ground_truth" / "defect" / f"{kind}_{i:03d}_mask.png")
                Image.fromarray(picture).save(root / sub / f"{kind}_{i:03d}.png")
            else:
                Image.fromarray(picture).save(root / sub / f"{i:03d}.png")
    return root


def aurocs(root: Path, session: Path, kind: str | None) -> dict[str, float]:
    """`aeviewer score`'s image AUROC on all the test pictures and on each kind of defect."""
    rows = scored(root, session, kind)
    if rows is None:
        return {}
    normal = [s for p, s in rows if "/test/good/" in p]
    out = {"all": auroc(normal + [s for p, s in rows if "/test/good/" not in p],
                        [0] * len(normal) + [1] * (len(rows) - len(normal)))}
    for k in KINDS:
        bad = [s for p, s in rows if Path(p).name.startswith(k)]
        out[k] = auroc(normal + bad, [0] * len(normal) + [1] * len(bad))
    areas = [float(np.prod(Image.open(root / "test" / "good" / Path(p).name).size)) for p, _ in rows
             if "/test/good/" in p]
    out["size bias"] = rank_correlation(areas, normal)
    return out


def rank_correlation(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation (ties broken by order)."""
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--textures", default=",".join(TEXTURES))
    p.add_argument("--seed", type=int, default=0, help="another draw of pictures and defects (in WORK/seedN)")
    p.add_argument("--lighting", action="store_true", help="every picture lit unevenly, the same way (in WORK/lit)")
    p.add_argument("--large", action="store_true", help="1,000 larger pictures of fivefold areas (in WORK/large)")
    p.add_argument("--huge", action="store_true", help="1,000 pictures of 1024x768 (in WORK/huge)")
    args = comparing(p, "surfaces", "today's, whole pictures and the default").parse_args()
    methods = [m.partition("=")[::2] for m in (args.method or DEFAULT_METHODS)]
    kinds = [None, *[k for k in args.also_score.split(",") if k]]
    sub = "-".join([f"seed{args.seed}"] * bool(args.seed) + ["lit"] * args.lighting + ["large"] * args.large
                   + ["huge"] * args.huge)
    shape = HUGE if args.huge else LARGE if args.large else SMALL
    work = Path(args.work) / sub if sub else Path(args.work)
    results = []
    for name in args.textures.split(","):
        root = write_set(name, work, args.seed, args.lighting, shape)
        print(f"{name}: {shape.describe()}", flush=True)
        for method, options in methods:
            session, seconds, said = train(root, method, options, work, args.reuse)
            ways = [(method, session)]
            if args.without_trend:
                ways.append((f"{method}, no trend", without_trends(session)))
            for kind in kinds:
                for label, path in ways:
                    values = aurocs(root, path, kind)
                    results.append((name, label, options, kind or "its own", values, seconds))
                    print(f"  {label:>8} (score: {kind or 'its own'}): AUROC {values.get('all', float('nan')):.3f}, "
                          f"size bias {values.get('size bias', float('nan')):.2f}, train {seconds:.0f} s  {said}",
                          flush=True)
    print()
    columns = " | ".join([*KINDS, "size bias"])
    print(f"| surface | method | options | score | image AUROC | {columns} | train s (wall) |")
    print("|---------|--------|---------|-------|------------:|" + "------:|" * (len(KINDS) + 1) + "---------------:|")
    for name, method, options, kind, values, seconds in results:
        cells = " | ".join(f"{values.get(k, float('nan')):.3f}" for k in ("all", *KINDS, "size bias"))
        print(f"| {name} | {method} | `{options or '(none)'}` | {kind} | {cells} | {seconds:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
