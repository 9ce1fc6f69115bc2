"""aeviewer score SESSION PATH... --csv OUT: one anomaly score per picture."""

from __future__ import annotations

import argparse
import sys

from aeviewer.cli.common import load_session_or_fail, open_to_score


def run(args: argparse.Namespace) -> int:
    from aeviewer.core.data import Split
    from aeviewer.core.patches import image_scores
    from aeviewer.core.score_table import write_scores_csv

    model, session, device = load_session_or_fail(args.session, args.device)
    c = session.model_config
    images = open_to_score(args.paths, c, Split.DROPPED, splits_matter=False).result.images
    if not len(images):
        print("error: none of the inputs could be read", file=sys.stderr)
        return 2
    kind = args.score or session.score
    own = kind == session.score  # the session's threshold is in its own score's units
    if not own:
        print(f"note: scoring by {kind}, not the session's {session.score}: no threshold applies", file=sys.stderr)
    scores = image_scores(model, images, device, kind)  # a tile model's: whole pictures, tiled
    out = write_scores_csv(args.csv, images.paths, scores, images.labels, session.threshold if own else None)
    flagged = f", {int((scores > session.threshold).sum())} above the threshold" if own else ""
    print(f"scored {len(images)} images by {kind}{flagged}; wrote {out}")
    return 0
