"""The eleven ablation variants, their upstream tags and the LaTeX macro names.

Upstream (``lancercat/wna:ablative.py``) tags each configuration as
``LPA-<config part>-JPNHV-GZSL-LA``; the full model has no config part
(``LPA-JPNHV-GZSL-LA``). A macro is named after ``<tag>-AVG`` / ``<tag>-STD`` with every
``'-'`` replaced by ``'o'``: ``\\newcommand{\\LPAoPGoLoJPNHVoGZSLoLAoAVG}{41.49}``.

For other tests and metrics the test part becomes the test name (``KR-GZSL`` ->
``...oKRoGZSLo...``) and the last part the metric tag of :func:`metric_tag`.
"""
from __future__ import annotations

import re

#: Variant (config name) -> upstream config part of the tag, in the paper's row order.
VARIANT_TAGS: dict[str, str] = {
    'base': 'BASE',
    'base_s': 'WOAROUTE',
    'r1': 'PG-L',
    'r1_s': 'PG-L-S',
    'r2': 'PG-N',
    'r2_s': 'PG-N-S',
    'r3': 'AR-L',
    'r3_s': 'AR-L-S',
    'wna': 'WOOHEM',
    'wna_s': '',
    'wna_sa': 'OHEM-A',
}

#: Metric name -> tag part; other metrics are upper-cased. Tables print ACR and KACR
#: both as "LA" (line accuracy).
METRIC_TAGS = {'acr': 'LA', 'kacr': 'LA', 'lenpred_acr': 'LENPRED'}

_ORIENTATION = re.compile(r'^(.*)_(hori|vert)$')
_MACRO = re.compile(r'^[A-Za-z]+$')


def metric_tag(metric: str) -> str:
    """``'acr'`` -> ``'LA'``, ``'acr_vert'`` -> ``'LA-VERT'``, ``'f'`` -> ``'F'``."""
    match = _ORIENTATION.match(metric)
    base, orientation = match.groups() if match else (metric, None)
    tag = METRIC_TAGS.get(base, base.upper())
    return f'{tag}-{orientation.upper()}' if orientation else tag


def upstream_tag(variant: str, test: str = 'JPNHV-GZSL', metric: str = 'acr') -> str:
    """The upstream tag of a variant, e.g. ``('r1', ...)`` -> ``'LPA-PG-L-JPNHV-GZSL-LA'``."""
    config_part = VARIANT_TAGS[variant]
    parts = ['LPA'] + ([config_part] if config_part else []) + [test, metric_tag(metric)]
    return '-'.join(parts)


def macro_name(tag: str, statistic: str) -> str:
    """``('LPA-PG-L-JPNHV-GZSL-LA', 'AVG')`` -> ``'LPAoPGoLoJPNHVoGZSLoLAoAVG'``.

    Raises ``ValueError`` when the result is not a valid LaTeX macro name (letters only).
    """
    name = f'{tag}-{statistic}'.replace('-', 'o')
    if not _MACRO.match(name):
        raise ValueError(f'cannot form a LaTeX macro name from tag {tag!r}: only letters '
                         'and "-" are allowed in test and metric names')
    return name
