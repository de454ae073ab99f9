"""wna evaluation: the open-set metric (registered into MMOCR's ``METRICS``), prediction
records, the ablation log format and the metrics report (``report``)."""
from .metrics import WnAMetric

__all__ = ['WnAMetric']
