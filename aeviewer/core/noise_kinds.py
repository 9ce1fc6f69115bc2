"""The noise kinds by name, and noise specs ('gaussian:0.1-0.5'), without torch.

The window builds its noise controls from these on the GUI thread; the
corruptions themselves are in ``core.noise``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class NoiseKind:
    key: str
    label: str
    strength_name: str
    default: tuple[float, float]  # a sensible training range
    maximum: float  # strengths run from 0 to this
    explanation: str


NOISES: dict[str, NoiseKind] = {
    n.key: n
    for n in (
        NoiseKind("gaussian", "Gaussian", "sigma", (0.1, 0.5), 1.0, "normal noise added to every pixel"),
        NoiseKind("salt", "Salt and pepper", "amount", (0.02, 0.2), 1.0, "pixels turned black or white"),
        NoiseKind("mask", "Cut-outs", "fraction", (0.05, 0.3), 1.0, "small square blocks blacked out"),
        NoiseKind("speckle", "Speckle", "sigma", (0.1, 0.5), 1.0, "grain that grows with brightness"),
        NoiseKind("jpeg", "JPEG blocks", "compression", (0.5, 0.95), 1.0, "8x8 blocks of a harsh JPEG"),
    )
}
_ALIASES = {"gauss": "gaussian", "normal": "gaussian", "s&p": "salt", "salt-and-pepper": "salt",
            "saltpepper": "salt", "cutout": "mask", "cutouts": "mask", "masking": "mask", "jpg": "jpeg"}


@dataclass(frozen=True)
class NoiseSpec:
    """A noise kind with a strength range; each image draws its strength uniformly from it."""

    kind: str
    low: float
    high: float

    def __post_init__(self) -> None:
        if self.kind not in NOISES:
            raise ValueError(f"unknown noise {self.kind!r}: use one of {', '.join(NOISES)}")
        top = NOISES[self.kind].maximum
        if not (0.0 <= self.low <= self.high <= top):
            raise ValueError(f"{self.kind} strength must satisfy 0 <= low <= high <= {top:g}")

    @classmethod
    def parse(cls, text: str) -> NoiseSpec:
        """'gaussian:0.1-0.5', 'salt:0.05' or just 'jpeg' (its default range)."""
        name, _, rng = text.strip().lower().partition(":")
        name = _ALIASES.get(name, name)
        if name not in NOISES:
            raise ValueError(f"unknown noise {name!r} in {text!r}: use one of {', '.join(NOISES)}")
        if not rng:
            return cls(name, *NOISES[name].default)
        m = re.fullmatch(r"\s*(\d*\.?\d+)\s*(?:-\s*(\d*\.?\d+))?\s*", rng)
        if m is None:
            raise ValueError(f"cannot read the strength in {text!r}: write e.g. {name}:0.1-0.5 or {name}:0.3")
        low = float(m.group(1))
        return cls(name, low, float(m.group(2)) if m.group(2) else low)

    def __str__(self) -> str:
        if self.low == self.high:
            return f"{self.kind}:{self.low:g}"
        return f"{self.kind}:{self.low:g}-{self.high:g}"

    def describe(self) -> str:
        n = NOISES[self.kind]
        amount = f"{self.low:g}" if self.low == self.high else f"{self.low:g} to {self.high:g}"
        return f"{n.label} ({n.strength_name} {amount})"


def parse_specs(texts: Sequence[str] | str) -> tuple[NoiseSpec, ...]:
    """One or more specs, from a list or a comma-separated string."""
    if isinstance(texts, str):
        texts = [t for t in texts.split(",") if t.strip()]
    specs = tuple(NoiseSpec.parse(t) for t in texts)
    if not specs:
        raise ValueError("no noise given")
    return specs
