"""wna evaluation: the open-set metric (registered into MMOCR's ``METRICS``), the suite
evaluator with averages (``EVALUATOR``), prediction records, the ablation log format and the
metrics report (``report``)."""
from .metrics import WnAMetric
from .suite_evaluator import AVERAGE_KEY, WnASuiteEvaluator, suite_averages

__all__ = ['WnAMetric', 'WnASuiteEvaluator', 'suite_averages', 'AVERAGE_KEY']
