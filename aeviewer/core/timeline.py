"""How the latent plot moved while a model trained: one frame per epoch, in bounded memory.

A frame keeps every picture's point and flag at the end of an epoch. When the frames
would take more than ``cap_bytes``, every other one of the older frames is dropped
(the first and the newest stay), so a long run is kept from start to end, more
coarsely, instead of only its last part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CAP_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Frame:
    epoch: int  # 0-based: the points as they were at the end of this epoch (or during it)
    points: np.ndarray  # (N, 2) float32
    flags: np.ndarray  # (N,) bool

    @property
    def nbytes(self) -> int:
        return int(self.points.nbytes + self.flags.nbytes)


class Timeline:
    def __init__(self, cap_bytes: int = CAP_BYTES) -> None:
        self.cap_bytes = cap_bytes
        self.frames: list[Frame] = []

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def nbytes(self) -> int:
        return sum(f.nbytes for f in self.frames)

    def clear(self) -> None:
        self.frames = []

    def record(self, epoch: int, points: np.ndarray, flags: np.ndarray) -> None:
        """The latest points of ``epoch`` (a later call for the same epoch replaces its frame)."""
        frame = Frame(int(epoch), np.array(points, np.float32), np.array(flags, bool))
        if self.frames and (self.frames[-1].epoch == frame.epoch or len(frame.points) != len(self.frames[-1].points)):
            if len(frame.points) != len(self.frames[-1].points):
                self.frames = []  # other pictures: the old frames cannot be replayed with them
            else:
                self.frames.pop()
        self.frames.append(frame)
        while self.nbytes > self.cap_bytes and len(self.frames) > 2:
            older = self.frames[:-1]
            self.frames = [*older[::2], self.frames[-1]]
            if len(older) <= 2:
                self.frames = self.frames[-1:]

    def at(self, index: int) -> Frame:
        return self.frames[index]
