"""aeviewer evaluate SESSION DATA: image (and pixel) AUROC on labelled test pictures."""

from __future__ import annotations

import argparse
import json

from aeviewer.cli.common import load_session_or_fail, open_to_score


def evaluation_numbers(model, session, images, device) -> dict:
    """The numbers the window's Anomalies tab shows, from the same ``core.evaluation``, on the TEST images."""
    from aeviewer.core.data import Split
    from aeviewer.core.evaluation import evaluate
    from aeviewer.core.patches import scores_and_pixels

    test = images.indices(Split.TEST)
    scores, pixels = scores_and_pixels(model, images, device, session.score, test)  # a tile model's: one pass
    ev = evaluate(scores, images.splits[test], images.labels[test], session.score, session.threshold, pixels)
    if ev.ranking is None or ev.counts is None:
        raise ValueError("evaluation needs labelled test images, both normal and anomalous")
    c = ev.counts
    out = {
        "score": session.score,
        "threshold": session.threshold,
        "test_images": len(test),
        "anomalous": int((images.labels[test] == 1).sum()),
        "image_auroc": ev.ranking.auroc,
        "precision": c.precision,
        "recall": c.recall,
        "true_positive": c.true_positive,
        "false_positive": c.false_positive,
        "true_negative": c.true_negative,
        "false_negative": c.false_negative,
    }
    if ev.pixel_auroc is not None:
        from aeviewer.core.unusual_maps import pixel_map_name

        out["pixel_auroc"] = ev.pixel_auroc
        out["pixel_map"] = pixel_map_name(model)
    return out


def run(args: argparse.Namespace) -> int:
    from aeviewer.core.data import Split

    model, session, device = load_session_or_fail(args.session, args.device)
    c = session.model_config
    images = open_to_score([args.data], c, Split.TRAIN).result.images
    numbers = evaluation_numbers(model, session, images, device)
    if args.json:
        print(json.dumps(numbers, indent=2))
        return 0
    print(f"image AUROC  {numbers['image_auroc']:.4f}  ({numbers['test_images']} test images, "
          f"{numbers['anomalous']} anomalous, score: {numbers['score']})")
    if "pixel_auroc" in numbers:
        print(f"pixel AUROC  {numbers['pixel_auroc']:.4f}  (of {numbers['pixel_map']})")
    print(f"at threshold {numbers['threshold']:.6g}: precision {numbers['precision']:.3f}, "
          f"recall {numbers['recall']:.3f} (TP {numbers['true_positive']}, FP {numbers['false_positive']}, "
          f"TN {numbers['true_negative']}, FN {numbers['false_negative']})")
    return 0
