"""wna engine components: checkpoint loading, optimiser wrappers and hooks."""
from . import (
    checkpoint,  # noqa: F401  (registers the trusted local checkpoint loader)
    hooks,  # noqa: F401  (FPS, prediction dump and ablation hooks)
    optim,  # noqa: F401  (per-module parameter groups and per-group clipping)
)
from .progress_hook import TrainProgressBarHook
from .prototype_warmup_hook import PrototypeWarmupHook
from .visualization_hook import WnAVisualizationHook

__all__ = ['PrototypeWarmupHook', 'TrainProgressBarHook', 'WnAVisualizationHook']
