"""Error analysis of saved predictions, as Markdown (and optionally JSON and figures).

    python tools/analyze_predictions.py PREDS.jsonl [MORE.jsonl | FOLDER ...]
        [--train-dict dicts/train.npz] [--out DIR] [--top 20]

Reads the JSON lines of ``tools/test.py --save-preds`` (``<work_dir>/predictions/
<test>.jsonl``) or of ``tools/infer.py`` (an LMDB's stored ``label`` serves as the ground
truth; images without one get the routing table and score histograms only). A folder
stands for its ``*.jsonl`` files. Each file is one test, named by its stem, and gets one
Markdown section: orientation (aspect-ratio bucket) × chosen expert with line accuracy,
character accuracy (seen / unseen with ``--train-dict``, and per script), the most
frequent substitutions and the deletion / insertion counts, histograms of the scores of
characters read '⑨' against known ones, and accuracy by line length. The definitions
follow ``WnAMetric``; see ``docs/analysis.md`` and
``projects/wna/analysis/prediction_analysis.py``.

``--out DIR`` also writes ``analysis.md``, ``analysis.json`` (every table as data) and
PNG figures (``<test>_routing.png``, ``<test>_length.png``, ``<test>_scores.png``).

A missing or empty file, a line that is not a JSON record, or an unreadable dictionary
is reported as one ``error:`` line naming the file (and line), exit status 2.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # the repository root

from projects.wna.analysis.prediction_analysis import (  # noqa: E402
    TOP_CONFUSIONS,
    analyse_files,
    markdown_report,
    write_analysis,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Routing, character, confusion, rejection-score and length analysis of '
        'prediction files (JSON lines)')
    parser.add_argument('paths', nargs='+', metavar='PREDS',
                        help='prediction files (.jsonl) or folders of them')
    parser.add_argument('--train-dict', metavar='PATH',
                        help='training dictionary (.npz, vismeta.pt or its folder), for the '
                        'seen / unseen character accuracy')
    parser.add_argument('--out', metavar='DIR',
                        help='write analysis.md, analysis.json and the figures here')
    parser.add_argument('--top', type=int, default=TOP_CONFUSIONS,
                        help=f'rows of the substitution table (default {TOP_CONFUSIONS})')
    args = parser.parse_args(argv)
    if args.top < 1:
        parser.error('--top must be at least 1')
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    analyses = analyse_files(args.paths, args.train_dict, args.top)
    print(markdown_report(analyses, args.train_dict), end='')
    if args.out:
        written = write_analysis(analyses, args.out, args.train_dict)
        print(f'\nWritten to {args.out}: analysis.md, analysis.json and '
              f'{len(written["figures"])} figure(s).')
    return 0


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
