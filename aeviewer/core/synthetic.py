"""Synthetic defects: what "not normal" can look like, pasted into normal pictures.

An autoencoder trained on normal pictures alone knows normal, but not which
differences matter. Following DRAEM (Zavrtanik, Kristan and Skocaj, ICCV 2021),
training shows it normal pictures with made-up defects pasted in, and the mask
of where they are: the reconstructing network learns to give back the clean
picture, and a second network learns to find, from input and reconstruction,
where they differ in a way that matters.

Everything here is procedural or comes from the user's own pictures; nothing is
downloaded. On a batch (B, C, H, W) in [0, 1], on its device:

- blobs: the shapes are thresholded Perlin noise (smooth, irregular, of random
  size); the filling is one of a procedural texture (Perlin noise at another
  scale), another picture of the batch (moved, flipped, at twice or half its scale), or the picture itself
  made darker or lighter;
- lines: thin scratches and cracks, straight or bent, darker or lighter;
- each defect is blended in at a random strength (faint ones teach the most), and
  about half of a batch is left clean, so that normal stays normal.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from aeviewer.core.torch_scores import window_means

CLEAN_SHARE = 0.5  # pictures of a batch left without a defect
STRENGTH = (0.15, 1.0)  # how opaque a defect is
BLOB_THRESHOLD = (0.1, 0.45)  # Perlin noise above this (of about -0.7..0.7) becomes a blob: 2 to 30 %
LINE_SHARE = 0.3  # defects that are thin lines rather than blobs
VISIBLE = 0.02  # a change smaller than this (of 1) is no defect: it is undone and left out of the mask


def _fade(t: torch.Tensor) -> torch.Tensor:
    return t * t * t * (t * (t * 6 - 15) + 10)


SAMPLES_PER_CELL = 8  # Perlin noise is smooth: computed this finely and then upsampled, it looks the same


def perlin(batch: int, h: int, w: int, cells: int, gen: torch.Generator, device: torch.device) -> torch.Tensor:
    """Perlin noise (B, H, W), about -0.7..0.7, with ``cells`` gradient cells along each side."""
    fine_h, fine_w = min(h, cells * SAMPLES_PER_CELL), min(w, cells * SAMPLES_PER_CELL)
    if (fine_h, fine_w) != (h, w):
        coarse = perlin(batch, fine_h, fine_w, cells, gen, device)
        return F.interpolate(coarse[:, None], size=(h, w), mode="bilinear", align_corners=True)[:, 0]
    angles = torch.rand((batch, cells + 1, cells + 1), generator=gen, device=device) * (2 * math.pi)
    grad = torch.stack([torch.cos(angles), torch.sin(angles)], -1)  # (B, cells+1, cells+1, 2)
    ys = torch.linspace(0, cells, h, device=device).clamp(max=cells - 1e-4)
    xs = torch.linspace(0, cells, w, device=device).clamp(max=cells - 1e-4)
    y0, x0 = ys.floor().long(), xs.floor().long()
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]  # (H, 1), (1, W)

    def corner(dy: int, dx: int) -> torch.Tensor:
        g = grad[:, y0 + dy][:, :, x0 + dx]  # (B, H, W, 2)
        return g[..., 0] * (fy - dy) + g[..., 1] * (fx - dx)

    u, v = _fade(fx), _fade(fy)
    top = torch.lerp(corner(0, 0), corner(0, 1), u)
    bottom = torch.lerp(corner(1, 0), corner(1, 1), u)
    return torch.lerp(top, bottom, v)


def _rand(shape, gen: torch.Generator, device: torch.device, lo: float = 0.0, hi: float = 1.0) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(shape, generator=gen, device=device)


def blob_masks(batch: int, h: int, w: int, gen: torch.Generator, device: torch.device) -> torch.Tensor:
    """(B, 1, H, W) in {0, 1}: irregular blobs of random size; never empty."""
    side = min(h, w)
    choices = [c for c in (2, 3, 4, 6, 8) if side // c >= 4]
    cells = choices[int(torch.randint(len(choices), (1,), generator=gen))]
    noise = perlin(batch, h, w, cells, gen, device)
    masks = (noise > _rand((batch, 1, 1), gen, device, *BLOB_THRESHOLD)).float()
    empty = masks.flatten(1).sum(1) == 0  # a picture whose noise stayed low gets its highest patch
    if empty.any():
        top = noise[empty].flatten(1).quantile(0.97, dim=1)[:, None, None]
        masks[empty] = (noise[empty] >= top).float()
    return masks[:, None]


def line_masks(batch: int, h: int, w: int, gen: torch.Generator, device: torch.device) -> torch.Tensor:
    """(B, 1, H, W) in {0, 1}: one to three thin lines each, straight or bent (scratches, cracks)."""
    segments = 3
    ys = torch.arange(h, device=device, dtype=torch.float32)[:, None]
    xs = torch.arange(w, device=device, dtype=torch.float32)[None, :]
    start = _rand((batch, 2), gen, device) * torch.tensor([h, w], device=device)
    length = _rand((batch, 1), gen, device, 0.2, 0.7) * max(h, w) / segments
    angle = _rand((batch, 1), gen, device, 0, 2 * math.pi)
    width = _rand((batch, 1, 1), gen, device, 0.6, 1.0 + max(h, w) / 128)
    masks = torch.zeros((batch, h, w), device=device)
    point = start
    for _ in range(segments):
        angle = angle + _rand((batch, 1), gen, device, -0.6, 0.6)  # a crack bends
        end = point + length * torch.cat([torch.sin(angle), torch.cos(angle)], 1)
        (py, px), (dy, dx) = point[:, :, None, None].unbind(1), (end - point)[:, :, None, None].unbind(1)
        t = (((ys - py) * dy + (xs - px) * dx) / (dy * dy + dx * dx + 1e-6)).clamp(0, 1)  # nearest point
        dist = ((ys - py - t * dy) ** 2 + (xs - px - t * dx) ** 2).sqrt()
        masks = torch.maximum(masks, (dist <= width).float())
        point = end
    return masks[:, None]


def _rescaled(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """``x`` seen at twice or half its scale, the same size. On a surface (sand, cloth) a piece of
    another picture at the same scale is only more of the same surface, which no network can
    tell from normal; at another scale it is a grain that does not belong."""
    h, w = x.shape[2:]
    if bool(torch.rand((1,), generator=gen, device=gen.device) < 0.5):
        return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)[:, :, :h, :w]
    half = F.interpolate(x, size=((h + 1) // 2, (w + 1) // 2), mode="bilinear", align_corners=False, antialias=True)
    return half.repeat(1, 1, 2, 2)[:, :, :h, :w]


def _fillings(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """What goes into a defect, per picture: a texture, another picture, or this one darker or lighter."""
    b, c, h, w = x.shape
    device = x.device
    cells = max(2, min(h, w) // int(torch.randint(4, 17, (1,), generator=gen)))
    texture = perlin(b * c, h, w, cells, gen, device).view(b, c, h, w) + 0.7  # about 0..1.4
    lo, span = _rand((b, 1, 1, 1), gen, device), _rand((b, 1, 1, 1), gen, device, 0.05, 0.6)
    texture = (lo + span * texture / 1.4).clamp(0, 1)
    shift = (int(torch.randint(h, (1,), generator=gen)), int(torch.randint(w, (1,), generator=gen)))
    other = _rescaled(torch.roll(x.flip(0).flip(3), shifts=shift, dims=(2, 3)), gen)
    factor = _rand((b, 1, 1, 1), gen, device, 0.2, 0.7)
    darker_or_lighter = torch.where(_rand((b, 1, 1, 1), gen, device) < 0.7, x * factor, 1 - (1 - x) * factor)
    kind = torch.randint(3, (b, 1, 1, 1), generator=gen, device=device)
    return torch.where(kind == 0, texture, torch.where(kind == 1, other, darker_or_lighter))


def paste_defects(x: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Defects pasted into about half of a batch (B, C, H, W) in [0, 1].

    Returns the pictures with defects and the masks (B, 1, H, W) of where the defects
    are visible (zero for the pictures left clean). ``gen`` lives on ``x``'s device.
    """
    b, _, h, w = x.shape
    device = x.device
    lines = _rand((b, 1, 1, 1), gen, device) < LINE_SHARE
    shape = torch.where(lines, line_masks(b, h, w, gen, device), blob_masks(b, h, w, gen, device))
    shape = shape * (_rand((b, 1, 1, 1), gen, device) >= CLEAN_SHARE).float()
    strength = _rand((b, 1, 1, 1), gen, device, *STRENGTH)
    filling = _fillings(x, gen)
    out = (x * (1 - strength * shape) + filling * (strength * shape)).clamp(0, 1)
    # Where the filling happens to match the picture there is nothing to find: the mask is where
    # the picture visibly changed, and the picture is left as it was everywhere else.
    mask = shape * ((out - x).abs().amax(1, keepdim=True) > VISIBLE).float()
    return torch.where(mask > 0, out, x), mask


def smooth_max(maps: torch.Tensor, window: int) -> torch.Tensor:
    """The image score of a learned map (B, 1, H, W): the largest mean over ``window``-wide squares.
    Summed in float64: near certainty the combined score counts the part in log odds, which live in
    1 - p, and float32 sums of 81 probabilities near 1 kept too little of it (two orders of summing
    moved a picture's combined score by 0.4). A traced graph (export) sums in float32: onnxruntime
    has no float64 pooling."""
    window = max(1, min(window, maps.shape[-1], maps.shape[-2]))
    wide = maps if torch.jit.is_tracing() else maps.double()
    return window_means(wide, window, centred=True).flatten(1).amax(1)
