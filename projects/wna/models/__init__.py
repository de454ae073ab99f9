"""wna models (components registered into MMOCR's registries).

``WnARecognizer`` assembles: the shared ``WnAResNet45Core`` (conv weights) with per-user
``WnAResNet45Norms``; the ``WnARouter`` (own ``WnAResNet45`` + ``WnASpatialAttentionPool``)
and ``WnARoutingPolicy``; three ``WnAExpert`` (``WnASpatialEmbedding`` +
``WnATemporalFPNCAM`` + length head + attention maps + DTD); the ``WnAGlyphEncoder`` with
the ``WnAPrototypeSampler``; the ``WnAOpenSetClassifier``; the ``WnAMoELoss``; and the
``WnADataPreprocessor``.
"""
from .attention_pool import SpatialAttentionPool
from .classifier import OpenSetClassifier, greedy_decode, max_merge
from .data_preprocessor import WnADataPreprocessor
from .expert import Expert, ExpertOutput, decoupled_text_decoder, stretch_to_canvas
from .glyph_encoder import GlyphEncoder
from .label_space import LabelSpace, PrototypeSampler
from .losses import MoELoss, aroute_loss, ohem_weights, per_sample_recognition_loss, pgroute_loss
from .recognizer import WnARecognizer
from .resnet45 import ResNet45, ResNet45Core, ResNet45Norms
from .router import Router
from .routing import RoutingPolicy
from .temporal import SpatialEmbedding, TemporalFPNCAM

__all__ = [
    'SpatialAttentionPool', 'OpenSetClassifier', 'greedy_decode', 'max_merge',
    'WnADataPreprocessor', 'Expert', 'ExpertOutput', 'decoupled_text_decoder',
    'stretch_to_canvas', 'GlyphEncoder', 'LabelSpace', 'PrototypeSampler', 'MoELoss',
    'aroute_loss', 'ohem_weights', 'per_sample_recognition_loss', 'pgroute_loss',
    'WnARecognizer', 'ResNet45', 'ResNet45Core', 'ResNet45Norms', 'Router', 'RoutingPolicy',
    'SpatialEmbedding', 'TemporalFPNCAM'
]
