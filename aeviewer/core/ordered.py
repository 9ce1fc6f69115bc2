"""Ordered codes: one bottleneck model that serves every code size (nested dropout).

Trained so that the first k numbers of its code are a usable code for every k:
each picture of a batch is rebuilt from only the first k of its numbers, k drawn
anew per picture (Rippel, Gelbart and Adams, "Learning ordered representations
with nested dropout", ICML 2014). The first numbers then carry what matters
most, the later ones the detail, and moving the bottleneck slider needs no
retraining: the decoder is simply given a shorter code.

k is drawn log-uniformly (k = 1 as often as 32 to 64), so
the short codes, where a picture changes most per number, get their share of
training, except for a quarter of the pictures, which use the whole code; a
dedicated model trains at one k only.
"""

from __future__ import annotations

import math

import torch

from aeviewer.core.config import ORDERED_SIZE  # noqa: F401  (re-exported: the numbers an ordered model keeps)

# A share of pictures rebuilt from the whole code: log-uniform alone almost never uses the last
# numbers (k = 64 about 0.4 % of the time), and the whole code then came back worse than half of
# it (a 30-epoch demo model: 17.2 dB from 64 numbers, 18.8 from 32).
WHOLE_SHARE = 0.25


def keep_first(z: torch.Tensor, k: int | torch.Tensor) -> torch.Tensor:
    """``z`` (B, K) with every number from position k on set to zero (k an int, or one per row)."""
    positions = torch.arange(z.shape[1], device=z.device)
    if isinstance(k, torch.Tensor):
        return z * (positions[None, :] < k[:, None]).to(z.dtype)
    return z * (positions < k).to(z.dtype)[None, :]


def random_prefixes(batch: int, size: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """(batch,) code lengths in 1..size: the whole code for WHOLE_SHARE of them, the rest log-uniform."""
    u = torch.rand(batch, generator=generator)
    k = torch.floor(torch.exp(u * math.log(size + 1))).clamp(1, size).long()
    whole = torch.rand(batch, generator=generator) < WHOLE_SHARE
    k = torch.where(whole, torch.full_like(k, size), k)
    return k.to(device)


def ladder(size: int) -> list[int]:
    """1, 2, 4, ... up to ``size`` (which is always the last)."""
    steps = [1 << i for i in range(size.bit_length()) if (1 << i) < size]
    return [*steps, size]
