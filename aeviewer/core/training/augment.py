"""Flips and quarter turns: eight views of every picture whose orientation does not matter."""

from __future__ import annotations

import torch


def augment_batch(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One of the eight flips and quarter turns of a square batch (B, C, H, W), drawn from ``generator``."""
    k, flip = torch.randint(4, (2,), generator=generator).tolist()
    if x.shape[-1] == x.shape[-2] and k:
        x = torch.rot90(x, k, dims=(2, 3))
    return x.flip(3) if flip % 2 else x
