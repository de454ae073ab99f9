"""Pool ablation evaluations into the paper's mean ± std LaTeX macros and a Markdown table.

    python tools/ablation_table.py work_dirs/ [more dirs or ablation.jsonl files]
        [--test JPNHV-GZSL] [--metric acr] [--ref paperref.txt] [--tex-out FILE]

Reads the JSON lines written by ``WnAAblationHook`` (``ablation.jsonl``, found recursively
under every directory given). For each variant it pools every (run, checkpoint) value of
one metric of one test (default: ``acr`` of ``JPNHV-GZSL``, the paper's ablation) and
prints mean and population std (ddof = 0), ×100 with two decimals, as upstream's macros::

    \\newcommand{\\LPAoJPNHVoGZSLoLAoAVG}{45.15}
    \\newcommand{\\LPAoJPNHVoGZSLoLAoSTD}{0.36}

in the paper's row order, so that the default output diffs cleanly against upstream's
``paperref.txt``. The macro name is the upstream tag (``projects/wna/engine/ablation_tags.py``)
with the test part taken from ``--test`` and the metric part from ``--metric``
(``acr`` / ``kacr`` -> ``LA``, ``lenpred_acr`` -> ``LENPRED``, ``acr_vert`` -> ``LA-VERT``,
others upper-cased: ``f`` -> ``F``). A Markdown table follows with every variant, the
eleven ablation rows always (``n = 0`` when nothing was found) and any other variant
after them (no upstream tag, so no macro). Variants are the ablation config names
(``base`` ... ``wna_sa``); other configs, e.g. a tiny demo run, are not aliased to a
paper row. ``--ref FILE`` reads a file of such macros and prints our value, the
reference value and their difference for every macro.

A line evaluated twice (same file, variant, run, checkpoint and test) counts once: the
last one wins. Unreadable lines are skipped and counted on stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import re
import sys
from collections.abc import Iterable

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from projects.wna.engine.ablation_tags import VARIANT_TAGS, macro_name, upstream_tag  # noqa: E402

ABLATION_FILE = 'ablation.jsonl'
_NEWCOMMAND = re.compile(r'\\newcommand\{\\([A-Za-z]+)\}\{([^}]*)\}')


def find_jsonl(paths: Iterable[str]) -> list[str]:
    """The given files, plus every ``ablation.jsonl`` below the given directories."""
    files = []
    for path in paths:
        if osp.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                if ABLATION_FILE in names:
                    files.append(osp.join(root, ABLATION_FILE))
        elif osp.isfile(path):
            files.append(path)
        else:
            raise FileNotFoundError(f'no such file or directory: {path}')
    return files


def read_records(files: Iterable[str]) -> tuple[list[dict], int, int]:
    """All records of ``files``, deduplicated; also the numbers of bad and repeated lines."""
    records: dict[tuple, dict] = {}
    bad = repeated = 0
    for file in files:
        with open(file, encoding='utf-8') as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    key = (file, rec['variant'], rec['run'], rec['checkpoint'], rec['test'])
                    if not isinstance(rec['metrics'], dict):
                        raise TypeError('metrics is not an object')
                except (ValueError, KeyError, TypeError):
                    bad += 1
                    continue
                repeated += key in records
                records[key] = rec
    return list(records.values()), bad, repeated


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


def markdown_table(pooled: dict[str, list[float]]) -> list[str]:
    """One row per variant: name, upstream tag part, number of values, mean, std."""
    lines = ['| variant | tag | n | mean | std |', '|---|---|---|---|---|']
    for variant, values in pooled.items():
        tag = VARIANT_TAGS.get(variant)
        tag = '-' if tag is None else (tag or '(full model)')
        if values:
            mean, std = mean_std(values)
            lines.append(f'| {variant} | {tag} | {len(values)} | {mean:.2f} | {std:.2f} |')
        else:
            lines.append(f'| {variant} | {tag} | 0 | - | - |')
    return lines


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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Mean ± population std per ablation variant as LaTeX macros and Markdown')
    parser.add_argument('paths', nargs='+',
                        help='ablation.jsonl files or directories searched recursively')
    parser.add_argument('--test', default='JPNHV-GZSL', help='test name (default JPNHV-GZSL)')
    parser.add_argument('--metric', default='acr', help='metric name (default acr)')
    parser.add_argument('--ref', help='a file of \\newcommand macros to compare with')
    parser.add_argument('--tex-out', help='also write the macro lines to this file')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> str:
    args = parse_args(argv)
    files = find_jsonl(args.paths)
    if not files:
        print(f'warning: no {ABLATION_FILE} found under {args.paths}', file=sys.stderr)
    records, bad, repeated = read_records(files)
    if bad:
        print(f'warning: skipped {bad} unreadable line(s)', file=sys.stderr)
    if repeated:
        print(f'note: {repeated} repeated evaluation(s) replaced by the later line',
              file=sys.stderr)
    pooled = pool_values(records, args.test, args.metric)
    macros = macro_lines(pooled, args.test, args.metric)
    out = macros + ['', f'{args.metric} of {args.test} (×100, population std), '
                    f'{len(records)} record(s) from {len(files)} file(s)', '']
    out += markdown_table(pooled)
    if args.ref:
        with open(args.ref, encoding='utf-8') as f:
            ref = parse_macros(f.read())
        out += ['', f'delta against {args.ref}:']
        out += delta_lines(parse_macros('\n'.join(macros)), ref)
    if args.tex_out:
        with open(args.tex_out, 'w', encoding='utf-8') as f:
            f.write('\n'.join(line for line in macros if not line.startswith('%')) + '\n')
    text = '\n'.join(out)
    print(text)
    return text


if __name__ == '__main__':
    main()
