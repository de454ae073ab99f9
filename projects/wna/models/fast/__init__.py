"""The fast test-time path (``WnAFastInference``) and the BatchNorm folding it uses."""
from .fast_inference import WnAFastInference, auto_dtype, cpu_has_native_bf16
from .folding import WnAFoldedResNet45, fold_conv_norm_blocks

#: The fast path's config with its defaults (what ``--fast`` sets as
#: ``model.fast_inference``).
FAST_INFERENCE = dict(type='WnAFastInference')

__all__ = ['FAST_INFERENCE', 'WnAFastInference', 'auto_dtype', 'cpu_has_native_bf16',
           'WnAFoldedResNet45', 'fold_conv_norm_blocks']
