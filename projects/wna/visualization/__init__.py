"""wna visualization: prediction panels and the registered recognition visualizer."""
from .panel import compose_grid, draw_prediction_panel, fit_image
from .visualizer import WnATextRecogVisualizer

__all__ = ['compose_grid', 'draw_prediction_panel', 'fit_image', 'WnATextRecogVisualizer']
