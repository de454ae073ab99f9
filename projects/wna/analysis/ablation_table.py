"""Pooling ablation evaluations into the paper's mean ± std LaTeX macros and a table.

For each variant, every (run, checkpoint) value of one metric of one test is pooled
(:func:`pool_values`; records as read by
:func:`projects.wna.evaluation.ablation_log.read_records`) and reported as mean and
population std (ddof = 0), ×100 with two decimals, as upstream's macros::

    \\newcommand{\\LPAoJPNHVoGZSLoLAoAVG}{45.15}
    \\newcommand{\\LPAoJPNHVoGZSLoLAoSTD}{0.36}

in the paper's row order (:func:`macro_lines`). The macro name is the upstream tag
(:mod:`projects.wna.analysis.ablation_tags`). The Markdown table (:func:`pooled_table`)
has every variant: the eleven ablation rows always (``n = 0`` when nothing was found) and
any other variant after them (no upstream tag, so no macro). :func:`delta_lines`
compares our macros with a reference file of macros (:func:`parse_macros`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from projects.wna.evaluation.report import markdown_table

from .ablation_tags import VARIANT_TAGS, macro_name, upstream_tag

_NEWCOMMAND = re.compile(r'\\newcommand\{\\([A-Za-z]+)\}\{([^}]*)\}')


def pool_values(records: Iterable[dict], test: str, metric: str) -> dict[str, list[float]]:
    """``{variant: [value, ...]}`` of ``metric`` on ``test``, eleven paper rows first."""
    pooled: dict[str, list[float]] = {v: [] for v in VARIANT_TAGS}
    for rec in records:
        value = rec['metrics'].get(metric)
        if rec['test'] == test and isinstance(value, (int, float)):
            pooled.setdefault(rec['variant'], []).append(float(value))
    return pooled


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and population std (ddof = 0) of fractions, both ×100."""
    return float(np.mean(values)) * 100, float(np.std(values)) * 100


def macro_lines(pooled: dict[str, list[float]], test: str, metric: str) -> list[str]:
    """The ``\\newcommand`` lines of the paper variants (a comment for one without values)."""
    lines = []
    for variant in VARIANT_TAGS:
        tag = upstream_tag(variant, test, metric)
        values = pooled[variant]
        if not values:
            lines.append(f'% {variant}: no values for {tag}')
            continue
        for statistic, number in zip(('AVG', 'STD'), mean_std(values)):
            lines.append(f'\\newcommand{{\\{macro_name(tag, statistic)}}}{{{number:.2f}}}')
    return lines


def tex_text(lines: Iterable[str]) -> str:
    """The ``\\newcommand`` lines of :func:`macro_lines` without the comments, as a file."""
    return '\n'.join(line for line in lines if not line.startswith('%')) + '\n'


def pooled_table(pooled: dict[str, list[float]]) -> str:
    """A Markdown table, one row per variant: name, upstream tag part, number of values,
    mean, std."""
    rows = []
    for variant, values in pooled.items():
        tag = VARIANT_TAGS.get(variant)
        tag = '-' if tag is None else (tag or '(full model)')
        if values:
            mean, std = mean_std(values)
            rows.append([variant, tag, str(len(values)), f'{mean:.2f}', f'{std:.2f}'])
        else:
            rows.append([variant, tag, '0', '-', '-'])
    return markdown_table(['variant', 'tag', 'n', 'mean', 'std'], rows)


def parse_macros(text: str) -> dict[str, float]:
    """``{macro name: value}`` of every ``\\newcommand{\\NAME}{number}`` in ``text``."""
    macros = {}
    for name, value in _NEWCOMMAND.findall(text):
        try:
            macros[name] = float(value)
        except ValueError:
            continue
    return macros


def delta_lines(ours: dict[str, float], ref: dict[str, float]) -> list[str]:
    """Our value, the reference and ours − reference (both rounded to two decimals)."""
    lines = []
    for name in list(ours) + [n for n in ref if n not in ours]:
        if name not in ref:
            lines.append(f'{name}: ours {ours[name]:.2f}, not in the reference')
        elif name not in ours:
            lines.append(f'{name}: no value of ours, reference {ref[name]:.2f}')
        else:
            lines.append(f'{name}: ours {ours[name]:.2f}, reference {ref[name]:.2f}, '
                         f'delta {ours[name] - ref[name]:+.2f}')
    return lines
