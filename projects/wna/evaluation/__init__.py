"""wna evaluation (components registered into MMOCR's registries)."""
from .metrics import WnAMetric

__all__ = ['WnAMetric']
