"""Play the guided tour in a real window as a reader would: wait for each chapter, then press Next.

Shared by scripts/screenshot.py --tour (a PNG per chapter) and scripts/bench_firstrun.py (timings).
"""

from __future__ import annotations

import os
import time

CHAPTER_TIMEOUT = 400.0


def walk(app, window, started: float, shots: str | None = None) -> dict:
    """Seconds since ``started`` (a time.time()) at which each chapter was ready, the AUROC when the
    anomalies chapter appeared, and (into the folder ``shots``) one PNG per chapter once it is settled."""
    from aeviewer.core import tour_script as script

    tour = window.tour

    def wait(chapter: int, settled: bool) -> bool:
        end = time.monotonic() + CHAPTER_TIMEOUT
        while time.monotonic() < end:
            s = tour.status
            if tour.active and tour.chapter == chapter and s.ready and not (settled and s.settling):
                return True
            app.processEvents()
            time.sleep(0.01)
        return False

    out: dict = {}
    for chapter, key in enumerate(script.CHAPTERS):
        out[key] = time.time() - started if wait(chapter, settled=False) else None
        if key == "compression":
            out["slider"] = time.time() - started if wait(chapter, settled=True) else None
        if key == "anomalies":
            ev = window.presenter.evaluation
            out["auroc"] = ev.ranking.auroc if ev is not None and ev.ranking is not None else None
        if shots:
            end = time.monotonic() + (3.5 if key == "compression" else 1.0)  # the slider plays a few sizes
            while time.monotonic() < end:
                app.processEvents()
                time.sleep(0.02)
            path = os.path.join(shots, f"tour-{chapter + 1}-{key}.png")
            window.grab().save(path)
            print(f"saved {path}")
        tour.next()
    return out
