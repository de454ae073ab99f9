"""wna engine components: checkpoint loading, optimiser wrappers and hooks."""
from . import checkpoint  # noqa: F401  (registers the trusted local checkpoint loader)
from .visualization_hook import WnAVisualizationHook

__all__ = ['WnAVisualizationHook']
