"""wna metrics (registered into MMOCR's ``METRICS``)."""
from .wna_metric import WnAMetric

__all__ = ['WnAMetric']
