"""``WnASuiteEvaluator``: MMOCR's per-test evaluator plus the suite average."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from mmocr.evaluation.evaluator import MultiDatasetsEvaluator
from mmocr.registry import EVALUATOR

#: The test name under which :class:`WnASuiteEvaluator` reports its averages.
AVERAGE_KEY = 'average'


def suite_averages(metrics: Mapping[str, float], tests: Sequence[str],
                   names: Sequence[str]) -> dict[str, float]:
    """``{'average/<name>': unweighted mean over tests of '<test>/<name>'}`` for each name.

    Raises:
        KeyError: a test lacks one of the metrics (the message names them).
    """
    missing = [f'{t}/{n}' for n in names for t in tests if f'{t}/{n}' not in metrics]
    if missing:
        raise KeyError(f'cannot average over the suite: no metric {missing}')
    return {f'{AVERAGE_KEY}/{n}': sum(float(metrics[f'{t}/{n}']) for t in tests) / len(tests)
            for n in names}


@EVALUATOR.register_module()
class WnASuiteEvaluator(MultiDatasetsEvaluator):
    """MMOCR's ``MultiDatasetsEvaluator`` ('<test>/<metric>' for each dataset prefix), plus
    ``'average/<metric>'``: the unweighted mean over the tests of each metric in
    ``average`` (the usual "average word accuracy" of a benchmark suite).

    Args:
        metrics: the metric configs (as for ``MultiDatasetsEvaluator``).
        dataset_prefixes: one test name per dataset of the concatenation, in order.
        average: metric names to average over the tests (default ``('acr', )``).
    """

    def __init__(self, metrics, dataset_prefixes: Sequence[str],
                 average: Sequence[str] = ('acr', )) -> None:
        super().__init__(metrics, dataset_prefixes)
        if AVERAGE_KEY in dataset_prefixes:
            raise ValueError(f'{AVERAGE_KEY!r} is the name of the suite average; rename that '
                             'test')
        self.average = tuple(average)

    def evaluate(self, size: int) -> dict:
        """The per-test metrics and their suite averages."""
        metrics = super().evaluate(size)
        metrics.update(suite_averages(metrics, self.dataset_prefixes, self.average))
        return metrics
