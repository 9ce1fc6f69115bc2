"""Procedural bananas: ripe ones to learn from, rotten ones to catch.

Everything is drawn with numpy from a seed, so the demo needs no downloads and
is the same on every machine. A banana is a tapered band along a circular arc:
for each pixel we find its angle along the arc (``t`` in 0..1, tip to stem) and
its signed distance across the band (``u`` in -1..1), and shade from those.
Drawing happens at twice the working size and is averaged down, which gives
smooth, anti-aliased edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SUPERSAMPLE = 2

# Skin colours (RGB, 0..1).
_RIPE_YELLOWS = np.array(
    [[0.98, 0.86, 0.25], [0.96, 0.80, 0.18], [0.99, 0.90, 0.35], [0.93, 0.78, 0.22]]
)
_TIP_BROWN = np.array([0.32, 0.22, 0.10])
_STEM_GREEN = np.array([0.45, 0.50, 0.18])
_ROT_BROWN = np.array([0.38, 0.24, 0.08])
_ROT_BLACK = np.array([0.10, 0.07, 0.04])

_BACKGROUNDS = np.array(
    [
        [0.90, 0.90, 0.88],  # white table
        [0.62, 0.45, 0.30],  # wood
        [0.35, 0.50, 0.65],  # blue cloth
        [0.55, 0.68, 0.52],  # green cloth
        [0.80, 0.72, 0.62],  # paper bag
        [0.25, 0.25, 0.28],  # dark slate
    ]
)


@dataclass(frozen=True)
class BananaDemo:
    """The built-in dataset: uint8 images (N, H, W, 3) with names and roles."""

    train: np.ndarray  # ripe bananas the model learns from
    test_ripe: np.ndarray  # ripe bananas held back (normal test images)
    test_rotten: np.ndarray  # rotten bananas held back (anomalies)


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    base = _BACKGROUNDS[rng.integers(len(_BACKGROUNDS))] * rng.uniform(0.85, 1.1)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    angle = rng.uniform(0, 2 * np.pi)
    gradient = (np.cos(angle) * xx + np.sin(angle) * yy - 0.5) * rng.uniform(0.0, 0.3)
    grain = rng.normal(0.0, 0.015, size=(h, w))
    img = base[None, None, :] * (1.0 + gradient + grain)[..., None]
    return img


def _blobs(
    rng: np.random.Generator,
    t: np.ndarray,
    u: np.ndarray,
    count: int,
    size: tuple[float, float],
) -> np.ndarray:
    """Soft round patches in banana coordinates; returns coverage 0..1."""
    cover = np.zeros_like(t)
    for _ in range(count):
        ct, cu = rng.uniform(0.12, 0.88), rng.uniform(-0.8, 0.8)
        rt = rng.uniform(*size)
        ru = rt * rng.uniform(3.0, 6.0)  # u spans -1..1 over a narrow width
        d2 = ((t - ct) / rt) ** 2 + ((u - cu) / ru) ** 2
        edge = rng.uniform(0.15, 0.5)
        cover = np.maximum(cover, np.clip((1.0 - d2) / edge, 0.0, 1.0))
    return cover


def draw_banana(rng: np.random.Generator, size: int = 64, rotten: bool = False) -> np.ndarray:
    """One banana on a background, as a (size, size, 3) uint8 image."""
    s = size * SUPERSAMPLE
    img = _background(rng, s, s)

    # Pose: an arc of radius R around a centre, spanning `span` radians.
    length = rng.uniform(0.55, 0.85) * s  # arc length in pixels
    span = rng.uniform(0.9, 1.5)
    radius = length / span
    width = length * rng.uniform(0.16, 0.22)
    mid = rng.uniform(0, 2 * np.pi)  # direction from arc centre to banana middle
    cx = s / 2 - np.cos(mid) * radius + rng.normal(0, 0.05 * s)
    cy = s / 2 - np.sin(mid) * radius + rng.normal(0, 0.05 * s)

    yy, xx = np.mgrid[0:s, 0:s].astype(np.float64) + 0.5
    dx, dy = xx - cx, yy - cy
    r = np.hypot(dx, dy)
    phi = np.angle(np.exp(1j * (np.arctan2(dy, dx) - mid)))  # -pi..pi, 0 = middle
    t = phi / span + 0.5  # 0 at the tip, 1 at the stem
    inside_span = (t >= 0) & (t <= 1)
    half = np.where(inside_span, 0.5 * width * np.abs(np.sin(np.pi * t)) ** 0.55, 0.0)
    across = r - radius  # signed distance from the banana's centre line
    u = across / np.maximum(half, 1e-6)  # -1 inner edge, +1 outer edge
    body = inside_span & (np.abs(u) <= 1) & (half > 0.6)

    # Skin: base yellow, darker towards the ends, cylindrical shading across.
    skin = _RIPE_YELLOWS[rng.integers(len(_RIPE_YELLOWS))] * rng.uniform(0.92, 1.05)
    colour = np.broadcast_to(skin, (s, s, 3)).copy()
    end = np.clip(1.0 - np.minimum(t, 1 - t) / 0.12, 0, 1) ** 2
    colour = colour * (1 - end[..., None]) + _STEM_GREEN * end[..., None] * 0.9
    light_dir = rng.choice([-1.0, 1.0])
    shade = 0.78 + 0.28 * np.sqrt(np.clip(1 - u**2, 0, 1)) + 0.08 * light_dir * u
    # A faint ridge along the banana, as real ones have.
    ridge = 1.0 - 0.06 * np.exp(-(((u - 0.35 * light_dir) / 0.08) ** 2))
    colour = colour * (shade * ridge)[..., None]

    if rotten:
        darken = rng.uniform(0.35, 0.7)
        colour = colour * (1 - darken) + _ROT_BROWN * darken * shade[..., None]
        patches = _blobs(rng, t, u, int(rng.integers(3, 8)), (0.05, 0.14))
        colour = colour * (1 - patches[..., None]) + _ROT_BLACK * patches[..., None]
        bruises = _blobs(rng, t, u, int(rng.integers(2, 5)), (0.03, 0.07)) * 0.8
        colour = colour * (1 - bruises[..., None]) + _ROT_BROWN * 0.6 * bruises[..., None]
    else:
        # A few small sugar spots: ripe bananas are not perfectly clean.
        spots = _blobs(rng, t, u, int(rng.integers(0, 4)), (0.008, 0.015)) * 0.5
        colour = colour * (1 - spots[..., None]) + _TIP_BROWN * spots[..., None]

    # Dark tip at t=0 and a stem stub beyond t=1.
    tip = body & (t < 0.035)
    colour[tip] = _TIP_BROWN * 0.8
    stem = (t > 1) & (t < 1 + 0.1 * rng.uniform(0.8, 1.2)) & (np.abs(across) < 0.14 * width)
    stem_colour = _TIP_BROWN if rotten else _STEM_GREEN * 0.8

    # A soft shadow under the fruit, offset away from the light.
    shadow = inside_span & (np.abs(across - 0.12 * width * light_dir) <= half + 0.08 * width)
    img = img * np.where(shadow, 0.8, 1.0)[..., None]
    img[body] = colour[body]
    img[stem] = stem_colour

    img *= rng.uniform(0.85, 1.12)  # overall lighting
    img = img.reshape(size, SUPERSAMPLE, size, SUPERSAMPLE, 3).mean(axis=(1, 3))
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def make_bananas(
    n_train: int = 512,
    n_test_ripe: int = 48,
    n_test_rotten: int = 48,
    size: int = 64,
    seed: int = 0,
) -> BananaDemo:
    """The whole demo, deterministic for a given seed."""
    rng = np.random.default_rng(seed)

    def batch(n: int, rotten: bool) -> np.ndarray:
        if n == 0:
            return np.zeros((0, size, size, 3), np.uint8)
        return np.stack([draw_banana(rng, size, rotten) for _ in range(n)])

    return BananaDemo(
        train=batch(n_train, False),
        test_ripe=batch(n_test_ripe, False),
        test_rotten=batch(n_test_rotten, True),
    )
