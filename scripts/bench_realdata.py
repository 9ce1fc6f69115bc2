"""Anomaly detection on real inspection pictures, through the commands a person runs.

    python -m pip install elpv-dataset        # 2,624 solar-cell pictures, CC BY-NC-SA 4.0 (benchmarks only)
    python scripts/bench_realdata.py [--sets mono,poly] [--method NAME=OPTIONS ...] [--work DIR]
                                     [--also-score KIND,...] [--reuse]

The ELPV protocol of ../shared/data/elpv/README.md, per module type: normal = defect
probability 0, anomalous = 1; the normal pictures shuffled with random.Random(0), the
first quarter held back for testing. Each set is written out in MVTec layout
(train/good, test/good, test/defect) and every method runs the real commands:

    aeviewer train WORK/SET --out S.aesession OPTIONS
    aeviewer score S.aesession WORK/SET/test --csv scores.csv

The table gives the image AUROC from the CSV and the seconds `aeviewer train` took
(wall clock, start-up included). ``--also-score learned,mse`` scores each session the
other ways too (``aeviewer score --score KIND``); ``--reuse`` scores the sessions a
previous run left in WORK instead of training again. Methods are NAME=OPTIONS pairs; the defaults are
"today" (the options that reproduce the defaults before the real-pictures work:
colour, 64 px, reconstruction) and "default" (no options at all).
"""

from __future__ import annotations

import argparse
import csv
import importlib.resources
import random
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aeviewer.core.metrics import auroc

TODAY = "--channels 3 --image-size 64"
DEFAULT_METHODS = [f"today={TODAY} --method reconstruct", "default="]


def elpv_folder() -> Path:
    try:
        return Path(str(importlib.resources.files("elpv_dataset") / "data"))
    except ModuleNotFoundError:
        sys.exit("ELPV is not installed: python -m pip install elpv-dataset")


def write_set(data: Path, module: str, out: Path) -> Path:
    """The protocol's split of one module type, in MVTec layout (links to the pictures)."""
    rows = [line.split() for line in (data / "labels.csv").read_text().splitlines() if line.strip()]
    normal = [r[0] for r in rows if r[2] == module and float(r[1]) == 0.0]
    anomalous = [r[0] for r in rows if r[2] == module and float(r[1]) == 1.0]
    random.Random(0).shuffle(normal)
    held = len(normal) // 4
    parts = {"train/good": normal[held:], "test/good": normal[:held], "test/defect": anomalous}
    root = out / module
    for sub, names in parts.items():
        folder = root / sub
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            link = folder / Path(name).name
            if not link.exists():
                link.symlink_to(data / name)
    return root


def train(root: Path, name: str, options: str, work: Path, reuse: bool) -> tuple[Path, float, str]:
    """The session for this set and method, and the seconds `aeviewer train` took (nan when reused)."""
    session = work / f"{root.name}-{name}.aesession"
    if reuse and session.exists():
        return session, float("nan"), "(reused)"
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "aeviewer", "train", str(root), "--out", str(session),
                           *shlex.split(options)], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"train failed: {done.stderr[-2000:]}")
    return session, seconds, " ".join(line for line in done.stderr.splitlines() if line.startswith("chose"))


def scored(root: Path, session: Path, kind: str | None) -> list[tuple[str, float]] | None:
    """(path, score) of each test picture from `aeviewer score` (by ``kind``, or the session's own
    score); None when the session cannot be scored that way (the learned score of a reconstructing model)."""
    csv_path = session.with_name(f"{session.stem}-{kind or 'own'}.csv")
    extra = ["--score", kind] if kind else []
    done = subprocess.run([sys.executable, "-m", "aeviewer", "score", str(session), str(root / "test"), "--csv",
                           str(csv_path), *extra], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"    (not scored by {kind}: {done.stderr.strip().splitlines()[-1]})", flush=True)
        return None
    with csv_path.open() as fh:
        return [(r["path"], float(r["score"])) for r in csv.DictReader(fh)]


def score(root: Path, session: Path, kind: str | None) -> float:
    """Image AUROC of `aeviewer score` on the test pictures (NaN when it cannot score that way)."""
    rows = scored(root, session, kind)
    if rows is None:
        return float("nan")
    return auroc([s for _p, s in rows], [0 if "/test/good/" in p else 1 for p, _s in rows])


def comparing(p: argparse.ArgumentParser, work: str, methods: str) -> argparse.ArgumentParser:
    """The options every method-comparing benchmark takes: methods, where its files go, scores, reuse."""
    p.add_argument("--method", action="append", metavar="NAME=OPTIONS",
                   help=f"a method to compare (repeatable); default: {methods}")
    p.add_argument("--work", default=str(Path.home() / ".cache" / "aeviewer-bench" / work))
    p.add_argument("--also-score", default="", help="score each session these ways too, e.g. learned,local")
    p.add_argument("--reuse", action="store_true", help="score the sessions WORK holds instead of training")
    p.add_argument("--without-trend", action="store_true",
                   help="also score each session with its trends (size, contrast) left out (core.trends)")
    return p


def without_trends(session: Path) -> Path:
    """A copy of ``session`` whose parts are counted against all training pictures alike, without their trends
    with the pictures' size and contrast (core.trends): the same networks and means, scored by the same command
    (the spreads stay those around the trends)."""
    from aeviewer.core.session import load_session, save_session

    model, saved = load_session(session)
    texture = getattr(model, "texture", None)
    for owner, names in ((model, ("score_sizes", "score_contrast")), (texture, ("sizes", "contrast"))):
        for name in names:
            trend = getattr(owner, name, None)
            if trend is not None:
                trend.zero_()
    return save_session(session.with_name(session.stem + "-no-trend.aesession"), model, saved)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sets", default="mono,poly")
    args = comparing(p, "elpv", "today's and the default").parse_args()
    extra_kinds = [k for k in args.also_score.split(",") if k]
    methods = [m.partition("=")[::2] for m in (args.method or DEFAULT_METHODS)]
    work = Path(args.work)
    data = elpv_folder()
    results = []
    for module in args.sets.split(","):
        root = write_set(data, module, work)
        counts = {s: len(list((root / s).iterdir())) for s in ("train/good", "test/good", "test/defect")}
        print(f"ELPV {module}: {counts['train/good']} train, {counts['test/good']} normal + "
              f"{counts['test/defect']} defective test pictures", flush=True)
        for name, options in methods:
            session, seconds, said = train(root, name, options, work, args.reuse)
            ways = [(name, session)] + [(f"{name}, no trend", without_trends(session))] * args.without_trend
            for kind in [None, *extra_kinds]:
                for label, path in ways:
                    value = score(root, path, kind)
                    results.append((module, label, options, kind or "its own", value, seconds))
                    print(f"  {label:>10} (score: {kind or 'its own'}): AUROC {value:.3f}, train {seconds:.0f} s"
                          f"  {said}", flush=True)
    print()
    print("| set | method | options | score | image AUROC | train s (wall) |")
    print("|-----|--------|---------|-------|------------:|---------------:|")
    for module, name, options, kind, value, seconds in results:
        print(f"| ELPV {module} | {name} | `{options or '(none)'}` | {kind} | {value:.3f} | {seconds:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
