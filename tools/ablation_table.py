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
``paperref.txt``. The macro name is the upstream tag (``projects/wna/analysis/ablation_tags.py``)
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
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # the repository root

from projects.wna.analysis.ablation_table import (  # noqa: E402
    delta_lines,
    macro_lines,
    parse_macros,
    pool_values,
    pooled_table,
    tex_text,
)
from projects.wna.evaluation.ablation_log import (  # noqa: E402
    ABLATION_FILE,
    find_jsonl,
    read_records,
)


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
    out.append(pooled_table(pooled))
    if args.ref:
        with open(args.ref, encoding='utf-8') as f:
            ref = parse_macros(f.read())
        out += ['', f'delta against {args.ref}:']
        out += delta_lines(parse_macros('\n'.join(macros)), ref)
    if args.tex_out:
        with open(args.tex_out, 'w', encoding='utf-8') as f:
            f.write(tex_text(macros))
    text = '\n'.join(out)
    print(text)
    return text


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
