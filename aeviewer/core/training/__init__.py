"""Training: the loop (``loop``), its stop/pause flags (``control``), the guards against
collapse and blow-up (``guards``), augmentation (``augment``) and live batch scores
(``live_scores``)."""

from aeviewer.core.config import TrainConfig
from aeviewer.core.results import Step
from aeviewer.core.training.augment import augment_batch
from aeviewer.core.training.control import RunControl
from aeviewer.core.training.guards import BlowUpGuard, CollapseWatch, output_spread
from aeviewer.core.training.live_scores import batch_scores
from aeviewer.core.training.loop import Trainer, train_steps

__all__ = [
    "BlowUpGuard", "CollapseWatch", "RunControl", "Step", "TrainConfig", "Trainer",
    "augment_batch", "batch_scores", "output_spread", "train_steps",
]
