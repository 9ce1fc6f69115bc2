"""Training: the loop (``loop``), its stop/pause flags (``control``), the guards against
collapse and blow-up (``guards``) and augmentation (``augment``); live batch scores come
from ``core.torch_scores``."""

from aeviewer.core.config import TrainConfig
from aeviewer.core.results import Step
from aeviewer.core.torch_scores import batch_scores
from aeviewer.core.training.augment import augment_batch
from aeviewer.core.training.control import RunControl
from aeviewer.core.training.guards import BlowUpGuard, CollapseWatch, output_spread
from aeviewer.core.training.loop import Trainer, train_steps, warm_up

__all__ = [
    "BlowUpGuard", "CollapseWatch", "RunControl", "Step", "TrainConfig", "Trainer",
    "augment_batch", "batch_scores", "output_spread", "train_steps", "warm_up",
]
