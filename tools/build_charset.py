"""Build a wna glyph charset (.npz) by rendering characters, or convert an upstream
``vismeta.pt`` dictionary.

Examples::

    # the MOOSTR training dictionary (3755 GB2312 level-1 + latin62 = 3817 glyphs, 3791 labels)
    python tools/build_charset.py --char-file gb2312_level1,latin62 --out dicts/train.npz
    # a few characters with another font face (Noto Sans CJK SC)
    python tools/build_charset.py --chars 'ABCabc漢字' --face-index 2 --out abc.npz
    # an upstream dictionary
    python tools/build_charset.py --from-vismeta data/moostr/dictsv2/dab3791MC --out train.npz
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from projects.wna.apis import add_font_args  # noqa: E402
from projects.wna.charset import (  # noqa: E402
    GlyphCharset,
    GlyphRenderer,
    available_char_lists,
    load_charset,
    requested_chars,
)
from projects.wna.charset.render import describe_char  # noqa: E402

MAX_LISTED = 20


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Render a glyph charset (.npz) for wna, or convert an upstream vismeta.pt.',
        epilog=f'Shipped character lists: {", ".join(available_char_lists())}.')
    source = parser.add_argument_group('characters (--chars and --char-file may be combined)')
    source.add_argument('--chars', help='characters to render, given as one string (split into '
                        'grapheme clusters)')
    source.add_argument('--char-file', help='comma-separated shipped list names and/or paths of '
                        'UTF-8 files with one character per line')
    source.add_argument('--from-vismeta', metavar='PATH', help='convert an upstream vismeta.pt '
                        '(or a folder holding one) instead of rendering')
    add_font_args(parser)
    parser.add_argument('--case-sensitive', action='store_true',
                        help='keep upper- and lower-case letters as separate labels')
    parser.add_argument('--out', required=True, help='output charset file (.npz)')
    args = parser.parse_args(argv)
    if args.from_vismeta and (args.chars or args.char_file):
        parser.error('--from-vismeta cannot be combined with --chars/--char-file')
    if not (args.from_vismeta or args.chars or args.char_file):
        parser.error('give characters with --chars and/or --char-file, or --from-vismeta')
    return args


def print_summary(charset: GlyphCharset, out: str) -> None:
    print(f'{len(charset)} glyphs, {charset.num_labels} labels -> {out}')
    blank = [c for c in charset.chars if charset.glyphs[charset.index(c)].max() == 0]
    if blank:
        print(f'{len(blank)} whitespace character(s) kept with a blank glyph: {blank}')


def print_missing(missing: list[str], font: str) -> None:
    print(f'{len(missing)} character(s) have no glyph in {font} and were left out:')
    for c in missing[:MAX_LISTED]:
        print(f'  {describe_char(c)}')
    if len(missing) > MAX_LISTED:
        print(f'  ... and {len(missing) - MAX_LISTED} more')


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_vismeta:
        charset = load_charset(args.from_vismeta)
        if args.case_sensitive:
            charset = GlyphCharset(charset.chars, charset.glyphs, case_sensitive=True,
                                   meta=charset.meta)
        charset.save(args.out)
        print(f'converted {args.from_vismeta}')
        print_summary(charset, args.out)
        return 0
    chars = requested_chars(args.chars, args.char_file, keep_whitespace=True)
    renderer = GlyphRenderer(args.font, args.face_index)
    print(f'rendering {len(chars)} characters with {renderer.font_name} '
          f'(face {renderer.face_index})')
    charset, missing = renderer.build_charset(chars, case_sensitive=args.case_sensitive)
    if missing:
        print_missing(missing, renderer.font_name)
    if not len(charset):
        print('error: no character could be rendered; nothing written', file=sys.stderr)
        return 1
    charset.save(args.out)
    print_summary(charset, args.out)
    return 0


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
