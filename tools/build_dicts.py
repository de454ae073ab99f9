"""Build the four open-set test dictionaries (GZSL, OSR, GOSR, OSTR) of a test LMDB.

The test characters are grouped against the training charset (DATA_AND_EVAL 4.3):
shared kanji (in the training charset), unique kanji (not), kana and Latin. Each mode
registers some groups; the others are out of set and must be rejected (→ ⑨).

Example::

    python tools/build_dicts.py --test-lmdb data/moostr/mlttrjp_hv \\
        --train-charset data/moostr/dictsv2/dab3791MC --out-dir dicts --prefix jpnhv
    # writes dicts/jpnhv_gzsl.npz, dicts/jpnhv_osr.npz, dicts/jpnhv_gosr.npz, dicts/jpnhv_ostr.npz
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from projects.wna.apis import add_font_args  # noqa: E402
from projects.wna.charset import (  # noqa: E402
    MODES,
    GlyphRenderer,
    build_mode_charsets,
    distinct_chars,
    group_chars,
    load_charset,
    save_mode_charsets,
)
from projects.wna.charset.modes import group_table  # noqa: E402
from projects.wna.charset.render import describe_char  # noqa: E402
from projects.wna.datasets.lmdb_io import read_labels  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the GZSL / OSR / GOSR / OSTR glyph dictionaries of a test LMDB.')
    parser.add_argument('--test-lmdb', required=True, help='the test LMDB folder')
    parser.add_argument('--train-charset', required=True,
                        help='training charset: wna .npz, upstream vismeta.pt or its folder')
    add_font_args(parser)
    parser.add_argument('--out-dir', required=True, help='folder for the dictionaries')
    parser.add_argument('--prefix', default='jpnhv',
                        help='file name prefix: <out-dir>/<prefix>_<mode>.npz (default jpnhv)')
    parser.add_argument('--modes', default=','.join(MODES),
                        help=f'comma-separated modes to write (default {",".join(MODES)})')
    args = parser.parse_args(argv)
    args.modes = [m.strip().lower() for m in args.modes.split(',') if m.strip()]
    unknown = [m for m in args.modes if m not in MODES]
    if unknown or not args.modes:
        parser.error(f'unknown modes {unknown}; choose from {list(MODES)}')
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    labels = read_labels(args.test_lmdb)
    unlabelled = sum(label is None or label == '' for label in labels)
    if unlabelled:
        print(f'warning: {unlabelled} of {len(labels)} records have no readable label')
    if unlabelled == len(labels):
        print(f'error: {args.test_lmdb} has no labelled record', file=sys.stderr)
        return 1
    train = load_charset(args.train_charset)
    groups = group_chars(distinct_chars(labels), train.char_set)
    print(f'{len(labels)} test records; training charset {len(train)} chars')
    print(group_table(groups, labels))
    if groups['other']:
        print(f'warning: {len(groups["other"])} test character(s) belong to no group and are '
              f'out of set in every mode: {"".join(groups["other"][:50])}')
    renderer = GlyphRenderer(args.font, args.face_index)
    charsets, missing = build_mode_charsets(
        groups, renderer, args.modes,
        meta={'test_lmdb': os.path.abspath(args.test_lmdb)})
    for c in missing:
        print(f'warning: no glyph in {renderer.font_name}, left out: {describe_char(c)}')
    paths = save_mode_charsets(charsets, args.out_dir, args.prefix)
    for mode, charset in charsets.items():
        print(f'{mode:>5}: {len(charset):5d} glyphs, {charset.num_labels:5d} labels, '
              f'has_unk={MODES[mode].has_unk} -> {paths[mode]}')
    return 0


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
