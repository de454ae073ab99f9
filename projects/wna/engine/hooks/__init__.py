"""wna hooks (registered into MMOCR's ``HOOKS``): speed, prediction dump, ablation log,
prototype warm-up, prototype-sampler step, training progress bar, drawing of predictions,
atomic checkpoints, strict checkpoint loading and the stop on a non-finite loss."""
from .ablation_hook import WnAAblationHook
from .checkpoint_hook import WnACheckpointHook
from .fps_hook import WnAFPSHook
from .non_finite_loss_hook import WnANonFiniteLossHook
from .prediction_dump_hook import WnAPredictionDumpHook
from .progress_hook import WnATrainProgressBarHook
from .prototype_sampler_step_hook import WnAPrototypeSamplerStepHook
from .prototype_warmup_hook import WnAPrototypeWarmupHook
from .strict_load_hook import WnAStrictLoadHook
from .visualization_hook import WnAVisualizationHook

__all__ = ['WnAAblationHook', 'WnACheckpointHook', 'WnAFPSHook', 'WnANonFiniteLossHook',
           'WnAPredictionDumpHook', 'WnATrainProgressBarHook', 'WnAPrototypeSamplerStepHook',
           'WnAPrototypeWarmupHook', 'WnAStrictLoadHook', 'WnAVisualizationHook']
