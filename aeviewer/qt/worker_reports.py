"""How the presenter passes on what the worker reports about files and failures: a refused
session, an export and its parity check, a save's and a scoring pass's progress, and anything
that went wrong; and which progress of a scoring pass the worker reports at all.

A mixin of ``qt.presenter.Presenter``: it uses the presenter's views and its ``problem``,
``status`` and ``session_event`` signals.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aeviewer.qt.messages import Exported, Failed, Refused, Saving, Scoring

SCORING_SHOWN_AFTER = 0.5  # s: a quicker pass (a dropped picture, a small set) shows no progress at all
SCORING_EVERY = 0.1  # s between two reports of a pass's progress


class ScoringRelay:
    """The engine's ``scoring(done, total)`` for the worker: passes on a pass's progress once it has
    taken SCORING_SHOWN_AFTER, then at most every SCORING_EVERY, and always its end once shown."""

    def __init__(self, send: Callable[[Scoring], None], clock: Callable[[], float] = time.monotonic) -> None:
        self.send, self.clock = send, clock
        self.started = self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if done == 0:
            self.started, self.shown = now, False
            return
        if done >= total:
            if self.shown:
                self.send(Scoring(total, total))
            self.shown = False
            return
        if now - self.started >= SCORING_SHOWN_AFTER and (not self.shown or now - self.last >= SCORING_EVERY):
            self.shown, self.last = True, now
            self.send(Scoring(done, total))


class WorkerReports:
    if TYPE_CHECKING:  # what they use of the presenter
        v: Any
        problem: Any
        status: Any
        session_event: Any

    def _refused(self, r: Refused) -> None:
        self.problem.emit(r.title, r.text, "")
        self.session_event.emit(r)  # a save that did not happen must not close the window later

    def _exported(self, e: Exported) -> None:
        if e.ok:
            self.status.emit(f"Exported {e.paths[0]}; {e.parity}", 15000)
        else:
            self.problem.emit("The exported model does not match",
                              f"{e.parity}\nThe file was kept for inspection: {e.paths[0]}", "")

    def _failed(self, failure: Failed) -> None:
        logging.getLogger("aeviewer").error("failed while %s\n%s", failure.doing, failure.details)
        self.v.load_bar.setVisible(False)  # a save or a scoring pass in progress has ended
        self.status.emit(f"Stopped: something went wrong while {failure.doing}.", 8000)  # not "Scoring… 117 of"
        self.problem.emit("Something went wrong",
                          f"Something went wrong while {failure.doing}:\n{failure.last_line}", failure.details)

    def _scoring(self, s: Scoring) -> None:
        self.v.load_bar.setRange(0, max(s.total, 1))
        self.v.load_bar.setValue(s.done)
        self.v.load_bar.setVisible(s.done < s.total)
        if s.done < s.total:
            self.status.emit(f"Scoring every picture with the model: {s.done:,} of {s.total:,}…", 0)
        else:
            self.status.emit(f"Scored {s.total:,} pictures.", 4000)

    def _saving(self, s: Saving) -> None:
        self.v.load_bar.setRange(0, max(s.total, 1))
        self.v.load_bar.setValue(s.done)
        self.v.load_bar.setVisible(s.done < s.total)
        if s.path:
            self.status.emit(f"Saved {s.path}", 8000)
