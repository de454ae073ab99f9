"""wna engine components: checkpoint loading, the runner, runner set-up, optimiser wrappers
and hooks."""
from . import (
    checkpoint,  # noqa: F401  (registers the atomic checkpoint file backend)
    hooks,  # noqa: F401  (registers the wna hooks)
    optim,  # noqa: F401  (per-module parameter groups and per-group clipping)
    runner,  # noqa: F401  (registers WnARunner)
)
