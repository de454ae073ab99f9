"""Several training seeds of one recipe side by side: median and range of each metric."""
from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from projects.wna.evaluation.report import markdown_table

#: The demo's headline metrics (``<test>/<metric>``), in the order they are reported.
DEMO_HEADLINE = (
    'DEMO-GZSL/acr', 'DEMO-GZSL/char_acr_unseen', 'DEMO-GZSL/lenpred_acr',
    'DEMO-OSR/kacr', 'DEMO-OSR/f', 'DEMO-GOSR/kacr', 'DEMO-GOSR/f',
    'DEMO-OSTR/kacr', 'DEMO-OSTR/f',
    'DEMO-OTHERFACE/acr', 'DEMO-OTHERFACE/char_acr', 'DEMO-OTHERFACE/char_acr_unseen',
)


def summarize_seeds(runs: Mapping[int, Mapping[str, float]],
                    keys: Sequence[str] | None = None) -> dict[str, dict]:
    """``{metric: {median, min, max, range, seeds: {seed: value}}}`` over ``runs``
    (``{seed: metrics}``) for the metrics in ``keys`` (default: those every run has, in
    the first run's order); a metric missing from a run is a ``KeyError``."""
    if not runs:
        raise ValueError('no runs to summarise')
    if keys is None:
        first = next(iter(runs.values()))
        keys = [k for k in first if all(k in m for m in runs.values())]
    summary = {}
    for key in keys:
        values = {seed: float(metrics[key]) for seed, metrics in runs.items()}
        low, high = min(values.values()), max(values.values())
        summary[key] = dict(median=statistics.median(values.values()), min=low, max=high,
                            range=high - low, seeds=values)
    return summary


def median_seed(runs: Mapping[int, Mapping[str, float]], key: str) -> int:
    """The seed whose ``key`` is the median (the lower middle one for an even count)."""
    ordered = sorted(runs, key=lambda seed: (runs[seed][key], seed))
    return ordered[(len(ordered) - 1) // 2]


def format_seed_table(summary: Mapping[str, dict]) -> str:
    """A Markdown table: metric, median, range (min-max, spread) and each seed's value,
    fractions x100."""
    seeds = list(next(iter(summary.values()))['seeds']) if summary else []
    rows = ([key, f'{100 * s["median"]:.2f}',
             f'{100 * s["min"]:.2f}-{100 * s["max"]:.2f} ({100 * s["range"]:.2f})',
             *(f'{100 * s["seeds"][seed]:.2f}' for seed in seeds)]
            for key, s in summary.items())
    return markdown_table(['metric', 'median', 'range', *(f'seed {s}' for s in seeds)], rows)
