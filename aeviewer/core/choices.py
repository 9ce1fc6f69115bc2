"""Sensible settings from the pictures themselves, for whoever did not say.

Grey pictures stay grey (a colour model would tint them and count three times the
values); the working size follows the pictures' own; the method follows what
they are: small whole-picture patterns (digits, icons) are best told apart by
reconstruction, inspection pictures and surfaces by a model that has learned what a
defect looks like (core.synthetic). Every choice comes with its reason, in words.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from aeviewer.core.large_folders import FULL_BUDGET_BYTES, FULL_MAX_SIDE, should_stream

SURVEY_SAMPLE = 48  # pictures looked at
GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"})
SYNTHETIC_SIZE = 128
# Pictures of objects at least the synthetic method's working size (shorter side) are inspection
# pictures, where a small defect is what matters; smaller ones are whole-picture patterns, told apart by
# reconstruction. The banana demo written out as a folder (64 px) through `aeviewer train`: the synthetic
# method 0.912 in 189 s, reconstruction 0.967 in 29 s; ELPV's 300 px cells: the synthetic method 0.92
# against 0.82 (README, Real inspection pictures). A surface has no whole to reconstruct: synthetic from
# SURFACE_SYNTHETIC_FROM on (README, Surfaces of varied sizes: pictures of 64 to 180 px).
SYNTHETIC_FROM = SYNTHETIC_SIZE
SURFACE_SYNTHETIC_FROM = 64
# How much the pictures share a layout: the energy of their average picture (each picture standardised
# and stretched to LAYOUT_GRID px square), in units of what pictures with no common layout give (1 over
# their number). Measured: photographs of brick, grass and gravel cut at random places and sizes 1.0;
# the banana demo 5.7; ELPV's solar cells 24 (poly) and 39 (mono). Below LAYOUT_FROM the pictures
# are taken for a surface, alike everywhere, and a synthetic model looks at them in tiles at their own
# resolution (core.patches): better than whole pictures on all three surfaces (README, "Surfaces of
# varied sizes"; scripts/bench_surfaces.py).
# The layout is measured on each picture's detail, its smooth change in lighting left out (what is
# left after a blur of DETAIL_BLUR px of the LAYOUT_GRID look): light falling off by a tenth across a
# surface made brick, grass and gravel 4.3-6.9 and a dark fifth at the corners 3.3-4.8, both taken
# for objects; on their detail 1.0-1.2, while ELPV's busbars keep 27 and 41.
LAYOUT_GRID = 32
LAYOUT_FROM = 2.5
DETAIL_BLUR = 2.0
# Objects whose place varies (the bananas at every angle: detail layout 1.8) share no layout either, but
# a surface is alike all over, an object on a plain ground is not: how unevenly each picture's detail is
# spread (the spread of its strength over 8x8 blocks of a 64 px look, over its mean) tells them apart.
# Measured (medians): brick, grass, gravel 0.18-0.37, ELPV 0.38-0.54; the bananas 1.43, MNIST 1.32.
PATCHY_FROM = 0.8
LAYOUT_PICTURES = 8  # fewer pictures than this tell nothing about a layout
RECONSTRUCT_SIZE = 64
# The synthetic method trains until about this many pictures were seen, within these epochs. Its learned
# map goes on improving past 25,000: on ELPV, twice that took mono's learned map 0.917 -> 0.935 and poly's
# 0.755 -> 0.836, their combined score 0.920 -> 0.921 and 0.814 -> 0.841, in 4 and 8 minutes instead of 2
# and 4 (README, Real inspection pictures). A tile model sees half as many crops: twice as many gained
# nothing on the surfaces (brick, grass, gravel 0.905, 0.742, 0.884 against 0.912, 0.728, 0.899), and its
# end pass over the pictures at full size can cost as much as the training (1,000 pictures of 1024x768:
# 10 minutes in all with 25,000; README, A quicker pass).
SYNTHETIC_PICTURES_SEEN = 50_000
SYNTHETIC_EPOCHS = (10, 160)
TILE_CROPS_SEEN = 25_000
TILE_EPOCHS = (10, 80)
SYNTHETIC_BATCH = 16  # the segmenter needs optimizer steps more than big batches (see core.defect_model)
BATCH = 64
# An ordered model learns from many more code lengths than a model of one size: more, smaller steps
# serve it better. On the demo (80 epochs, 3 seeds) its squared error at 16 numbers fell from 0.0050
# to 0.0039, its AUROC stayed (0.997 and 0.996 median; at 64 one seed fell to 0.93) and the first
# clear difference between code lengths came in a third of the time (README, first run).
ORDERED_BATCH = 16  # the smallest an ordered model's batch gets
# On MNIST's 8,000 digits (15 epochs) batches of 16 gave the same ratios as 64 (1.05 to 1.26 at 2 to 32
# numbers) at 2.4 times the training time: enough steps already. So an ordered model's batch is sized
# to make this many steps an epoch, between 16 and 64 (the demo's 512 pictures: 16; MNIST: 64).
ORDERED_STEPS = 32
RECONSTRUCT_EPOCHS = 40
# A tile model's pictures at full size may take this share of what is kept (core.large_folders): the
# survey's mean area is of a sample of them.
FULL_SHARE = 0.8


@dataclass(frozen=True)
class Survey:
    """What a sample of the pictures looks like."""

    pictures: int
    grey: bool
    short_side: int  # median of the shorter sides
    long_side: int = 0  # median of the longer sides
    layout: float = math.inf  # how much their detail shares a layout (LAYOUT_FROM); inf: not measured
    patchy: float = 0.0  # how unevenly a picture's detail is spread over it (PATCHY_FROM), a median
    area: float = 0.0  # pixels a picture has at full size (its longer side at most FULL_MAX_SIDE), a mean

    @classmethod
    def of(cls, paths: Sequence[Path | str], sample: int = SURVEY_SAMPLE) -> Survey:
        step = max(1, len(paths) // sample)
        grey, shorts, longs, details, patchy, areas = True, [], [], [], [], []
        for path in list(paths)[::step][:sample]:
            try:
                with Image.open(path) as im:
                    size = im.size
                    grey = grey and _is_grey(im)
                    detail, unevenness = _detail(im)
            except (OSError, ValueError, Image.DecompressionBombError):
                continue  # the loader will say what is wrong with it
            shorts.append(min(size))
            longs.append(max(size))
            details.append(detail)
            patchy.append(unevenness)
            areas.append(size[0] * size[1] * min(1.0, FULL_MAX_SIDE / max(size)) ** 2)
        if not shorts:
            return cls(0, grey, RECONSTRUCT_SIZE, RECONSTRUCT_SIZE)
        return cls(len(shorts), grey, int(statistics.median(shorts)), int(statistics.median(longs)),
                   layout_strength(details), float(statistics.median(patchy)), float(np.mean(areas)))

    @property
    def surface(self) -> bool:
        """The pictures share no layout and each is alike all over: a surface (cloth, wood, a web),
        not objects."""
        return self.pictures >= LAYOUT_PICTURES and self.layout < LAYOUT_FROM and self.patchy < PATCHY_FROM


def _detail(im: Image.Image) -> tuple[np.ndarray, float]:
    """A picture's detail in a small grey look, stretched to LAYOUT_GRID square, mean 0 and spread 1
    (its smooth lighting taken out), and how unevenly its detail is spread over it."""
    im.draft("L", (LAYOUT_GRID * 2, LAYOUT_GRID * 2))
    grey = im.convert("L")
    small = np.asarray(grey.resize((LAYOUT_GRID, LAYOUT_GRID), Image.Resampling.BILINEAR), np.float32)
    detail = small - _blurred(small, DETAIL_BLUR)
    look = np.asarray(grey.resize((LAYOUT_GRID * 2, LAYOUT_GRID * 2), Image.Resampling.BILINEAR), np.float32)
    g = LAYOUT_GRID // 4
    strength = (look - _blurred(look, DETAIL_BLUR)).reshape(8, g, 8, g).std(axis=(1, 3))
    return (detail - detail.mean()) / (detail.std() + 1e-6), float(strength.std() / (strength.mean() + 1e-6))


def _blurred(a: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of a small 2-D array, its edges mirrored."""
    r = int(3 * sigma)
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    a = np.pad(a, r, mode="symmetric")
    a = np.apply_along_axis(np.convolve, 0, a, k, mode="valid")
    return np.apply_along_axis(np.convolve, 1, a, k, mode="valid")


def layout_strength(standardised: Sequence[np.ndarray]) -> float:
    """The energy of the pictures' average, times their number: about 1 for pictures that share no
    layout (their averages cancel), far more for pictures of one kind of object in one place."""
    if not standardised:
        return math.inf
    mean = np.mean(np.stack(standardised), axis=0)
    return float(np.mean(mean**2) * len(standardised))


def _is_grey(im: Image.Image) -> bool:
    if im.mode in GREY_MODES:
        return True
    if im.mode == "P":
        im = im.convert("RGB")
    if im.mode not in ("RGB", "RGBA"):
        return False
    im.draft("RGB", (64, 64))  # a small look is enough (JPEG decodes at a fraction of the size)
    rgb = np.asarray(im.convert("RGB").resize((64, 64)), np.int16)
    return bool(np.abs(rgb[..., 0] - rgb[..., 1]).max() <= 2 and np.abs(rgb[..., 1] - rgb[..., 2]).max() <= 2)


def batch_size(method: str, ordered: bool = False, pictures: int | None = None) -> int:
    """Pictures per training step for a method (and an ordered code, on ``pictures`` training pictures:
    small sets get smaller batches, so that an epoch still makes ORDERED_STEPS steps)."""
    if method == "synthetic":
        return SYNTHETIC_BATCH
    if ordered:
        wanted = ORDERED_BATCH if pictures is None else pictures // ORDERED_STEPS
        return max(ORDERED_BATCH, min(BATCH, wanted))
    return BATCH


@dataclass(frozen=True)
class Settings:
    method: str
    channels: int
    size: int
    epochs: int
    reasons: list[str] = field(default_factory=list)
    patches: bool = False  # a tile model (core.patches), cut at patch_scale of the pictures' size
    patch_scale: float = 1.0

    def batch_size(self, ordered: bool = False, pictures: int | None = None) -> int:
        return batch_size(self.method, ordered, pictures)

    def describe(self) -> str:
        return "chose: " + "; ".join(self.reasons)


def choose(
    survey: Survey,
    train_pictures: int,
    method: str | None = None,
    channels: int | None = None,
    size: int | None = None,
    epochs: int | None = None,
    patches: bool | None = None,
    patch_scale: float = 1.0,
    kept: int | None = None,
) -> Settings:
    """Fill in what was not given (None) from ``survey``; say why for each choice. A tile model
    (``patches``, core.patches) is chosen for a synthetic model of a surface (``Survey.surface``)
    whose pictures are larger than its tile and fit in memory at full size; its ``size`` is
    the tile, cut at ``patch_scale`` of the pictures' size, and an epoch shows it one random crop
    of each picture (so the epochs, and the time, are as at working size). ``kept``: the pictures
    a tile model keeps at full size (training and test; ``train_pictures`` unless given): where
    they would take more than FULL_SHARE of FULL_BUDGET_BYTES, a chosen tile model cuts them at
    the scale that fits."""
    reasons = []
    if method is None:
        surface = survey.surface and survey.short_side >= SURFACE_SYNTHETIC_FROM
        method = "synthetic" if surface or survey.short_side >= SYNTHETIC_FROM else "reconstruct"
        why = ("a surface, where a model that learned what defects look like finds them best" if surface
               else "inspection pictures, where a model that learned what defects look like finds small ones best"
               if method == "synthetic" else "whole-picture patterns, told apart by reconstruction")
        reasons.append(f"method {method} (pictures of {survey.short_side} px: {why})")
    if channels is None:
        channels = 1 if survey.grey else 3
        reasons.append(f"{channels} channel{'s' if channels == 3 else ''} (the pictures are "
                       f"{'grey' if channels == 1 else 'in colour'})")
    top = SYNTHETIC_SIZE if method == "synthetic" else RECONSTRUCT_SIZE
    chosen_patches = patches is None
    fit = _fitting_scale(survey, kept or train_pictures, channels) if chosen_patches and patch_scale == 1 else 1.0
    patch_scale = min(patch_scale, fit)
    if patches is None:
        tile = size or _working_size(max(1, round(survey.short_side * patch_scale)), top)
        full = max(1, round(math.sqrt(survey.short_side * survey.long_side) * patch_scale))
        patches = (method == "synthetic" and survey.surface and survey.long_side * patch_scale > tile
                   and not should_stream(train_pictures, full, channels))
    side = survey.short_side if not patches else max(1, round(survey.short_side * patch_scale))
    if size is None:
        size = _working_size(side, top)
        at = "their own size" if patch_scale == 1 else f"{patch_scale:g} of their size"
        what = "working size" if not patches else f"tiles, cut from the pictures at {at}"
        reasons.append(f"{size} px {what} (their shorter side is {survey.short_side} px)")
    if chosen_patches and patches:
        reasons.append("full resolution (the pictures share no layout, as a surface does: shrunk whole, "
                       "a small defect would vanish)")
        if fit < 1:
            need = (kept or train_pictures) * survey.area * channels / 2**30
            reasons.append(f"shrunk to {fit:g} so that they fit in memory (at their own size the "
                           f"{kept or train_pictures:,} pictures would take {need:.1f} GB, more than the "
                           f"{FULL_BUDGET_BYTES / 2**30:g} GB a tile model keeps)")
    elif fit < 1:
        patch_scale = 1.0  # whole pictures after all: no scale
    if epochs is None:
        if method == "synthetic":
            aim, (lo, hi) = (TILE_CROPS_SEEN, TILE_EPOCHS) if patches else (SYNTHETIC_PICTURES_SEEN, SYNTHETIC_EPOCHS)
            epochs = int(np.clip(round(aim / max(train_pictures, 1)), lo, hi))
            seen = f"{epochs * train_pictures:,} " + ("crops seen, one of each picture an epoch" if patches
                                                       else "pictures seen")
            few = (f"; at most {hi} epochs, so a set this small is seen less than the {aim:,} "
                   "aimed at: more pictures would help" if epochs * train_pictures < 0.8 * aim else "")
            reasons.append(f"{epochs} epochs ({seen}{few})")
        else:
            epochs = RECONSTRUCT_EPOCHS
    return Settings(method, channels, size, epochs, reasons, patches, patch_scale)


def _fitting_scale(survey: Survey, pictures: int, channels: int) -> float:
    """The scale at which ``pictures`` like the survey's take FULL_SHARE of FULL_BUDGET_BYTES at
    most, kept at full size (1: at their own size)."""
    room, need = FULL_SHARE * FULL_BUDGET_BYTES, pictures * survey.area * channels
    return 1.0 if need <= room else max(0.05, math.floor(100 * math.sqrt(room / need)) / 100)


def _working_size(side: int, top: int) -> int:
    return top if side >= top else max(16, side // 4 * 4)
