"""The "synthetic" method's network: an autoencoder and a segmenter that has learned what a defect looks like.

The reconstructing half is the app's bottleneck autoencoder: trained on pictures
with synthetic defects pasted in (core.synthetic), it learns to give back the
clean picture. The segmenter is a small U-Net that sees the input and the
reconstruction side by side and says, per pixel, how likely a defect is there:
it learns which differences matter (a defect the autoencoder removed) and which
do not (the blur every reconstruction has). Its map is the learned difference;
an image's score is the largest mean of that map over a small window.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn

from aeviewer.core import trends
from aeviewer.core.config import ModelConfig
from aeviewer.core.model import Autoencoder
from aeviewer.core.texture import PatchTexture


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.2))


class Segmenter(nn.Module):
    """A small U-Net: (B, in_channels, H, W) -> defect logits (B, 1, H, W), any H and W.

    It works at half the resolution (a stride-2 stem; the logits are upsampled back):
    at full resolution it made a training step seven times slower on a CPU, and a
    defect's outline at half resolution is plenty for finding it.
    """

    def __init__(self, in_channels: int, width: int, depth: int = 4) -> None:
        super().__init__()
        widths = [width * 2**i for i in range(depth)]
        self.stem = nn.Sequential(nn.Conv2d(in_channels, widths[0], 4, stride=2, padding=1), nn.LeakyReLU(0.2))
        self.down = nn.ModuleList([_block(widths[0], widths[0])])
        self.down.extend(_block(a, b) for a, b in itertools.pairwise(widths))
        self.up = nn.ModuleList(_block(b + a, a) for a, b in itertools.pairwise(widths))
        self.out = nn.Conv2d(widths[0], 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        x = self.stem(x)
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2, ceil_mode=True))
            skips.append(x)
        for block, skip in zip(reversed(self.up), reversed(skips[:-1]), strict=True):
            x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = block(torch.cat([x, skip], 1))
        return F.interpolate(self.out(x), size=size, mode="bilinear", align_corners=False)


class DefectModel(nn.Module):
    """forward(x) -> (reconstruction, code) like every model here; defect_map(x, recon) -> (B, 1, H, W) in [0, 1]."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.reconstructor = Autoencoder(config)
        self.segmenter = Segmenter(2 * config.channels, config.base_width)
        # The combined score's yardsticks, from the training pictures once trained (core.engine): mean and
        # spread of the learned score, then of the worst patch. A buffer, so it travels with the weights.
        self.register_buffer("score_stats", torch.full((4,), float("nan")))
        # How both parts' means rise with a picture's places (core.trends): a tile model scores pictures
        # at their own sizes; zeros (no trend) for a model that scores them all at one working size.
        self.register_buffer("score_sizes", trends.empty(2))
        # How both parts' means rise with a picture's contrast (core.trends); zeros in sessions written before.
        self.register_buffer("score_contrast", trends.empty(2))
        # 1 once the learned part's yardsticks are of its log odds (core.inference.combined); 0 in sessions
        # written before, whose yardsticks are of the probability itself.
        self.register_buffer("score_odds", torch.zeros(1))
        # A tile model's third part of the combined score: how unusual its patches are (core.texture);
        # fitted for surfaces in tiles only, NaN (left out) for every other model.
        self.texture = PatchTexture()

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.reconstructor.encode(x)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.reconstructor(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The reconstructor's picture for a code: the latent plot decodes from it as from any bottleneck."""
        return self.reconstructor.decode(z)

    def defect_logits(self, x: torch.Tensor, recon: torch.Tensor) -> torch.Tensor:
        return self.segmenter(torch.cat([x, recon.clamp(0, 1)], 1))

    def training_logits(self, x: torch.Tensor, recon: torch.Tensor) -> torch.Tensor:
        """``defect_logits`` as training sees them: the reconstructor learns from its own loss alone.
        With the segmenter's gradient flowing back into it, the reconstruction drifted towards a flat
        grey (a segmenter that reads the input alone does as well with it), and the difference showed
        less: ELPV's worst patch 0.752 / 0.807 (mono / poly) with it, 0.892 / 0.832 without, through
        the same `aeviewer train` (docs/real-pictures-log.md)."""
        return self.defect_logits(x, recon.detach())

    def defect_map(self, x: torch.Tensor, recon: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.defect_logits(x, recon))


DEFECT_PIXEL_WEIGHT = 10.0


def segmentation_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy with defect pixels weighted up: they are a few per cent of a batch.

    DRAEM uses a focal loss over some 20,000 steps; a CPU run here has one or two thousand,
    and in that many the focal loss had barely begun to tell defects apart (0.35 against
    0.23 on a toy task after 1,000 steps) where this one had (0.88 against 0.12)."""
    weight = torch.tensor(DEFECT_PIXEL_WEIGHT, device=logits.device)
    return F.binary_cross_entropy_with_logits(logits, target, pos_weight=weight)
