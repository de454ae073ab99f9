"""Presenting evaluation results: a per-test table and a JSON record."""
from __future__ import annotations

import json
import numbers
import os
import os.path as osp
import time
from collections.abc import Iterable, Sequence

#: Metrics that are counts or rates, printed as they are (everything else is a fraction
#: printed as a percentage).
RAW_METRICS = ('fps', 'batch_size', 'n')


def group_metrics_by_test(metrics: dict) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Split ``{'<test>/<name>': value}`` into ``{test: {name: float}}``.

    Keys without ``'/'`` go to the test ``''``. Returns the groups and the keys skipped
    because their value is not a real number.
    """
    groups: dict[str, dict[str, float]] = {}
    skipped = []
    for key, value in metrics.items():
        if hasattr(value, 'item') and getattr(value, 'ndim', 0) == 0:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            skipped.append(key)
            continue
        test, _, name = key.partition('/') if '/' in key else ('', '', key)
        groups.setdefault(test, {})[name] = float(value)
    return groups, skipped


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table of already formatted cells."""
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


def format_metrics_table(metrics: dict[str, float]) -> str:
    """A Markdown table with one row per test and one column per metric.

    Fractions are shown ×100 with two decimals; ``fps``, ``batch_size`` and ``n`` raw.
    """
    tests, _ = group_metrics_by_test(metrics)
    columns = list(dict.fromkeys(name for row in tests.values() for name in row))

    def cell(name: str, value: float | None) -> str:
        if value is None:
            return ''
        if name in RAW_METRICS or name.startswith(RAW_METRICS):
            return str(int(value)) if value.is_integer() else f'{value:.1f}'
        return f'{100 * value:.2f}'

    return markdown_table(['test', *columns],
                          ([test or '-', *(cell(c, row.get(c)) for c in columns)]
                           for test, row in tests.items()))


def save_metrics_json(metrics: dict[str, float], work_dir: str, **context) -> str:
    """Write ``metrics`` (plus ``context`` such as config and checkpoint) to
    ``<work_dir>/metrics_<timestamp>.json`` and return the path."""
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, f'metrics_{time.strftime("%Y%m%d_%H%M%S")}.json')
    record = dict(context, metrics={k: _plain(v) for k, v in metrics.items()})
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(record, f, ensure_ascii=False, indent=2)
    return path


def _plain(value):
    """Convert numpy / torch scalars to plain Python numbers for JSON."""
    return value.item() if hasattr(value, 'item') else value
