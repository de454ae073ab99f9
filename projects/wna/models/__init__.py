"""wna models (every component registered into MMOCR's registries under its class name).

``WnARecognizer`` assembles: the shared ``WnAResNet45Core`` (conv weights) with per-user
``WnAResNet45Norms`` (``backbones``); the ``WnARouter`` (own ``WnAResNet45`` +
``WnASpatialAttentionPool``) and a routing policy, ``WnALearnedRouting`` or
``WnARuleBasedRouting`` (``routers``); three ``WnAExpert`` (``WnASpatialEmbedding`` +
``WnATemporalFPNCAM`` + length head + attention maps + DTD; ``experts``); the
``WnAGlyphEncoder``, the ``WnAPrototypeSampler``, the ``WnAPrototypeBank`` and the
``WnAOpenSetClassifier`` (``heads``); the ``WnAMoELoss`` with its parts (``losses``); and
the ``WnADataPreprocessor``.
"""
from .backbones import WnAResNet45, WnAResNet45Core, WnAResNet45Norms
from .data_preprocessors import WnADataPreprocessor
from .experts import (
    ExpertOutput,
    WnAExpert,
    WnASpatialEmbedding,
    WnATemporalFPNCAM,
    decoupled_text_decoder,
    stretch_to_canvas,
)
from .heads import (
    CharsetSource,
    LabelSpace,
    PrototypeSet,
    WnAGlyphEncoder,
    WnAOpenSetClassifier,
    WnAPrototypeBank,
    WnAPrototypeSampler,
    glyphs_to_tensor,
    greedy_decode,
    max_merge,
    packed_greedy_labels,
)
from .layers import WnASpatialAttentionPool, normalise_pixels
from .losses import (
    ExpertLogits,
    WnAImitationRouteLoss,
    WnALossPenalty,
    WnAMoELoss,
    WnANEDMixPenalty,
    WnAOHEM,
    WnAPolicyGradientRouteLoss,
    WnARecognitionLoss,
    aroute_loss,
    per_sample_recognition_loss,
    pgroute_loss,
)
from .recognizers import WnARecognizer
from .routers import WnALearnedRouting, WnARouter, WnARoutingPolicy, WnARuleBasedRouting
from .upstream_modules import EXPERT_MODULES, SHARED_MODULES, UpstreamModule, upstream_modules

__all__ = [
    'WnAResNet45', 'WnAResNet45Core', 'WnAResNet45Norms', 'WnADataPreprocessor',
    'ExpertOutput', 'WnAExpert', 'WnASpatialEmbedding', 'WnATemporalFPNCAM',
    'decoupled_text_decoder', 'stretch_to_canvas', 'CharsetSource', 'LabelSpace',
    'PrototypeSet', 'WnAGlyphEncoder', 'WnAOpenSetClassifier', 'WnAPrototypeBank',
    'WnAPrototypeSampler', 'glyphs_to_tensor', 'greedy_decode', 'max_merge',
    'packed_greedy_labels',
    'WnASpatialAttentionPool', 'normalise_pixels', 'ExpertLogits', 'WnAImitationRouteLoss',
    'WnALossPenalty', 'WnAMoELoss', 'WnANEDMixPenalty', 'WnAOHEM',
    'WnAPolicyGradientRouteLoss', 'WnARecognitionLoss', 'aroute_loss',
    'per_sample_recognition_loss', 'pgroute_loss', 'WnARecognizer', 'WnALearnedRouting',
    'WnARouter', 'WnARoutingPolicy', 'WnARuleBasedRouting', 'EXPERT_MODULES',
    'SHARED_MODULES', 'UpstreamModule', 'upstream_modules'
]
