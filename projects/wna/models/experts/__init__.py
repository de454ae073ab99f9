"""The "act" experts: canvas stretch, shared backbone with private norms, temporal branch,
length head and step attention."""
from .expert import ExpertOutput, WnAExpert, decoupled_text_decoder, stretch_to_canvas
from .temporal import WnASpatialEmbedding, WnATemporalFPNCAM

__all__ = ['ExpertOutput', 'WnAExpert', 'decoupled_text_decoder', 'stretch_to_canvas',
           'WnASpatialEmbedding', 'WnATemporalFPNCAM']
