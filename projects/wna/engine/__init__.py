"""wna engine components: checkpoint loading, runner set-up, optimiser wrappers and hooks."""
from . import (
    checkpoint,  # noqa: F401  (registers the trusted local checkpoint loader)
    hooks,  # noqa: F401  (registers the wna hooks)
    optim,  # noqa: F401  (per-module parameter groups and per-group clipping)
)
