"""How the presenter passes on what the worker reports about files and failures: a refused
session, an export and its parity check, a save's progress, and anything that went wrong.

A mixin of ``qt.presenter.Presenter``: it uses the presenter's views and its ``problem``,
``status`` and ``session_event`` signals.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aeviewer.qt.messages import Exported, Failed, Refused, Saving


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
        self.v.load_bar.setVisible(False)  # a save in progress has ended
        self.problem.emit("Something went wrong",
                          f"Something went wrong while {failure.doing}:\n{failure.last_line}", failure.details)

    def _saving(self, s: Saving) -> None:
        self.v.load_bar.setRange(0, max(s.total, 1))
        self.v.load_bar.setValue(s.done)
        self.v.load_bar.setVisible(s.done < s.total)
        if s.path:
            self.status.emit(f"Saved {s.path}", 8000)
