"""wna visualization: prediction panels, attention maps and the registered recognition
visualizer."""
from .attention import draw_attention_maps, overlay_attention
from .panel import compose_grid, draw_prediction_panel, fit_image
from .visualizer import WnATextRecogVisualizer

__all__ = ['compose_grid', 'draw_attention_maps', 'draw_prediction_panel', 'fit_image',
           'overlay_attention', 'WnATextRecogVisualizer']
