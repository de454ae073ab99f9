"""wna models (every component registered into MMOCR's registries under its class name).

``WnARecognizer`` assembles: the shared ``WnAResNet45Core`` (conv weights) with per-user
``WnAResNet45Norms`` (``backbones``); the ``WnARouter`` (own ``WnAResNet45`` +
``WnASpatialAttentionPool``) and a routing policy, ``WnALearnedRouting`` or
``WnARuleBasedRouting`` (``routers``); three ``WnAExpert`` (``WnASpatialEmbedding`` +
``WnATemporalFPNCAM`` + length head + attention maps + DTD; ``experts``); the
``WnAGlyphEncoder``, the ``WnAPrototypeSampler``, the ``WnAPrototypeBank`` and the
``WnAOpenSetClassifier`` (``heads``); the ``WnAMoELoss`` with its parts (``losses``); and
the ``WnADataPreprocessor``. ``WnAFastInference`` (``fast``) is the optional fast
test-time path (folded norms, reduced-precision convolutions).
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
from .fast import FAST_INFERENCE, WnAFastInference, WnAFoldedResNet45, fold_conv_norm_blocks
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
    'decoupled_text_decoder', 'stretch_to_canvas', 'FAST_INFERENCE', 'WnAFastInference',
    'WnAFoldedResNet45', 'fold_conv_norm_blocks', 'CharsetSource', 'LabelSpace',
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
