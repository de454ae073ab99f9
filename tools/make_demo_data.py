"""Generate the embedded demo data: a MOOSTR-like miniature with synthetic scene text.

    python tools/make_demo_data.py [--out data/wna_demo] [--seed 0] [--size 1]
        [--train-chinese 100] [--extra-train-chinese 300] [--clean-share 0.9]
        [--test-clean-share 0.5] [--font FONT] [--held-out-font FONT] [--overwrite]

Writes training and test LMDBs (and a test LMDB in a typeface used for nothing else),
the training charset, the GZSL / OSR / GOSR / OSTR test dictionaries and ``meta.json``
into ``--out``; what the data hold and the layout are described in
``projects/wna/datasets/synthesis/__init__.py``. Exit status 1 when an output folder
exists and ``--overwrite`` is not given.

Example::

    python tools/make_demo_data.py --out data/wna_demo --seed 0 --size 1
"""
from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # the repository root
from projects.wna.datasets.synthesis import (  # noqa: E402
    CLEAN_SHARE,
    EXTRA_TRAIN_CHINESE,
    TEST_CLEAN_SHARE,
    TEST_PER_SIZE,
    TRAIN_CHINESE,
    TRAIN_PER_SIZE,
    describe_demo_data,
    write_demo_data,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the wna demo data (small training/test LMDBs and dictionaries).')
    parser.add_argument('--out', default=os.path.join(ROOT, 'data', 'wna_demo'),
                        help='demo root (default: data/wna_demo of the checkout, where the '
                        'configs look when WNA_DEMO_DATA is not set)')
    parser.add_argument('--seed', type=int, default=0, help='random seed (default 0)')
    parser.add_argument('--size', type=float, default=1.0,
                        help=f'size multiplier: {TRAIN_PER_SIZE} crops in each of the two training '
                        f'sets and {TEST_PER_SIZE} test crops per unit (default 1)')
    parser.add_argument('--train-chinese', type=int, default=TRAIN_CHINESE,
                        help='number of Chinese training characters that the Japanese test '
                        f'words may share (the most frequent of the word list; default '
                        f'{TRAIN_CHINESE})')
    parser.add_argument('--extra-train-chinese', type=int, default=EXTRA_TRAIN_CHINESE,
                        help='number of further Chinese training characters, the next in '
                        'frequency that no test line uses (the test sets stay the same; '
                        f'default {EXTRA_TRAIN_CHINESE})')
    parser.add_argument('--clean-share', type=float, default=CLEAN_SHARE,
                        help='share of plain crops in train_NG (glyph face, black/white, no '
                        f'effects; default {CLEAN_SHARE}); train_NG_augmented has none')
    parser.add_argument('--test-clean-share', type=float, default=TEST_CLEAN_SHARE,
                        help=f'share of plain test crops (default {TEST_CLEAN_SHARE})')
    parser.add_argument('--font', help='font collection (default: Noto Sans CJK TTC)')
    parser.add_argument('--held-out-font',
                        help='typeface of the held-out test crops (default: IPAex Gothic '
                        'of the japanize-matplotlib package)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace train_NG/, train_NG_augmented/, test_jpn_hv/, '
                        'test_held_out_face/ and dicts/ if they exist')
    args = parser.parse_args(argv)
    if args.size <= 0:
        parser.error('--size must be positive')
    if args.train_chinese < 1 or args.extra_train_chinese < 0:
        parser.error('--train-chinese must be positive and --extra-train-chinese not negative')
    for name in ('clean_share', 'test_clean_share'):
        if not 0 <= getattr(args, name) <= 1:
            parser.error(f'--{name.replace("_", "-")} must be in [0, 1]')
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        data = write_demo_data(args.out, args.seed, args.size, args.train_chinese,
                               args.clean_share, args.test_clean_share, font=args.font,
                               held_out_font=args.held_out_font, overwrite=args.overwrite,
                               extra_train_chinese=args.extra_train_chinese)
    except FileExistsError as e:
        print(f'error: {e.args[0]} already exist; pass --overwrite to replace them',
              file=sys.stderr)
        return 1
    print(describe_demo_data(data))
    return 0


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
