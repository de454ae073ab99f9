"""wna hooks (registered into MMOCR's ``HOOKS``): speed, prediction dump, ablation log."""
from .ablation_hook import WnAAblationHook
from .fps_hook import WnAFPSHook
from .prediction_dump_hook import WnAPredictionDumpHook

__all__ = ['WnAAblationHook', 'WnAFPSHook', 'WnAPredictionDumpHook']
